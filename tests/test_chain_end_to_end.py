"""One arrival through the whole chain, over HTTP only (web pages and the API,
no service call): declaration → checkpoint scan → commune verification → CDC
decision "concentrated quarantine" → "to take in" → intake on a free bed →
positive test → "positive, no case opened", with the dashboard, statistics
and exports following by exactly one; then the citizen amends and nothing
staff decided changes, while the amendment is visible to staff.
"""

import datetime
import io
import re

import openpyxl
import pytest
from django.utils import timezone

from vigil.accounts.models import ApiToken, Task
from vigil.declarations import questions
from vigil.declarations.sms import FileBackend
from vigil.quarantine.models import Bed, Facility

TODAY = timezone.localdate()
PHONE = "0905777888"
ANSWER_KEYS = [key for key, _label in questions.EXPOSURES + questions.SYMPTOMS]


@pytest.fixture
def outbox(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms-outbox.jsonl")
    return FileBackend()


@pytest.fixture
def staff(make_user, places):
    """Everyone the chain passes through, each in their own place."""
    facility = Facility.objects.create(
        kind="concentrated", name="KCL Thuận An", area=places.commune
    )
    return {
        "checkpoint": make_user("checkpoint.tinh", places.province, tasks=[Task.CHECKPOINT]),
        "commune": make_user("community.pn", places.commune, tasks=[Task.COMMUNITY]),
        "cdc": make_user("cdc.hue", places.district, tasks=[Task.CDC]),
        "leader": make_user("leader.tinh", places.province, tasks=[Task.LEADER]),
        "admin": make_user("admin.tinh", places.province, tasks=[Task.ADMIN]),
        "facility": make_user("kcl.ta", places.commune, tasks=[Task.FACILITY], facility=facility),
        "kcl": facility,
    }


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user, 'e2e')[1]}"}


def api(client, method, url, user=None, body=None, token=None):
    headers = bearer(user) if user is not None else {}
    if token:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    call = getattr(client, method)
    if body is None:
        return call(url, **headers)
    return call(url, body, content_type="application/json", **headers)


def declaration_body(places, **changes):
    body = {
        "full_name": "Lê Văn Chuỗi",
        "id_kind": "cccd",
        "id_number": "046095012345",
        "birth_year": 1988,
        "gender": "male",
        "registration_kind": "return_home",
        "departure_country": "VN",
        "departure_unit_code": "00001",
        "area_code": places.commune.code,
        "address": "5 Chi Lăng",
        "transport": "plane",
        "transport_number": "VN1545",
        "arrival_date": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "answers": {key: key in ("sym_fever", "sym_cough") for key in questions.KEYS},
    }
    body.update(changes)
    return body


def dashboard(client, user):
    client.force_login(user)
    board = client.get("/reports/dashboard/").context
    counts = {url: n for _label, url, n in board["worklists"]}
    return board["board"].quarantine["staying"].value, counts


def concentrated_in_statistics(client, user):
    client.force_login(user)
    response = client.get("/reports/stats/people/", {"surveillance": "concentrated"})
    assert response.status_code == 200
    return response.context["total"]


def exported_names(client, user, list_key):
    client.force_login(user)
    response = client.get("/reports/export/", {"list": list_key})
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return {cell for row in sheet.iter_rows(values_only=True) for cell in row if cell}


