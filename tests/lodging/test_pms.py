"""The property-management systems' API: the establishment's key works only
here (a staff token does not, a revoked key does not), a batch with one bad
guest saves the others, a retried batch creates nothing twice, more than 500
guests are refused, the declaration is linked or the link to declare given,
and a key of one establishment cannot check out another's guest."""

import datetime

import pytest
from django.utils import timezone

from vigil.accounts.models import ApiToken
from vigil.declarations.models import Declaration
from vigil.lodging import catalogue
from vigil.lodging.models import GuestStay, GuestStayEvent, StaySource
from vigil.people.models import Person

from ..scope.samples import make_declaration

CHECK_INS = "/api/v1/lodging/pms/check-ins"
CHECK_OUTS = "/api/v1/lodging/pms/check-outs"


@pytest.fixture
def key(establishment, police):
    return catalogue.issue_token(establishment, actor=police, name="PMS")[1]


def post(client, url, body, secret):
    return client.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )


def guest(n, **extra):
    when = timezone.localtime() - datetime.timedelta(hours=2)
    values = {
        "idempotency_key": f"K-{n}",
        "full_name": f"Khách Số {n}",
        "birth_year": 1990,
        "gender": "female",
        "id_number": f"0461{n:08d}",
        "phone": f"0912{n:06d}",
        "room": str(100 + n),
        "check_in": when.isoformat(),
        "planned_check_out": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
    }
    values.update(extra)
    return values


def test_a_batch_is_stored_with_one_stay_per_guest(client, key, establishment):
    response = post(client, CHECK_INS, {"guests": [guest(1), guest(2)]}, key)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == 2 and body["invalid"] == 0
    stays = GuestStay.objects.filter(establishment=establishment)
    assert stays.count() == 2
    assert set(stays.values_list("source", flat=True)) == {StaySource.PMS}
    assert GuestStayEvent.objects.filter(stay__in=stays, action="check_in").count() == 2
    first = body["guests"][0]
    assert first["status"] == "created" and first["stay_id"] in {s.pk for s in stays}


def test_one_guest_alone_is_accepted(client, key):
    response = post(client, CHECK_INS, guest(7), key)
    assert response.status_code == 200
    assert response.json()["guests"][0]["status"] == "created"


def test_undeclared_guest_gets_the_link_to_declare(client, key):
    body = post(client, CHECK_INS, guest(1), key).json()["guests"][0]
    assert body["declared"] is False and body["declaration_code"] is None
    assert body["declare_url"] == "http://testserver/khai-bao/"


def test_declaration_linked_by_code_and_found_by_id_number(client, key, make_person, places):
    coded = make_person(places.commune, full_name="Trần Thị Bình")
    by_code = make_declaration(coded, places.commune)
    found = make_person(places.commune, full_name="Lê Văn Cường")
    by_id = make_declaration(found, places.commune)
    guests = [
        guest(1, full_name=coded.full_name, id_number=coded.id_number,
              declaration_code=by_code.code.lower()),
        guest(2, full_name=found.full_name, id_number=found.id_number),
    ]  # fmt: skip
    body = post(client, CHECK_INS, {"guests": guests}, key).json()
    assert [g["declaration_code"] for g in body["guests"]] == [by_code.code, by_id.code]
    assert all(g["declared"] and g["declare_url"] is None for g in body["guests"])
    assert Declaration.objects.count() == 2  # nobody declared twice


def test_a_bad_guest_gets_its_messages_and_the_others_are_saved(client, key, establishment):
    future = (timezone.localtime() + datetime.timedelta(days=1)).isoformat()
    guests = [
        guest(1),
        guest(2, id_number="C 1234567", nationality="GB", check_in=future),
        guest(3, declaration_code="NOPE1234"),
        guest(4),
    ]
    body = post(client, CHECK_INS, {"guests": guests}, key).json()
    statuses = [g["status"] for g in body["guests"]]
    assert statuses == ["created", "invalid", "invalid", "created"]
    bad = body["guests"][1]["errors"]
    assert bad["id_number"] and "check_in" in bad
    assert "declaration_code" in body["guests"][2]["errors"]
    assert GuestStay.objects.filter(establishment=establishment).count() == 2
    assert not Person.objects.filter(full_name__in=["Khách Số 2", "Khách Số 3"]).exists()


def test_the_service_refusal_is_per_guest_too(client, key, establishment):
    future = (timezone.localtime() + datetime.timedelta(days=1)).isoformat()
    body = post(client, CHECK_INS, {"guests": [guest(1, check_in=future), guest(2)]}, key).json()
    assert [g["status"] for g in body["guests"]] == ["invalid", "created"]
    assert "check_in" in body["guests"][0]["errors"]
    assert not Person.objects.filter(full_name="Khách Số 1").exists()


def test_a_retried_batch_creates_nothing_twice(client, key, establishment):
    batch = {"guests": [guest(n) for n in range(1, 6)]}
    first = post(client, CHECK_INS, batch, key).json()
    again = post(client, CHECK_INS, batch, key).json()
    assert first["created"] == 5 and again["created"] == 0 and again["existing"] == 5
    assert [g["stay_id"] for g in first["guests"]] == [g["stay_id"] for g in again["guests"]]
    assert GuestStay.objects.filter(establishment=establishment).count() == 5
    assert Person.objects.filter(full_name__startswith="Khách Số").count() == 5


