import pytest

from vigil.accounts import services
from vigil.accounts.models import AccountRequest, Task, User
from vigil.audit.models import AuditEvent


@pytest.fixture
def admin(make_user, places):
    return make_user("ioc.admin", places.province, tasks=[Task.ADMIN])


def account_data(places, **changes):
    data = {
        "username": "new.clerk",
        "full_name": "Lê Thị Hoa",
        "phone": "0905 123 456",
        "unit_name": "Tổ số hóa",
        "tasks": [Task.DIGITISATION, Task.HEALTH_STATION],
        "jurisdiction": places.commune.pk,
    }
    data.update(changes)
    return data


def test_the_administrator_creates_an_account_with_tasks_and_jurisdiction(client, admin, places):
    client.force_login(admin)
    response = client.post("/accounts/new/", account_data(places))
    assert response.status_code == 200
    user = User.objects.get(username="new.clerk")
    assert user.jurisdiction == places.commune
    assert user.jurisdiction_path == places.commune.path
    assert sorted(user.tasks) == sorted([Task.DIGITISATION, Task.HEALTH_STATION])
    assert user.phone == "0905123456"
    # The one-time password shown on the page is the account's password.
    password = response.context["password"]
    assert password in response.content.decode()
    assert user.check_password(password)
    assert AuditEvent.objects.filter(object_id=str(user.pk), action="create").exists()


def test_a_malformed_field_is_reported_next_to_it_and_the_rest_is_kept(client, admin, places):
    client.force_login(admin)
    response = client.post(
        "/accounts/new/", account_data(places, phone="12345", username="Bad Name")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"phone", "username"}
    body = response.content.decode()
    assert 'value="Lê Thị Hoa"' in body  # what was typed is still there
    assert 'id="id_phone_error"' in body
    assert not User.objects.filter(full_name="Lê Thị Hoa").exists()


def test_a_district_administrator_cannot_give_a_jurisdiction_outside_its_own(
    client, make_user, places
):
    district_admin = make_user("hue.admin", places.district, tasks=[Task.ADMIN])
    client.force_login(district_admin)
    response = client.post("/accounts/new/", account_data(places, jurisdiction=places.far.pk))
    assert "jurisdiction" in response.context["form"].errors
    assert not User.objects.filter(username="new.clerk").exists()


def test_a_non_administrator_gets_403_on_account_pages(client, make_user, places):
    client.force_login(make_user("cdc.x", places.province, tasks=[Task.CDC]))
    assert client.get("/accounts/").status_code == 403
    assert client.get("/accounts/new/").status_code == 403


def test_disabling_an_account_stops_its_login(client, admin, make_user, places):
    clerk = make_user("clerk.y", places.commune, tasks=[Task.DIGITISATION])
    client.force_login(admin)
    client.post(f"/accounts/{clerk.pk}/active/", {"active": "0"})
    clerk.refresh_from_db()
    assert not clerk.is_active
    client.logout()
    response = client.post(
        "/accounts/login/", {"username": "clerk.y", "password": "test-password-123"}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_a_stale_account_form_is_refused_and_keeps_what_was_typed(client, admin, make_user, places):
    clerk = make_user("clerk.z", places.commune, tasks=[Task.DIGITISATION])
    client.force_login(admin)
    stale_version = clerk.version
    services.update_account(admin, clerk, version=stale_version, full_name="Changed First")
    response = client.post(
        f"/accounts/{clerk.pk}/",
        account_data(places, username="clerk.z", full_name="Typed Second", version=stale_version),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "ioc.admin" in body  # who changed it
    assert 'value="Typed Second"' in body
    clerk.refresh_from_db()
    assert clerk.full_name == "Changed First"
    # Saving again after review goes through.
    version = response.context["form"].data["version"]
    client.post(
        f"/accounts/{clerk.pk}/",
        account_data(places, username="clerk.z", full_name="Typed Second", version=version),
    )
    clerk.refresh_from_db()
    assert clerk.full_name == "Typed Second"


def test_a_leader_requests_an_account_and_the_administrator_approves_it(
    client, admin, make_user, places
):
    leader = make_user("leader.phunhuan", places.commune, tasks=[Task.LEADER])
    client.force_login(leader)
    response = client.post(
        "/accounts/requests/new/",
        {
            "full_name": "Hồ Văn Bình",
            "phone": "+84 912 000 111",
            "task": Task.COMMUNITY,
            "jurisdiction": places.commune.pk,
        },
    )
    assert response.status_code == 302
    req = AccountRequest.objects.get()
    assert req.phone == "0912000111"
    client.force_login(admin)
    assert "Hồ Văn Bình" in client.get("/accounts/requests/").content.decode()
    response = client.post(f"/accounts/requests/{req.pk}/approve/")
    req.refresh_from_db()
    assert req.status == AccountRequest.Status.APPROVED
    user = req.created_user
    assert user.tasks == [Task.COMMUNITY]
    assert user.jurisdiction == places.commune
    assert user.check_password(response.context["password"])
    # Approving twice does not create a second account.
    client.post(f"/accounts/requests/{req.pk}/approve/")
    assert User.objects.filter(full_name="Hồ Văn Bình").count() == 1


def test_an_account_request_with_a_bad_phone_is_refused_next_to_the_field(
    client, make_user, places
):
    leader = make_user("leader.q", places.commune, tasks=[Task.LEADER])
    client.force_login(leader)
    response = client.post(
        "/accounts/requests/new/",
        {
            "full_name": "Hồ Văn Bình",
            "phone": "abc",
            "task": Task.COMMUNITY,
            "jurisdiction": places.commune.pk,
        },
    )
    assert list(response.context["form"].errors) == ["phone"]
    assert 'value="Hồ Văn Bình"' in response.content.decode()
    assert not AccountRequest.objects.exists()


def test_rejecting_a_request_needs_a_reason(client, admin, make_user, places):
    leader = make_user("leader.r", places.commune, tasks=[Task.LEADER])
    req = services.file_request(
        leader, full_name="A", phone="0912000111", task=Task.POLICE, jurisdiction=places.commune
    )
    client.force_login(admin)
    client.post(f"/accounts/requests/{req.pk}/reject/", {"note": ""})
    req.refresh_from_db()
    assert req.status == AccountRequest.Status.PENDING
    client.post(f"/accounts/requests/{req.pk}/reject/", {"note": "Không thuộc đơn vị"})
    req.refresh_from_db()
    assert req.status == AccountRequest.Status.REJECTED
