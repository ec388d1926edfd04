"""Establishment accounts through the account requests and the operations
centre's account form: bound to their establishment, which they then see
alone."""

import json

import pytest

from vigil.accounts import services
from vigil.accounts.models import AccountRequest, ApiToken, Task, User

# Pages in English (the `english` fixture of tests/conftest.py).
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def leader(make_user, places):
    return make_user("leader.phunhuan", places.commune, tasks=[Task.LEADER])


@pytest.fixture
def ops(make_user, places):
    return make_user("ops.centre", places.province, tasks=[Task.ADMIN])


def request_data(places, establishment, **extra):
    return {
        "full_name": "Lê Thị Hoa",
        "phone": "0905123456",
        "task": Task.ESTABLISHMENT,
        "jurisdiction": places.commune.pk,
        "establishment": establishment.pk if establishment else "",
        "note": "",
        **extra,
    }


def test_a_request_for_an_establishment_account_binds_the_user(
    login, leader, ops, establishment, places
):
    response = login(leader).post("/accounts/requests/new/", request_data(places, establishment))
    assert response.status_code == 302, response.content
    req = AccountRequest.objects.get()
    assert req.establishment == establishment
    page = login(ops).get("/accounts/requests/")
    assert establishment.name in page.content.decode()
    user, _password = services.approve_request(ops, req)
    user.refresh_from_db()
    assert user.establishment == establishment and user.jurisdiction == establishment.area
    assert user.tasks == [Task.ESTABLISHMENT]
    page = login(user).get(f"/lodging/establishments/{establishment.pk}/")
    assert page.status_code == 302 and page.url.startswith("/accounts/password/")  # issued
    services.password_changed(user)
    client = login(user)
    assert client.get(f"/lodging/establishments/{establishment.pk}/").status_code == 200


def test_the_establishment_is_required_for_that_task_and_refused_otherwise(
    login, leader, establishment, places
):
    client = login(leader)
    page = client.post("/accounts/requests/new/", request_data(places, None))
    assert "establishment" in page.context["form"].errors
    page = client.post(
        "/accounts/requests/new/", request_data(places, establishment, task=Task.COMMUNITY)
    )
    assert "establishment" in page.context["form"].errors
    assert not AccountRequest.objects.exists()


def test_an_establishment_outside_the_requesters_area_is_refused(
    login, leader, far_establishment, places
):
    page = login(leader).post("/accounts/requests/new/", request_data(places, far_establishment))
    assert "establishment" in page.context["form"].errors
    assert not AccountRequest.objects.exists()


def test_an_establishment_outside_the_chosen_jurisdiction_is_refused(
    make_user, login, establishment, places
):
    district_leader = make_user("leader.hue", places.district, tasks=[Task.LEADER])
    data = request_data(places, establishment, jurisdiction=places.neighbour.pk)
    page = login(district_leader).post("/accounts/requests/new/", data)
    assert "establishment" in page.context["form"].errors


def test_the_api_takes_the_establishment(client, leader, establishment, places):
    token = ApiToken.issue(leader, "t")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
    body = {
        "full_name": "Lê Thị Hoa",
        "phone": "0905123456",
        "task": "establishment",
        "jurisdiction_code": places.commune.code,
    }
    missing = client.post(
        "/api/v1/account-requests", json.dumps(body), content_type="application/json", **headers
    )
    assert missing.status_code == 422
    assert "establishment_id" in missing.json()["error"]["fields"]
    body["establishment_id"] = establishment.pk
    made = client.post(
        "/api/v1/account-requests", json.dumps(body), content_type="application/json", **headers
    )
    assert made.status_code == 201, made.content
    assert made.json()["establishment_id"] == establishment.pk


def test_the_operations_centre_binds_an_account_directly(login, ops, establishment):
    data = {
        "username": "desk.huonggiang",
        "full_name": "Lễ Tân",
        "tasks": [Task.ESTABLISHMENT],
        "establishment": establishment.pk,
    }
    response = login(ops).post("/accounts/new/", data)
    assert response.status_code == 200, response.content
    user = User.objects.get(username="desk.huonggiang")
    assert user.establishment == establishment
    assert user.jurisdiction == establishment.area
    wrong = login(ops).post(
        "/accounts/new/", {**data, "username": "other.desk", "tasks": [Task.POLICE]}
    )
    assert "establishment" in wrong.context["form"].errors
