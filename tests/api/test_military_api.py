"""The military command's queue and verification through the API (R-V7, R-N5)."""

import datetime

import pytest
from django.utils import timezone

from vigil.accounts.models import ApiToken, Task
from vigil.declarations.models import Channel, Declaration, Surveillance, VerificationState
from vigil.declarations.transitions import transition
from vigil.quarantine import services as quarantine
from vigil.quarantine.models import Facility

M = "/api/v1/military"
TODAY = timezone.localdate()


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, url, body, token):
    return client.post(url, body, content_type="application/json", **bearer(token))


def get(client, url, token, **params):
    return client.get(url, params, **bearer(token))


@pytest.fixture
def facility(places, admin_user):
    return Facility.objects.create(kind="concentrated", name="Khu cách ly Phú Bài", area=places.far)


@pytest.fixture
def taken_in(make_person, facility, admin_user):
    """A declaration verified at quarantine intake, with its stay in `facility`."""

    def make(area, full_name="Nguyễn Văn An", days_ago=0):
        person = make_person(area, full_name)
        declaration = Declaration.objects.create(
            person=person,
            area=area,
            registration_kind="return_home",
            departure_country_id="VN",
            address="1 Lê Lợi",
            transport="car",
            arrival_date=TODAY - datetime.timedelta(days=days_ago),
            created_at=timezone.now() - datetime.timedelta(days=days_ago),
            channel=Channel.WEB,
        )
        declaration = transition(
            declaration,
            actor=admin_user,
            version=None,
            action="verified_by_intake",
            state_field="verification_state",
            allowed_from=(VerificationState.PENDING,),
            to_state=VerificationState.INTAKE,
        )
        quarantine.take_in(
            admin_user, person=person, facility=facility, start_date=TODAY, declaration=declaration
        )
        return Declaration.objects.get(pk=declaration.pk)

    return make


@pytest.fixture
def token(make_user):
    def issue(username, unit, tasks=(Task.MILITARY,)):
        return ApiToken.issue(make_user(username, unit, tasks=list(tasks)), "phone")[1]

    return issue


def test_the_queue_lists_intake_declarations_of_the_jurisdiction_oldest_first(
    client, places, taken_in, token, facility
):
    new = taken_in(places.commune, "Trần Thị Mới")
    old = taken_in(places.neighbour, "Lê Văn Cũ", days_ago=3)
    taken_in(places.far, "Bùi Văn Xa")
    district = token("bch.hue", places.district)
    response = get(client, f"{M}/queue", district)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["total"] == 2
    assert [item["code"] for item in out["items"]] == [old.code, new.code]
    item = out["items"][1]
    assert item["facility_name"] == "Khu cách ly Phú Bài"
    assert item["facility_id"] == facility.pk
    assert item["stay_start"] == TODAY.isoformat()
    assert item["surveillance"] == Surveillance.CONCENTRATED
    assert item["verification_state"] == "intake"
    assert item["id_number"] != new.person.id_number  # masked

    filtered = get(client, f"{M}/queue", district, commune_code=places.commune.code).json()
    assert [item["code"] for item in filtered["items"]] == [new.code]
    assert get(client, f"{M}/queue", district, q="le van").json()["total"] == 1
    assert get(client, f"{M}/queue", district, facility_id=facility.pk).json()["total"] == 2
    assert get(client, f"{M}/queue", district, facility_id=facility.pk + 99).json()["total"] == 0
    neighbour = token("bch.vinhninh", places.neighbour)
    assert [i["code"] for i in get(client, f"{M}/queue", neighbour).json()["items"]] == [old.code]


def test_accounts_without_the_military_task_get_403(client, places, taken_in, token):
    declaration = taken_in(places.commune)
    community = token("community.pn", places.commune, tasks=[Task.COMMUNITY, Task.CDC])
    assert get(client, f"{M}/queue", community).status_code == 403
    body = {"version": declaration.version, "outcome": "returned"}
    response = post(client, f"{M}/{declaration.pk}/verify", body, community)
    assert response.status_code == 403
    assert Declaration.objects.get(pk=declaration.pk).verification_state == "intake"
    admin = token("ops.tinh", places.province, tasks=[Task.ADMIN])
    assert get(client, f"{M}/queue", admin).json()["total"] == 1


def test_verify_returned_then_already_handled(client, places, taken_in, token):
    declaration = taken_in(places.commune)
    soldier = token("bch.hue", places.district)
    body = {"version": declaration.version, "outcome": "returned", "note": "Đúng người"}
    response = post(client, f"{M}/{declaration.pk}/verify", body, soldier)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["verification_state"] == "returned"
    assert out["surveillance"] == "concentrated"
    assert out["version"] == declaration.version + 1
    event = Declaration.objects.get(pk=declaration.pk).events.order_by("-id").first()
    assert (event.action, event.note) == ("military_verify", "Đúng người")
    again = post(
        client, f"{M}/{declaration.pk}/verify", {**body, "version": out["version"]}, soldier
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_handled"


def test_verify_failed_needs_a_reason(client, places, taken_in, token):
    declaration = taken_in(places.commune)
    soldier = token("bch.hue", places.district)
    url = f"{M}/{declaration.pk}/verify"
    response = post(client, url, {"version": declaration.version, "outcome": "failed"}, soldier)
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["note"]
    response = post(client, url, {"version": declaration.version}, soldier)
    assert response.status_code == 422
    assert "outcome" in response.json()["error"]["fields"]
    response = post(client, url, {"version": declaration.version, "outcome": "moved"}, soldier)
    assert response.status_code == 422
    assert "outcome" in response.json()["error"]["fields"]
    body = {"version": declaration.version, "outcome": "failed", "note": "Không có hộ khẩu"}
    response = post(client, url, body, soldier)
    assert response.status_code == 200
    assert response.json()["verification_state"] == "failed"


def test_a_stale_version_is_409_and_changes_nothing(client, places, taken_in, token):
    declaration = taken_in(places.commune)
    soldier = token("bch.hue", places.district)
    body = {"version": declaration.version - 1, "outcome": "returned"}
    response = post(client, f"{M}/{declaration.pk}/verify", body, soldier)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale"
    assert Declaration.objects.get(pk=declaration.pk).verification_state == "intake"


def test_a_declaration_outside_the_jurisdiction_is_404(client, places, taken_in, token):
    declaration = taken_in(places.commune)
    neighbour = token("bch.vinhninh", places.neighbour)
    body = {"version": declaration.version, "outcome": "returned"}
    response = post(client, f"{M}/{declaration.pk}/verify", body, neighbour)
    assert response.status_code == 404
    assert Declaration.objects.get(pk=declaration.pk).verification_state == "intake"


def test_the_openapi_document_describes_the_military_operations(client):
    doc = client.get("/api/v1/openapi.json").json()
    queue = doc["paths"][f"{M}/queue"]["get"]
    verify = doc["paths"][f"{M}/{{declaration_id}}/verify"]["post"]
    for op in (queue, verify):
        assert op["summary"] and op["description"]
        assert "403" in op["responses"]
    assert "409" in verify["responses"]
    assert verify["requestBody"]["content"]["application/json"]["example"]["outcome"] == "returned"
