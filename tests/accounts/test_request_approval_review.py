"""Approving an account request shows what it grants before it is confirmed."""

import pytest

from vigil.accounts import services
from vigil.accounts.models import AccountRequest, Task, User
from vigil.core.permissions import CAPABILITIES, VERIFY


@pytest.fixture
def admin(make_user, places):
    return make_user("ioc.admin", places.province, tasks=[Task.ADMIN])


@pytest.fixture
def req(make_user, places):
    leader = make_user("leader.phunhuan", places.commune, tasks=[Task.LEADER])
    return services.file_request(
        leader,
        full_name="Hồ Văn Bình",
        phone="0912000111",
        task=Task.COMMUNITY,
        jurisdiction=places.commune,
    )


def test_the_list_links_to_a_review_instead_of_approving_in_one_click(client, admin, req):
    client.force_login(admin)

    body = client.get("/accounts/requests/").content.decode()

    assert f'href="/accounts/requests/{req.pk}/approve/"' in body
    assert f'action="/accounts/requests/{req.pk}/approve/"' not in body


def test_the_review_shows_the_task_group_jurisdiction_and_what_it_may_do(
    client, admin, req, places
):
    client.force_login(admin)

    response = client.get(f"/accounts/requests/{req.pk}/approve/")

    assert response.status_code == 200
    body = response.content.decode()
    assert str(Task.COMMUNITY.label) in body
    assert places.commune.full_name() in body
    assert str(CAPABILITIES[VERIFY].label) in body
    assert response.context["username"] in body
    # Looking is not approving.
    req.refresh_from_db()
    assert req.status == AccountRequest.Status.PENDING
    assert not User.objects.filter(full_name="Hồ Văn Bình").exists()


def test_confirming_the_review_creates_the_account(client, admin, req):
    client.force_login(admin)

    response = client.post(f"/accounts/requests/{req.pk}/approve/")

    req.refresh_from_db()
    assert req.status == AccountRequest.Status.APPROVED
    assert req.created_user.check_password(response.context["password"])


def test_a_decided_request_has_no_review(client, admin, req):
    services.reject_request(admin, req, "duplicate")
    client.force_login(admin)

    response = client.get(f"/accounts/requests/{req.pk}/approve/")

    assert response.status_code == 302 and response.url == "/accounts/requests/"
