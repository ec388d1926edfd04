"""The declarations API (R-N5): citizens through SMS codes, staff through tokens."""

import datetime
import io
import re

import pytest
import zxingcpp
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image

from vigil.accounts.models import ApiToken, Task
from vigil.api.citizen_auth import issue_token
from vigil.audit.models import AuditEvent
from vigil.declarations import questions, services
from vigil.declarations.models import Declaration
from vigil.declarations.sms import FileBackend

BASE = "/api/v1/declarations"
PHONE = "0905123456"
RELATIVE_PHONE = "0914000111"


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(client, url, body, token=None, **headers):
    auth = bearer(token) if token else {}
    return client.post(url, body, content_type="application/json", **auth, **headers)


def put(client, url, body, token):
    return client.put(url, body, content_type="application/json", **bearer(token))


@pytest.fixture(autouse=True)
def sms_outbox(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms.jsonl")


def sms_code(phone):
    text = FileBackend().messages(phone)[-1]["text"]
    return re.search(r"\b(\d{6})\b", text).group(1)


def sign_in(client, phone=PHONE):
    """A citizen token through the real OTP endpoints, reading the SMS outbox."""
    response = post(client, f"{BASE}/otp/request", {"phone": phone})
    assert response.status_code == 202, response.content
    response = post(client, f"{BASE}/otp/verify", {"phone": phone, "code": sms_code(phone)})
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def citizen(client, db):
    return sign_in(client)


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
        "arrival_date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "answers": {key: key == "sym_cough" for key in questions.KEYS},
    }
    data.update(changes)
    return data


def staff_body(places, **changes):
    """Staff type the person's phone: there is no verified phone to default to."""
    return body(places, **{"phone": "0935000222", **changes})


@pytest.fixture
def health_station(make_user, places):
    user = make_user("hs.phunhuan", places.commune, tasks=[Task.HEALTH_STATION])
    return ApiToken.issue(user, "tablet")[1]


@pytest.fixture
def far_staff(make_user, places):
    user = make_user("hs.far", places.far, tasks=[Task.HEALTH_STATION])
    return ApiToken.issue(user, "tablet")[1]


# Signing in ---------------------------------------------------------------


def test_a_citizen_signs_in_with_the_code_sent_by_sms(client, db, settings):
    response = post(client, f"{BASE}/otp/request", {"phone": "+84 905 123 456"})
    assert response.status_code == 202
    assert response.json() == {"phone": PHONE, "expires_in": settings.VIGIL_OTP_TTL_SECONDS}
    response = post(
        client, f"{BASE}/otp/verify", {"phone": "0905 123 456", "code": sms_code(PHONE)}
    )
    assert response.status_code == 200
    token = response.json()
    assert token["expires_in"] == settings.VIGIL_CITIZEN_SESSION_MINUTES * 60
    assert client.get(f"{BASE}/mine", **bearer(token["token"])).json() == []


