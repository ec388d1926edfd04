"""Registrations to return through the API (R-V4, R-V6, R-N5): citizens register
with their SMS-verified token; staff decide with theirs, as on the pages."""

import datetime
import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from vigil.accounts.models import ApiToken, Task
from vigil.api.citizen_auth import issue_token
from vigil.declarations import questions
from vigil.declarations.sms import FileBackend
from vigil.verification.models import Registration, RegistrationState

from ..verification.test_registration_approvals import make_registration

R = "/api/v1/registrations"
PHONE = "0905123456"
OTHER_PHONE = "0912000111"
TODAY = timezone.localdate()


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, url, body, token, **headers):
    return client.post(url, body, content_type="application/json", **bearer(token), **headers)


def get(client, url, token, **params):
    return client.get(url, params, **bearer(token))


def site_language(message):
    with translation.override("vi"):
        return gettext(message)


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms.jsonl")
    return FileBackend()


@pytest.fixture
def citizen(client, db, outbox):
    """A citizen token through the real OTP endpoints."""
    base = "/api/v1/declarations/otp"
    assert client.post(f"{base}/request", {"phone": PHONE}, "application/json").status_code == 202
    code = re.search(r"\b(\d{6})\b", outbox.messages(PHONE)[-1]["text"]).group(1)
    response = client.post(f"{base}/verify", {"phone": PHONE, "code": code}, "application/json")
    return response.json()["token"]


@pytest.fixture
def token_for(make_user):
    def make(username, unit, tasks):
        user = make_user(username, unit, tasks=tasks)
        return user, ApiToken.issue(user, "api")[1]

    return make


@pytest.fixture
def verifier(token_for, places):
    return token_for("community.phunhuan", places.commune, [Task.COMMUNITY])[1]


def body(places, **changes):
    data = {
        "full_name": "Trần Thị Hoa",
        "id_kind": "cccd",
        "id_number": "046190001234",
        "birth_year": 1985,
        "gender": "female",
        "registration_kind": "return_home",
        "departure_country": "VN",
        "departure_unit_code": "00001",  # Phường Phúc Xá, Quận Ba Đình, Hà Nội
        "area_code": places.commune.code,
        "address": "12 Nguyễn Huệ",
        "transport": "plane",
        "transport_number": "VN1545",
        "arrival_date": (TODAY + datetime.timedelta(days=3)).isoformat(),
        "note": "Về cùng con nhỏ",
    }
    data.update(changes)
    return data


def state(registration):
    return Registration.objects.get(pk=registration.pk)


# Citizens -------------------------------------------------------------------------