def test_a_key_twice_in_one_batch_is_refused_for_the_second(client, key):
    body = post(client, CHECK_INS, {"guests": [guest(1), guest(2, idempotency_key="K-1")]}, key)
    assert [g["status"] for g in body.json()["guests"]] == ["created", "invalid"]


def test_more_than_500_guests_are_refused(client, key, establishment):
    batch = {"guests": [guest(n) for n in range(501)]}
    response = post(client, CHECK_INS, batch, key)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert not GuestStay.objects.exists()


def test_a_staff_token_is_refused_here(client, reception, police):
    for user in (reception, police):
        secret = ApiToken.issue(user, "staff")[1]
        assert post(client, CHECK_INS, guest(1), secret).status_code == 401
    client.force_login(reception)  # nor the browser session
    response = client.post(CHECK_INS, guest(1), content_type="application/json")
    assert response.status_code == 401
    assert not GuestStay.objects.exists()


def test_a_pms_key_works_nowhere_else(client, key, reception):
    staff = ApiToken.issue(reception, "staff")[1]
    for url in ("/api/v1/me", "/api/v1/areas/countries"):
        assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {staff}").status_code == 200
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 401, url


def test_a_revoked_key_is_refused(client, establishment, police):
    token, secret = catalogue.issue_token(establishment, actor=police, name="old")
    catalogue.revoke_token(token, actor=police)
    assert post(client, CHECK_INS, guest(1), secret).status_code == 401
    assert post(client, CHECK_INS, guest(1), "vgp_nothing_like_it").status_code == 401


def test_check_out_by_key_or_stay_id_and_retried(client, key):
    body = post(client, CHECK_INS, {"guests": [guest(1), guest(2)]}, key).json()
    stay_id = body["guests"][1]["stay_id"]
    now = timezone.localtime().isoformat()
    outs = {"guests": [{"idempotency_key": "K-1", "check_out": now}, {"stay_id": stay_id}]}
    answer = post(client, CHECK_OUTS, outs, key).json()["guests"]
    assert [a["status"] for a in answer] == ["checked_out", "checked_out"]
    assert GuestStay.objects.filter(check_out__isnull=False).count() == 2
    again = post(client, CHECK_OUTS, {"idempotency_key": "K-1", "check_out": now}, key)
    assert again.status_code == 200 and again.json()["guests"][0]["status"] == "existing"


def test_check_out_before_check_in_is_refused(client, key):
    post(client, CHECK_INS, guest(1), key)
    early = (timezone.localtime() - datetime.timedelta(days=3)).isoformat()
    response = post(client, CHECK_OUTS, {"idempotency_key": "K-1", "check_out": early}, key)
    assert response.status_code == 422
    assert "check_out" in response.json()["error"]["fields"]
    assert not GuestStay.objects.filter(check_out__isnull=False).exists()


def test_a_key_cannot_check_out_another_establishments_guest(
    client, key, far_establishment, police
):
    far_key = catalogue.issue_token(far_establishment, actor=police, name="far")[1]
    far_stay = post(client, CHECK_INS, guest(9), far_key).json()["guests"][0]["stay_id"]
    response = post(client, CHECK_OUTS, {"stay_id": far_stay}, key)
    assert response.status_code == 404
    response = post(client, CHECK_OUTS, {"idempotency_key": "K-9"}, key)
    assert response.status_code == 404
    assert GuestStay.objects.get(pk=far_stay).check_out is None


def test_the_operations_are_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json()
    operation = doc["paths"]["/api/v1/lodging/pms/check-ins"]["post"]
    content = operation["requestBody"]["content"]["application/json"]
    assert content["example"]["guests"][0]["idempotency_key"]
    assert "/api/v1/lodging/pms/check-outs" in doc["paths"]


def test_people_are_matched_in_bulk_as_declarations_match_them(client, key, make_person, places):
    known = make_person(places.commune, full_name="Phạm Thị Dung")
    other = make_person(places.commune, full_name="Võ Văn Em")
    guests = [
        guest(1, full_name="PHẠM THỊ DUNG", id_number=known.id_number),
        guest(2, full_name="Ai Đó Khác", id_number=other.id_number),  # same ID, other name
        guest(3, full_name="Hồ Văn Giang", id_number="046100000333"),
        guest(4, full_name="Hồ Văn Giang", id_number="046100000333", room="305"),
    ]
    body = post(client, CHECK_INS, {"guests": guests}, key).json()
    assert body["created"] == 4
    stays = {g["index"]: GuestStay.objects.get(pk=g["stay_id"]) for g in body["guests"]}
    assert stays[0].person == known
    assert stays[1].person != other and stays[1].person.id_number == ""
    assert stays[2].person == stays[3].person
    assert Person.objects.filter(id_number="046100000333").count() == 1


def test_a_guest_with_a_check_out_is_checked_in_and_out(client, key):
    left = (timezone.localtime() - datetime.timedelta(minutes=30)).isoformat()
    body = post(client, CHECK_INS, guest(1, check_out=left), key).json()["guests"][0]
    stay = GuestStay.objects.get(pk=body["stay_id"])
    assert stay.check_out is not None
    assert list(stay.events.values_list("action", flat=True)) == ["check_in", "check_out"]