def test_a_bad_phone_is_422_and_too_many_codes_are_429(client, db, settings):
    response = post(client, f"{BASE}/otp/request", {"phone": "12345"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert "phone" in response.json()["error"]["fields"]
    assert FileBackend().messages() == []

    settings.VIGIL_OTP_PER_PHONE_PER_HOUR = 2
    for _ in range(2):
        assert post(client, f"{BASE}/otp/request", {"phone": PHONE}).status_code == 202
    response = post(client, f"{BASE}/otp/request", {"phone": PHONE})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_phone"
    assert len(FileBackend().messages(PHONE)) == 2


def test_a_wrong_code_gives_no_token(client, db):
    post(client, f"{BASE}/otp/request", {"phone": PHONE})
    wrong = f"{(int(sms_code(PHONE)) + 1) % 10**6:06d}"
    response = post(client, f"{BASE}/otp/verify", {"phone": PHONE, "code": wrong})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "wrong"
    assert "token" not in response.json()


def test_an_expired_or_altered_citizen_token_is_refused(client, db, settings):
    token = issue_token(PHONE)
    assert client.get(f"{BASE}/mine", **bearer(token)).status_code == 200
    assert client.get(f"{BASE}/mine", **bearer(token[:-1] + "x")).status_code == 401
    assert (
        client.get(f"{BASE}/mine", **bearer(token.replace(PHONE, "0905123457"))).status_code == 401
    )
    settings.VIGIL_CITIZEN_SESSION_MINUTES = 0
    response = client.get(f"{BASE}/mine", **bearer(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


# Declaring ----------------------------------------------------------------


def test_a_citizen_declares_for_themselves(client, citizen, places):
    response = post(client, BASE, body(places), citizen)
    assert response.status_code == 201, response.content
    out = response.json()
    declaration = Declaration.objects.get(code=out["code"])
    assert declaration.channel == "app"
    assert declaration.submitter_phone == PHONE
    assert not declaration.is_proxy
    assert declaration.person.phone == PHONE  # defaults to the verified phone
    assert declaration.area == places.commune
    assert declaration.departure_unit.code == "00001"
    assert declaration.sym_cough and not declaration.sym_fever
    assert services.code_from_payload(out["qr_payload"]) == declaration.code
    assert out["area_code"] == places.commune.code
    assert out["id_number"] == "046190001234"
    assert out["answers"]["sym_cough"] is True
    assert out["qr_png_url"] == f"{BASE}/mine/{declaration.code}/qr.png"
    assert AuditEvent.objects.filter(object_id=str(declaration.pk), action="create").exists()


def test_a_citizen_declares_on_behalf_of_a_relative(client, citizen, places):
    child = body(
        places,
        full_name="Trần Minh Khôi",
        id_kind="birth_cert",
        id_number="123/2015",
        birth_year=2015,
        gender="male",
        phone=RELATIVE_PHONE,
        is_proxy=True,
        proxy_relation="Mẹ",
    )
    without_relation = post(client, BASE, {**child, "proxy_relation": " "}, citizen)
    assert list(without_relation.json()["error"]["fields"]) == ["proxy_relation"]
    response = post(client, BASE, child, citizen)
    assert response.status_code == 201, response.content
    declaration = Declaration.objects.get(code=response.json()["code"])
    assert declaration.is_proxy and declaration.proxy_relation == "Mẹ"
    assert declaration.submitter_phone == PHONE  # the declarer's identity is kept
    assert declaration.person.phone == RELATIVE_PHONE
    post(client, BASE, body(places), citizen)
    mine = client.get(f"{BASE}/mine", **bearer(citizen)).json()
    assert {d["full_name"] for d in mine} == {"Trần Minh Khôi", "Trần Thị Hoa"}
    assert [d["is_proxy"] for d in mine] == [False, True]  # newest first


def test_invalid_fields_answer_422_with_the_web_forms_messages(client, citizen, places):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    answers = {key: False for key in questions.KEYS if key != "sym_fever"}
    response = post(
        client,
        BASE,
        body(places, id_number="04619000123", arrival_date=tomorrow, answers=answers),
        citizen,
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]
    # The web form's own messages, in the site's language (Vietnamese by default).
    with translation.override(settings.LANGUAGE_CODE):
        assert error["fields"] == {
            "id_number": [gettext("A CCCD number has exactly 12 digits.")],
            "arrival_date": [gettext("The arrival date cannot be in the future.")],
            "answers.sym_fever": [gettext("Answer yes or no.")],
        }
    assert not Declaration.objects.exists()


def test_codes_that_name_nothing_and_bad_dates_are_field_errors(client, citizen, places):
    response = post(
        client,
        BASE,
        body(
            places,
            area_code="99999",
            departure_unit_code="nope",
            arrival_date="20/08/2021",
            transport_number="",
        ),
        citizen,
    )
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"area_code", "departure_unit_code", "arrival_date", "transport_number"}
    # A commune of the country outside the province is refused like on the web.
    hanoi = body(places, area_code="00001")
    fields = post(client, BASE, hanoi, citizen).json()["error"]["fields"]
    assert list(fields) == ["area_code"]


def test_the_same_idempotency_key_gives_one_declaration(client, citizen, places):
    key = {"HTTP_IDEMPOTENCY_KEY": "5f0c7f1e-2a4b-4c55-9e0e-8f1f9d4f2b7a"}
    first = post(client, BASE, body(places), citizen, **key)
    again = post(client, BASE, body(places), citizen, **key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Declaration.objects.count() == 1
    # Another phone sending the same key gets its own declaration, never the first.
    other = sign_in(client, "0987000111")
    third = post(client, BASE, body(places, full_name="Lê Văn Tâm", id_number=""), other, **key)
    assert third.status_code == 422  # CCCD number missing
    third = post(client, BASE, body(places, full_name="Lê Văn Tâm", id_kind="other"), other, **key)
    assert third.status_code == 201
    assert third.json()["code"] != first.json()["code"]
    assert Declaration.objects.count() == 2


def test_a_citizen_reads_and_corrects_a_declaration_and_a_stale_version_is_409(
    client, citizen, places
):
    code = post(client, BASE, body(places), citizen).json()["code"]
    url = f"{BASE}/mine/{code}"
    read = client.get(url, **bearer(citizen)).json()
    assert read["version"] == 1 and read["address"] == "12 Nguyễn Huệ"

    response = put(client, url, body(places, address="14 Nguyễn Huệ", version=1), citizen)
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response.json()["address"] == "14 Nguyễn Huệ"

    response = put(client, url, body(places, address="99 Lê Lợi", version=1), citizen)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale"
    assert Declaration.objects.get(code=code).address == "14 Nguyễn Huệ"

    response = put(client, url, {}, citizen)
    assert response.status_code == 422
    assert "version" in response.json()["error"]["fields"]

    response = put(client, url, body(places, arrival_date="2099-01-01", version=2), citizen)
    assert response.status_code == 422
    assert Declaration.objects.get(code=code).version == 2


def test_another_phone_cannot_reach_a_citizens_declaration(client, citizen, places):
    code = post(client, BASE, body(places), citizen).json()["code"]
    before = Declaration.objects.get(code=code)
    other = sign_in(client, "0987000111")
    for url in (f"{BASE}/mine/{code}", f"{BASE}/mine/{code}/qr.png", f"{BASE}/mine/{code}/qr.svg"):
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(client, method)(
                url, body(places, version=1), content_type="application/json", **bearer(other)
            )
            assert response.status_code in (404, 405), (method, url, response.status_code)
    assert client.get(f"{BASE}/mine", **bearer(other)).json() == []
    after = Declaration.objects.get(code=code)
    assert (after.version, after.updated_at) == (before.version, before.updated_at)


def test_the_qr_png_decodes_to_the_signed_payload(client, citizen, places):
    out = post(client, BASE, body(places), citizen).json()
    response = client.get(out["qr_png_url"], **bearer(citizen))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [r.text for r in results] == [out["qr_payload"]]
    svg = client.get(out["qr_svg_url"], **bearer(citizen))
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<svg")


# Staff --------------------------------------------------------------------


def test_staff_scan_a_valid_qr_in_their_jurisdiction(client, citizen, places, health_station):
    out = post(client, BASE, body(places), citizen).json()
    response = post(client, f"{BASE}/scan", {"payload": out["qr_payload"]}, health_station)
    assert response.status_code == 200
    scanned = response.json()
    assert scanned["code"] == out["code"]
    assert scanned["id_number"] == "046190001234"
    event = AuditEvent.objects.get(action="view", object_id=str(scanned["id"]))
    assert event.detail["scan"] == "ok"


def test_a_forged_or_garbage_qr_is_422_invalid_code(client, citizen, places, health_station):
    payload = post(client, BASE, body(places), citizen).json()["qr_payload"]
    prefix, code, signature = payload.split(":")
    other_code = "23456789" if code != "23456789" else "34567892"
    for text in (f"{prefix}:{other_code}:{signature}", payload[:-2], "hello", ""):
        response = post(client, f"{BASE}/scan", {"payload": text}, health_station)
        assert response.status_code == 422, text
        assert response.json()["error"]["code"] == "invalid_code"


def test_a_valid_qr_outside_the_jurisdiction_is_404_like_an_unknown_one(
    client, citizen, places, far_staff
):
    out = post(client, BASE, body(places), citizen).json()
    outside = post(client, f"{BASE}/scan", {"payload": out["qr_payload"]}, far_staff)
    unknown = post(
        client,
        f"{BASE}/scan",
        {"payload": services.qr_payload(Declaration(code="ZZZZZZZZ"))},
        far_staff,
    )
    assert outside.status_code == unknown.status_code == 404
    assert outside.json() == unknown.json()
    assert "Trần" not in outside.content.decode()


def test_staff_enter_a_paper_declaration_in_their_jurisdiction(client, places, health_station):
    paper = staff_body(
        places,
        channel="paper",
        paper_form_number="PN-0042",
        paper_form_date="2021-08-21",
        paper_reason="elderly_child",
    )
    key = {"HTTP_IDEMPOTENCY_KEY": "paper-0042"}
    response = post(client, f"{BASE}/staff", paper, health_station, **key)
    assert response.status_code == 201, response.content
    out = response.json()
    declaration = Declaration.objects.get(pk=out["id"])
    assert declaration.channel == "paper"
    assert declaration.paper_form_number == "PN-0042"
    assert declaration.paper_form_date == datetime.date(2021, 8, 21)
    assert declaration.created_by.username == "hs.phunhuan"
    assert declaration.submitter_phone == ""
    assert declaration.person.phone == "0935000222"
    again = post(client, f"{BASE}/staff", paper, health_station, **key)
    assert again.status_code == 200 and again.json()["id"] == out["id"]


def test_staff_entry_checks_the_channel_fields(client, places, health_station):
    for changes, field in (
        ({"channel": "paper"}, "paper_form_number"),
        ({"channel": "checkpoint"}, "checkpoint"),
        ({"channel": "app"}, "channel"),
        ({}, "channel"),
    ):
        response = post(client, f"{BASE}/staff", staff_body(places, **changes), health_station)
        assert response.status_code == 422
        assert field in response.json()["error"]["fields"], changes
    assert not Declaration.objects.exists()


def test_staff_cannot_enter_a_declaration_outside_their_jurisdiction(
    client, places, health_station
):
    walk_in = staff_body(places, area_code=places.neighbour.code, channel="walk_in")
    response = post(client, f"{BASE}/staff", walk_in, health_station)
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["area_code"]
    assert not Declaration.objects.exists()


def test_staff_without_an_entry_task_cannot_enter_declarations(client, places, make_user):
    leader = make_user("leader.phunhuan", places.commune, tasks=[Task.LEADER])
    secret = ApiToken.issue(leader, "tablet")[1]
    response = post(client, f"{BASE}/staff", staff_body(places, channel="walk_in"), secret)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_staff_entry_refuses_a_recent_duplicate_with_409_unless_confirmed(
    client, citizen, places, health_station
):
    online = post(client, BASE, body(places), citizen).json()
    walk_in = staff_body(places, channel="walk_in")  # the same ID number and name
    response = post(client, f"{BASE}/staff", walk_in, health_station)
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "duplicate"
    assert online["code"] in error["message"]
    assert [d["code"] for d in error["existing"]] == [online["code"]]
    assert error["existing"][0]["channel"] == "app"
    assert error["existing"][0]["area_code"] == places.commune.code
    assert "confirm_duplicate" in error["fields"]
    assert Declaration.objects.count() == 1

    key = {"HTTP_IDEMPOTENCY_KEY": "walk-in-0001"}
    confirmed = {**walk_in, "confirm_duplicate": True}
    response = post(client, f"{BASE}/staff", confirmed, health_station, **key)
    assert response.status_code == 201, response.content
    assert Declaration.objects.count() == 2
    second = Declaration.objects.get(pk=response.json()["id"])
    assert second.person.declarations.count() == 2
    # A retry of the confirmed request (same key, flag lost) is the same declaration.
    again = post(client, f"{BASE}/staff", walk_in, health_station, **key)
    assert again.status_code == 200 and again.json()["id"] == second.pk


def test_staff_entry_ignores_declarations_older_than_the_recent_days(
    client, citizen, places, health_station
):
    online = post(client, BASE, body(places), citizen).json()
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Declaration.objects.filter(code=online["code"]).update(
        created_at=long_ago, arrival_date=long_ago.date()
    )
    response = post(client, f"{BASE}/staff", staff_body(places, channel="walk_in"), health_station)
    assert response.status_code == 201, response.content


def test_staff_read_one_declaration_in_scope_and_the_view_is_logged(
    client, citizen, places, health_station, far_staff
):
    code = post(client, BASE, body(places), citizen).json()["code"]
    declaration = Declaration.objects.get(code=code)
    response = client.get(f"{BASE}/{declaration.pk}", **bearer(health_station))
    assert response.status_code == 200
    assert response.json()["submitter_phone"] == PHONE
    assert AuditEvent.objects.filter(action="view", object_id=str(declaration.pk)).count() == 1
    assert client.get(f"{BASE}/{declaration.pk}", **bearer(far_staff)).status_code == 404


# Which token for which door -----------------------------------------------


def test_a_citizen_token_is_refused_on_staff_routes(client, citizen, places):
    code = post(client, BASE, body(places), citizen).json()["code"]
    declaration = Declaration.objects.get(code=code)
    payload = services.qr_payload(declaration)
    for response in (
        post(client, f"{BASE}/scan", {"payload": payload}, citizen),
        post(client, f"{BASE}/staff", body(places, channel="walk_in"), citizen),
        client.get(f"{BASE}/{declaration.pk}", **bearer(citizen)),
        client.get("/api/v1/me", **bearer(citizen)),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"


def test_a_staff_token_or_session_is_refused_on_citizen_routes(
    client, citizen, places, make_user, health_station
):
    code = post(client, BASE, body(places), citizen).json()["code"]
    staff = make_user("cdc.phunhuan", places.commune, tasks=[Task.CDC])
    client.force_login(staff)
    for token in (health_station, None):
        auth = bearer(token) if token else {}
        for response in (
            client.get(f"{BASE}/mine", **auth),
            client.get(f"{BASE}/mine/{code}", **auth),
            client.get(f"{BASE}/mine/{code}/qr.png", **auth),
            post(client, BASE, body(places), token),
        ):
            assert response.status_code == 401
    assert Declaration.objects.count() == 1


# The document -------------------------------------------------------------


def test_the_openapi_document_describes_every_declarations_operation(client):
    doc = client.get("/api/v1/openapi.json").json()
    operations = {
        (method.upper(), path): op
        for path, item in doc["paths"].items()
        if path.startswith(BASE)
        for method, op in item.items()
    }
    assert set(operations) == {
        ("POST", f"{BASE}/otp/request"),
        ("POST", f"{BASE}/otp/verify"),
        ("POST", BASE),
        ("GET", f"{BASE}/mine"),
        ("GET", f"{BASE}/mine/{{code}}"),
        ("PUT", f"{BASE}/mine/{{code}}"),
        ("GET", f"{BASE}/mine/{{code}}/qr.png"),
        ("GET", f"{BASE}/mine/{{code}}/qr.svg"),
        ("POST", f"{BASE}/scan"),
        ("POST", f"{BASE}/staff"),
        ("GET", f"{BASE}/{{declaration_id}}"),
        ("POST", f"{BASE}/paper-import"),
        ("GET", f"{BASE}/paper-import/{{job_id}}"),
        ("POST", f"{BASE}/external/read"),
        ("POST", f"{BASE}/external"),
    }
    for key, op in operations.items():
        assert op["summary"] and op["description"], key
        if "requestBody" in op:
            content = op["requestBody"]["content"]
            # An upload is described by its form, not by a JSON example.
            assert "multipart/form-data" in content or content["application/json"]["example"], key
        else:
            examples = [p.get("example") for p in op["parameters"] if p["in"] == "path"]
            response = op["responses"]["200"]["content"]
            assert all(examples) and (
                "example" in response.get("application/json", {})
                or "application/json" not in response
            ), key
    png = operations[("GET", f"{BASE}/mine/{{code}}/qr.png")]["responses"]["200"]["content"]
    svg = operations[("GET", f"{BASE}/mine/{{code}}/qr.svg")]["responses"]["200"]["content"]
    assert list(png) == ["image/png"] and list(svg) == ["image/svg+xml"]
    assert operations[("POST", BASE)]["security"] == [{"CitizenAuth": []}]
    assert operations[("GET", f"{BASE}/mine")]["security"] == [{"CitizenAuth": []}]
    assert "security" not in operations[("POST", f"{BASE}/otp/request")]
    assert {"TokenAuth": []} in operations[("POST", f"{BASE}/scan")]["security"]
    assert "CitizenAuth" in doc["components"]["securitySchemes"]