@pytest.mark.django_db
def test_one_arrival_through_the_whole_chain(client, places, staff, outbox):
    kcl = staff["kcl"]
    client.force_login(staff["admin"])
    response = client.post(
        f"/quarantine/facilities/{kcl.pk}/rooms/",
        {"building": "A", "floor_from": 1, "floor_to": 1, "room_from": 1, "room_to": 2,
         "beds_per_room": 2},
    )  # fmt: skip
    beds = list(Bed.objects.filter(room__building__facility=kcl))
    if not beds:  # the rooms page names its fields otherwise: add the beds through the API
        pytest.fail(f"no beds were created: {response.status_code}")
    client.logout()
    staying_before, counts_before = dashboard(client, staff["leader"])
    in_stats_before = concentrated_in_statistics(client, staff["leader"])
    client.logout()

    # 1. The citizen declares with symptoms from the phone (API).
    sent = client.post("/api/v1/declarations/otp/request", {"phone": PHONE}, "application/json")
    assert sent.status_code == 202, sent.content
    code = re.search(r"\b(\d{6})\b", outbox.messages(PHONE)[-1]["text"]).group(1)
    token = client.post(
        "/api/v1/declarations/otp/verify", {"phone": PHONE, "code": code}, "application/json"
    ).json()["token"]
    created = api(
        client, "post", "/api/v1/declarations", body=declaration_body(places), token=token
    )
    assert created.status_code == 201, created.content
    code, payload = created.json()["code"], created.json()["qr_payload"]

    # 2. Its QR is scanned at a checkpoint.
    client.force_login(staff["checkpoint"])
    scanned = client.get("/declarations/scan/", {"payload": payload}, follow=True)
    assert scanned.status_code == 200 and "Lê Văn Chuỗi" in scanned.content.decode()
    client.logout()

    # 3. The commune verifies: returned home.
    queue = api(client, "get", "/api/v1/verification/queue", staff["commune"]).json()
    item = next(i for i in queue["items"] if i["code"] == code)
    colour = item["risk_colour"]
    assert colour in ("orange", "red")
    declaration_id = item["id"]
    done = api(
        client, "post", f"/api/v1/verification/{declaration_id}/returned", staff["commune"],
        {"version": item["version"], "surveillance": "home_monitoring", "start": str(TODAY)},
    )  # fmt: skip
    assert done.status_code == 200, done.content

    # 4. CDC decides concentrated quarantine.
    medical = api(client, "get", "/api/v1/triage/queue", staff["cdc"]).json()
    item = next(i for i in medical["items"] if i["id"] == declaration_id)
    decided = api(
        client, "post", f"/api/v1/triage/{declaration_id}/medical", staff["cdc"],
        {"version": item["version"], "symptoms_confirmed": True, "surveillance": "concentrated",
         "start": str(TODAY), "end": str(TODAY + datetime.timedelta(days=14))},
    )  # fmt: skip
    assert decided.status_code == 200, decided.content

    # 5. It is on the facility's "to take in" list, counted on the dashboard.
    client.force_login(staff["facility"])
    waiting = client.get("/quarantine/to-take-in/")
    assert [d.pk for d in waiting.context["page"]] == [declaration_id]
    _staying, counts = dashboard(client, staff["facility"])
    assert counts["/quarantine/to-take-in/"] == 1

    # 6. Intake on a free bed, from the list (the answers asked again, explicitly).
    form = client.get("/quarantine/intake/", {"declaration": declaration_id})
    assert form.status_code == 200
    person_id = form.context["person"].pk
    correction = form.context["person_form"]
    kept = {
        correction.add_prefix(name): correction[name].value() or "" for name in correction.fields
    }
    answers = {key: "1" if key in ("sym_fever", "sym_cough") else "0" for key in ANSWER_KEYS}
    taken = client.post(
        "/quarantine/intake/",
        {"declaration": declaration_id, "facility": kcl.pk, "bed": beds[0].pk,
         "start_date": TODAY.strftime("%d/%m/%Y"), **answers, **kept},
    )  # fmt: skip
    assert taken.status_code == 302, taken.context and (
        taken.context["form"].errors,
        taken.context["person_form"].errors,
    )
    assert client.get("/quarantine/to-take-in/").context["total"] == 0

    # 7. A positive test result, entered on the person's page.
    client.force_login(staff["cdc"])
    from tests.testing.test_views import rows_data

    entered = client.post(f"/tests/person/{person_id}/", rows_data({"result": "positive"}))
    assert entered.status_code == 302

    # 8. "Positive, no case opened" for CDC.
    positive = client.get("/tests/positive/")
    assert [p.pk for p in positive.context["page"]] == [person_id]

    # 9. The dashboard and the statistics moved by exactly one.
    staying_after, counts_after = dashboard(client, staff["leader"])
    assert staying_after == staying_before + 1
    assert concentrated_in_statistics(client, staff["leader"]) == in_stats_before + 1
    _s, cdc_counts = dashboard(client, staff["cdc"])
    assert cdc_counts["/tests/positive/"] == 1
    assert counts_before.get("/verification/", 0) == counts_after.get("/verification/", 0)

    # 10. The person's row is in the exports.
    assert "Lê Văn Chuỗi" in exported_names(client, staff["leader"], "declarations")
    assert "Lê Văn Chuỗi" in exported_names(client, staff["cdc"], "tests_positive")
    client.logout()

    # 11. The citizen amends: every answer "no", another name.
    mine = api(client, "get", f"/api/v1/declarations/mine/{code}", token=token).json()
    amended = api(
        client, "put", f"/api/v1/declarations/mine/{code}",
        body=declaration_body(
            places, full_name="Tên Khác", version=mine["version"],
            answers=dict.fromkeys(questions.KEYS, False),
        ),
        token=token,
    )  # fmt: skip
    assert amended.status_code == 200, amended.content
    state = api(client, "get", f"/api/v1/declarations/{declaration_id}", staff["cdc"]).json()
    assert state["full_name"] == "Lê Văn Chuỗi"
    history = api(
        client, "get", f"/api/v1/verification/{declaration_id}/history", staff["commune"]
    ).json()
    actions = [event["action"] for event in history]
    assert actions[:5] == [
        "verify_returned", "medical_verify", "quarantine_intake", "citizen_amend",
        "correction_requested",
    ]  # fmt: skip
    # Nothing staff decided changed.
    client.force_login(staff["commune"])
    page = client.get(f"/declarations/{declaration_id}/")
    declaration = page.context["declaration"]
    assert (declaration.verification_state, declaration.medical_state) == ("returned", "verified")
    assert declaration.surveillance == "concentrated"
    assert declaration.risk_colour == colour and declaration.proposed_colour == "green"
    assert 'id="amended-after-decision"' in page.content.decode()
    assert [d.pk for d in client.get("/verification/amended/").context["page"]] == [declaration_id]
    staying_last, _counts = dashboard(client, staff["leader"])
    assert staying_last == staying_after
