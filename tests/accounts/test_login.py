import pytest
from django.urls import reverse

from vigil.accounts.models import Task
from vigil.audit.models import Action, AuditEvent

from ..conftest import PASSWORD

LOGIN = "/accounts/login/"


@pytest.fixture
def clerk(make_user, places):
    return make_user("clerk.phunhuan", places.commune, tasks=[Task.DIGITISATION])


def post_login(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_logs_in_and_shows_the_allowed_modules(client, clerk):
    response = post_login(client, "clerk.phunhuan", PASSWORD)
    assert response.status_code == 302
    home = client.get("/")
    body = home.content.decode()
    assert reverse("people:list") in body
    # A clerk is not an administrator: no account management in the menu.
    assert f'href="{reverse("accounts:list")}"' not in body
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor=clerk).exists()


def test_it_shows_a_clear_message_for_a_wrong_password(client, clerk):
    response = post_login(client, "clerk.phunhuan", "nope")
    assert response.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.content.decode()


def test_it_throttles_repeated_failures_for_one_account_from_one_address(client, clerk, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for _n in range(3):
        post_login(client, "clerk.phunhuan", "wrong", ip="10.0.1.1")
    # Even the right password is refused from there while the pair is throttled.
    response = post_login(client, "clerk.phunhuan", PASSWORD, ip="10.0.1.1")
    assert response.status_code == 200
    assert "Quá nhiều lần đăng nhập sai" in response.content.decode()
    # The owner, elsewhere, is not locked out (tests/accounts/test_login_throttle.py).
    assert post_login(client, "clerk.phunhuan", PASSWORD, ip="10.0.2.1").status_code == 302


def test_it_throttles_repeated_failures_from_one_address(client, clerk, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for n in range(4):
        post_login(client, f"someone{n}", "wrong", ip="10.9.9.9")
    response = post_login(client, "clerk.phunhuan", PASSWORD, ip="10.9.9.9")
    assert "Quá nhiều lần đăng nhập sai" in response.content.decode()
    # Another address is not affected.
    assert post_login(client, "clerk.phunhuan", PASSWORD, ip="10.9.9.8").status_code == 302


def test_a_disabled_account_cannot_log_in(client, clerk):
    clerk.is_active = False
    clerk.save()
    response = post_login(client, "clerk.phunhuan", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_session_ends_when_the_account_is_disabled(client, clerk):
    client.force_login(clerk)
    assert client.get("/people/").status_code == 200
    clerk.is_active = False
    clerk.save()
    response = client.get("/people/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_it_changes_the_password(client, clerk):
    client.force_login(clerk)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-pass-42",
            "new_password2": "a-new-long-pass-42",
        },
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("a-new-long-pass-42")


def test_it_logs_out_with_a_post(client, clerk):
    client.force_login(clerk)
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302
