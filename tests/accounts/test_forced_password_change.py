"""A password an administrator issued must be replaced before anything else."""

import pytest

from vigil.accounts import services
from vigil.accounts.models import AccountRequest, Task, User
from vigil.accounts.twofactor import SESSION_VERIFIED

from ..conftest import PASSWORD


@pytest.fixture
def admin(make_user, places):
    return make_user("ioc.admin", places.province, tasks=[Task.ADMIN])


def sign_in(client, username, password):
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def change(client, old, new="Another-password-456"):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_a_new_account_must_change_its_issued_password_before_anything_else(client, admin, places):
    user, password = services.create_account(
        admin,
        username="new.clerk",
        full_name="Lê Thị Hoa",
        tasks=[Task.DIGITISATION],
        jurisdiction=places.commune,
    )
    assert user.must_change_password

    sign_in(client, "new.clerk", password)
    for url in ("/", "/accounts/tokens/", "/khai-bao/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/accounts/password/", url
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    assert 'id="must-change-password"' in page.content.decode()

    response = change(client, password)
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/accounts/tokens/").status_code == 200


def test_an_htmx_request_is_sent_to_the_change_page_too(client, admin, places):
    _user, password = services.create_account(
        admin, username="hx.clerk", full_name="H X", tasks=[Task.CDC], jurisdiction=places.commune
    )
    sign_in(client, "hx.clerk", password)

    response = client.get("/accounts/tokens/", HTTP_HX_REQUEST="true")

    assert response.headers["HX-Redirect"] == "/accounts/password/"


def test_logging_out_stays_open(client, admin, places):
    _user, password = services.create_account(
        admin, username="out.clerk", full_name="O C", tasks=[Task.CDC], jurisdiction=places.commune
    )
    sign_in(client, "out.clerk", password)

    client.post("/accounts/logout/")

    assert "_auth_user_id" not in client.session


def test_a_reset_password_must_be_changed_too(client, admin, make_user, places):
    clerk = make_user("clerk.r", places.commune, tasks=[Task.CDC])
    sign_in(client, "clerk.r", PASSWORD)
    assert client.get("/accounts/tokens/").status_code == 200  # an ordinary account

    password = services.reset_password(admin, clerk)
    clerk.refresh_from_db()
    assert clerk.must_change_password
    sign_in(client, "clerk.r", password)

    assert client.get("/accounts/tokens/").url == "/accounts/password/"


def test_an_approved_request_gives_an_account_that_must_change_its_password(
    admin, make_user, places
):
    leader = make_user("leader.x", places.commune, tasks=[Task.LEADER])
    req = services.file_request(
        leader,
        full_name="Hồ Văn Bình",
        phone="0912000111",
        task=Task.COMMUNITY,
        jurisdiction=places.commune,
    )

    user, _password = services.approve_request(admin, req)

    assert User.objects.get(pk=user.pk).must_change_password
    assert AccountRequest.objects.get(pk=req.pk).created_user == user


def test_the_api_sees_such_a_session_as_anonymous_but_tokens_still_work(client, admin, places):
    user, password = services.create_account(
        admin, username="api.clerk", full_name="A C", tasks=[Task.CDC], jurisdiction=places.commune
    )
    sign_in(client, "api.clerk", password)
    assert client.get("/api/v1/me").status_code == 401

    _token, secret = services.create_token(user, "script")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200


def test_the_second_step_comes_first_when_both_are_due(client, admin, places, settings):
    settings.VIGIL_REQUIRE_2FA_TASKS = ["admin"]
    user, password = services.create_account(
        admin, username="ops.new", full_name="O N", tasks=[Task.ADMIN], jurisdiction=places.province
    )
    sign_in(client, "ops.new", password)

    # Enrolment is reachable (no loop between the two pages)...
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/accounts/password/").url.startswith("/accounts/2fa/")
    # ...and once the second step is done, the password change is next.
    session = client.session
    session[SESSION_VERIFIED] = str(user.pk)
    session.save()
    assert client.get("/accounts/tokens/").url == "/accounts/password/"
    assert client.get("/accounts/password/").status_code == 200