def test_a_citizen_registers_reads_it_and_a_retry_registers_once(client, citizen, places):
    response = post(client, R, body(places), citizen, HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["state"], out["area_code"], out["channel"], out["phone"]) == (
        "pending",
        places.commune.code,
        "app",
        PHONE,  # the person's phone defaults to the verified one
    )
    assert (out["departure_unit_code"], out["version"], out["declaration_code"]) == (
        "00001",
        1,
        None,
    )
    again = post(client, R, body(places), citizen, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (again.status_code, again.json()["code"]) == (200, out["code"])
    assert Registration.objects.count() == 1
    assert Registration.objects.get().submitter_phone == PHONE

    mine = get(client, f"{R}/mine", citizen).json()
    assert [r["code"] for r in mine] == [out["code"]]
    assert get(client, f"{R}/mine/{out['code'].lower()}", citizen).json()["state"] == "pending"


def test_a_citizen_registers_on_behalf_of_a_relative(client, citizen, places):
    response = post(client, R, body(places, is_proxy=True, phone="0905777888"), citizen)
    assert response.status_code == 422
    assert "proxy_relation" in response.json()["error"]["fields"]
    response = post(
        client,
        R,
        body(places, is_proxy=True, phone="0905777888", proxy_relation="Con gái"),
        citizen,
    )
    assert response.status_code == 201, response.content
    registration = Registration.objects.get()
    assert (registration.is_proxy, registration.proxy_relation) == (True, "Con gái")
    assert (registration.submitter_phone, registration.phone) == (PHONE, "0905777888")


def test_invalid_fields_answer_422_with_the_web_forms_messages(client, citizen, places):
    past = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = post(
        client, R, body(places, arrival_date=past, area_code="99999", full_name=""), citizen
    )
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields["arrival_date"] == [
        site_language("The planned arrival date cannot be in the past: register before travelling.")
    ]
    assert set(fields) >= {"area_code", "full_name"}
    response = post(client, R, body(places, arrival_date="05/09/2021"), citizen)
    assert "arrival_date" in response.json()["error"]["fields"]
    assert not Registration.objects.exists()


def test_another_phone_gets_404_and_staff_tokens_are_refused(client, citizen, verifier, places):
    code = post(client, R, body(places), citizen).json()["code"]
    other = issue_token(OTHER_PHONE)
    assert get(client, f"{R}/mine/{code}", other).status_code == 404
    assert get(client, f"{R}/mine", other).json() == []
    assert get(client, f"{R}/mine", verifier).status_code == 401
    assert post(client, R, body(places), verifier).status_code == 401
    assert get(client, f"{R}/queue", citizen).status_code == 401


def test_an_approved_registration_prefills_the_apps_declaration_which_links_back(
    client, citizen, verifier, places
):
    code = post(client, R, body(places), citizen).json()["code"]
    registration = Registration.objects.get(code=code)
    draft_url = f"{R}/mine/{code}/declaration"
    response = get(client, draft_url, citizen)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "not_approved")
    assert (
        post(client, f"{R}/{registration.pk}/approve", {"version": 1}, verifier).status_code == 200
    )

    draft = get(client, draft_url, citizen).json()
    assert (draft["full_name"], draft["area_code"], draft["departure_unit_code"]) == (
        "Trần Thị Hoa",
        places.commune.code,
        "00001",
    )
    # Planned three days ahead: a declaration is dated today at the latest.
    assert draft["arrival_date"] == TODAY.isoformat()
    assert get(client, draft_url, issue_token(OTHER_PHONE)).status_code == 404
    response = post(client, draft_url, draft, citizen)
    assert response.status_code == 422  # the health questions are the citizen's to answer
    assert "answers.sym_fever" in response.json()["error"]["fields"]

    draft["answers"] = dict.fromkeys(questions.KEYS, False)
    response = post(client, draft_url, draft, citizen, HTTP_IDEMPOTENCY_KEY="d-1")
    assert response.status_code == 201, response.content
    declaration_code = response.json()["code"]
    assert get(client, f"{R}/mine/{code}", citizen).json()["declaration_code"] == declaration_code
    assert state(registration).declaration.channel == "app"
    again = post(client, draft_url, draft, citizen, HTTP_IDEMPOTENCY_KEY="d-2")
    assert (again.status_code, again.json()["code"]) == (200, declaration_code)
    assert post(client, draft_url, draft, issue_token(OTHER_PHONE)).status_code == 404


# Staff ------------------------------------------------------------------------------


def test_the_queue_holds_the_jurisdictions_pending_registrations_oldest_first(
    client, token_for, verifier, places
):
    first = make_registration(places.commune)
    second = make_registration(places.commune, full_name="Phạm Văn Hai", days_ahead=9)
    far = make_registration(places.far)
    make_registration(places.neighbour)
    response = get(client, f"{R}/queue", verifier)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["total"] == 2 and [i["id"] for i in out["items"]] == [first.pk, second.pk]
    assert out["items"][0]["id_number"] == first.masked_id_number
    assert [i["id"] for i in get(client, f"{R}/queue", verifier, q="pham van").json()["items"]] == [
        second.pk
    ]
    later = (TODAY + datetime.timedelta(days=5)).isoformat()
    assert (
        get(client, f"{R}/queue", verifier, date_on="arrival", date_from=later).json()["total"] == 1
    )
    assert get(client, f"{R}/queue", verifier, date_on="tomorrow").status_code == 422
    _user, district = token_for("digit.hue", places.district, [Task.DIGITISATION])
    assert get(client, f"{R}/queue", district).json()["total"] == 3
    assert (
        get(client, f"{R}/queue", district, commune_code=places.neighbour.code).json()["total"] == 1
    )
    assert get(client, f"{R}/{far.pk}", verifier).status_code == 404


def test_approve_sends_the_sms_and_a_stale_or_repeated_decision_is_409(
    client, verifier, token_for, places, outbox, django_capture_on_commit_callbacks
):
    registration = make_registration(places.commune)
    detail = get(client, f"{R}/{registration.pk}", verifier).json()
    assert (detail["version"], detail["id_number"]) == (1, registration.id_number)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, f"{R}/{registration.pk}/approve", {"version": 1}, verifier)
    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["state"], out["version"], out["decided_by"]) == (
        "approved",
        2,
        "community.phunhuan",
    )
    assert [e["action"] for e in out["history"]] == ["submitted", "approve"]
    assert registration.code in outbox.messages(registration.submitter_phone)[-1]["text"]

    response = post(
        client, f"{R}/{registration.pk}/reject", {"version": 1, "reason": "x"}, verifier
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "stale")
    assert "community.phunhuan" in response.json()["error"]["message"]
    response = post(
        client, f"{R}/{registration.pk}/reject", {"version": 2, "reason": "x"}, verifier
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "already_handled")
    assert state(registration).state == RegistrationState.APPROVED


def test_a_rejection_needs_a_reason_and_the_version(client, verifier, places, outbox):
    registration = make_registration(places.commune)
    url = f"{R}/{registration.pk}/reject"
    response = post(client, url, {"version": 1}, verifier)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "reason": [site_language("Give the reason for the rejection.")]
    }
    response = post(client, url, {"reason": "Thiếu giấy"}, verifier)
    assert list(response.json()["error"]["fields"]) == ["version"]
    response = post(client, url, {"version": 1, "reason": "Thiếu giấy"}, verifier)
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["decision_note"]) == (
        "rejected",
        "Thiếu giấy",
    )


def test_a_leader_decides_and_accounts_the_page_refuses_are_refused(client, token_for, places):
    registration = make_registration(places.commune)
    far = make_registration(places.far)
    _user, leader = token_for("leader.phunhuan", places.commune, [Task.LEADER])
    detail = get(client, f"{R}/{registration.pk}", leader).json()
    assert detail["id_number"] == registration.masked_id_number  # leaders read numbers
    for task in (Task.CDC, Task.CHECKPOINT, Task.FACILITY, Task.ESTABLISHMENT, Task.SCHOOL):
        _user, token = token_for(f"{task}.phunhuan", places.commune, [task])
        assert get(client, f"{R}/queue", token).status_code == 403, task
        response = post(client, f"{R}/{registration.pk}/approve", {"version": 1}, token)
        assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
    response = post(client, f"{R}/{far.pk}/approve", {"version": 1}, leader)
    assert response.status_code == 404
    response = post(client, f"{R}/{registration.pk}/approve", {"version": 1}, leader)
    assert response.status_code == 200, response.content
    assert state(registration).decided_by.username == "leader.phunhuan"
    assert state(far).state == RegistrationState.PENDING


def test_the_openapi_document_describes_every_operation(client):
    doc = client.get("/api/v1/openapi.json").json()
    operations = {
        (method.upper(), path): op
        for path, item in doc["paths"].items()
        if path.startswith(R)
        for method, op in item.items()
    }
    assert set(operations) == {
        ("POST", R),
        ("GET", f"{R}/mine"),
        ("GET", f"{R}/mine/{{registration_code}}"),
        ("GET", f"{R}/mine/{{registration_code}}/declaration"),
        ("POST", f"{R}/mine/{{registration_code}}/declaration"),
        ("GET", f"{R}/queue"),
        ("GET", f"{R}/{{registration_id}}"),
        ("POST", f"{R}/{{registration_id}}/approve"),
        ("POST", f"{R}/{{registration_id}}/reject"),
    }
    for key, op in operations.items():
        assert op["summary"] and op["description"], key
        ok = str(min(int(code) for code in op["responses"] if code.startswith("2")))
        assert op["responses"][ok]["content"]["application/json"]["example"] is not None, key
        if key[0] == "POST":
            assert op["requestBody"]["content"]["application/json"]["example"], key
    assert ("POST", "/api/v1/verification/{declaration_id}/approval") not in {
        (m.upper(), p) for p, item in doc["paths"].items() for m in item
    }
