"""Citizens' amendments through the guarded path (issue: one unbroken record).

Before staff decide, a citizen may change anything and the colour follows.
After, identity stays as verified (a correction request goes to the commune),
a higher colour applies at once, a lower one waits for CDC, the declaration is
marked in the queues and every amendment is in the history, before → after.
"""

import datetime
import html

import pytest

from vigil.accounts.models import Task
from vigil.audit.services import stale_message
from vigil.declarations import questions
from vigil.declarations.models import (
    Declaration,
    MedicalState,
    Surveillance,
    VerificationState,
)
from vigil.declarations.transitions import review_amendment
from vigil.triage import services as triage
from vigil.verification import services as verification

from .helpers import form_data
from .test_public_flow import declare, page, value_of, verify

TODAY = datetime.date.today()


@pytest.fixture
def outbox(settings, tmp_path):
    from vigil.declarations.sms import FileBackend

    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms-outbox.jsonl")
    return FileBackend()


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


@pytest.fixture
def verifier(make_user, places):
    return make_user("community.phunhuan", places.commune, tasks=[Task.COMMUNITY])


def decide(declaration, cdc, verifier):
    """Verified at home, then CDC: concentrated quarantine."""
    declaration = verification.verify_returned(
        declaration,
        actor=verifier,
        version=declaration.version,
        surveillance=Surveillance.HOME_MONITORING,
        start=TODAY,
    )
    return triage.medical_verify(
        declaration,
        actor=cdc,
        version=declaration.version,
        symptoms_confirmed=True,
        surveillance=Surveillance.CONCENTRATED,
        start=TODAY,
        end=TODAY + datetime.timedelta(days=14),
    )


def edit(client, declaration, **changes):
    html = page(client.get(f"/khai-bao/d/{declaration.code}/edit/"))
    data = form_data(declaration.area, version=value_of(html, "version"), **changes)
    return client.post(f"/khai-bao/d/{declaration.code}/edit/", data)


def test_before_any_decision_the_citizen_changes_anything_and_the_colour_follows(
    client, places, outbox
):
    verify(client, outbox)
    declaration = declare(client, places, sym_fever="1", sym_cough="1")
    assert declaration.risk_colour in ("orange", "red")
    response = edit(client, declaration, full_name="Nguyễn Văn Đạt")
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.risk_colour == "green"
    assert declaration.medical_state == MedicalState.NOT_FLAGGED
    assert declaration.person.full_name == "Nguyễn Văn Đạt"
    assert not declaration.amended_after_decision
    event = declaration.events.get(action="citizen_amend")
    assert event.data["changes"]["sym_fever"] == [True, False]
    assert event.data["changes"]["full_name"] == ["Nguyễn Văn Đức", "Nguyễn Văn Đạt"]


def test_after_staff_decided_a_citizen_cannot_silently_rewrite_the_record(
    client, places, outbox, cdc, verifier, login
):
    verify(client, outbox)
    declaration = declare(client, places, sym_fever="1", sym_cough="1", exp_from_epidemic_area="1")
    colour = declaration.risk_colour
    assert colour in ("orange", "red")
    declaration = decide(declaration, cdc, verifier)

    # Every exposure and symptom answered "no", another name and ID number typed
    # over the locked fields, and a request to correct the name.
    html = page(client.get(f"/khai-bao/d/{declaration.code}/edit/"))
    assert "correction_note" in html
    response = edit(
        client,
        declaration,
        full_name="Trần Thị Khác",
        id_number="046090009999",
        correction_note="Tên đúng là Trần Thị Khác",
    )
    assert response.status_code == 302
    declaration.refresh_from_db()
    # Nothing staff decided changed; the colour is not lowered by the citizen.
    assert declaration.risk_colour == colour
    assert declaration.proposed_colour == "green"
    assert declaration.verification_state == VerificationState.RETURNED
    assert declaration.medical_state == MedicalState.VERIFIED
    assert declaration.surveillance == Surveillance.CONCENTRATED
    assert declaration.person.full_name == "Nguyễn Văn Đức"
    assert declaration.person.id_number == "046090001234"
    # The answers did change, and the history says so, before → after.
    assert declaration.sym_fever is False
    assert declaration.amended_after_decision
    amendment = declaration.events.get(action="citizen_amend")
    assert amendment.data["changes"]["sym_fever"] == [True, False]
    assert amendment.data["proposed_colour"] == "green"
    request = declaration.events.get(action="correction_requested")
    assert request.note == "Tên đúng là Trần Thị Khác"

    # The commune's queue of amendments and CDC's queue both show it, marked.
    staff = login(cdc)
    html = page(staff.get("/triage/"))
    assert f'id="declaration-{declaration.pk}"' in html
    assert "amended-mark" in html
    staff.force_login(verifier)
    html = page(staff.get("/verification/amended/"))
    assert f'id="declaration-{declaration.pk}"' in html
    detail = page(staff.get(f"/declarations/{declaration.pk}/"))
    assert 'id="amended-after-decision"' in detail
    assert "event-changes" in detail


def test_a_higher_colour_applies_at_once_after_a_decision(client, places, outbox, cdc, verifier):
    verify(client, outbox)
    declaration = declare(client, places, sym_cough="1")
    before = declaration.risk_level
    declaration = decide(declaration, cdc, verifier)
    edit(client, declaration, sym_cough="1", sym_fever="1", exp_case_contact="1")
    declaration.refresh_from_db()
    assert declaration.risk_level > before
    assert declaration.risk_colour == "red"
    assert declaration.proposed_colour == ""
    assert declaration.amended_after_decision


def test_cdc_decides_the_proposed_colour_and_others_may_not(
    client, places, outbox, cdc, verifier, login
):
    verify(client, outbox)
    declaration = declare(client, places, sym_fever="1", sym_cough="1")
    colour = declaration.risk_colour
    declaration = decide(declaration, cdc, verifier)
    edit(client, declaration)
    declaration.refresh_from_db()
    assert declaration.proposed_colour == "green"

    staff = login(verifier)
    response = staff.post(
        f"/declarations/{declaration.pk}/review/",
        {"version": declaration.version, "proposal": "accept"},
    )
    assert response.status_code == 403
    declaration.refresh_from_db()
    assert declaration.risk_colour == colour

    staff.force_login(cdc)
    response = staff.post(
        f"/declarations/{declaration.pk}/review/",
        {"version": declaration.version, "proposal": "keep"},
    )
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert (declaration.risk_colour, declaration.proposed_colour) == (colour, "")
    assert not declaration.amended_after_decision
    event = declaration.events.get(action="colour_decided")
    assert event.data == {"proposed_colour": "green", "accepted": False}
    assert declaration not in Declaration.objects.awaiting_medical()


def test_a_stale_review_says_who_changed_the_declaration_and_when(
    client, places, outbox, cdc, verifier, login
):
    verify(client, outbox)
    declaration = declare(client, places, sym_fever="1", sym_cough="1")
    declaration = decide(declaration, cdc, verifier)
    edit(client, declaration)
    declaration.refresh_from_db()
    response = login(cdc).post(
        f"/declarations/{declaration.pk}/review/",
        {"version": declaration.version - 1, "proposal": "keep"},
        follow=True,
    )
    assert stale_message(declaration) in html.unescape(response.content.decode())
    declaration.refresh_from_db()
    assert declaration.amended_after_decision


def test_accepting_the_proposal_lowers_the_colour(client, places, outbox, cdc, verifier):
    verify(client, outbox)
    declaration = declare(client, places, sym_fever="1", sym_cough="1")
    declaration = decide(declaration, cdc, verifier)
    edit(client, declaration)
    declaration.refresh_from_db()
    done = review_amendment(
        declaration, actor=cdc, version=declaration.version, accept_proposal=True
    )
    assert done.risk_colour == "green"
    assert done.medical_state == MedicalState.VERIFIED


def test_the_api_amendment_follows_the_same_rules(
    client, places, cdc, verifier, settings, tmp_path
):
    from tests.api.test_declarations_api import BASE, bearer, body, post, put, sign_in

    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms.jsonl")
    token = sign_in(client)
    answers = {key: key in ("sym_fever", "sym_cough") for key in questions.KEYS}
    code = post(client, BASE, body(places, answers=answers), token).json()["code"]
    declaration = Declaration.objects.get(code=code)
    colour = declaration.risk_colour
    assert colour in ("orange", "red")
    declaration = decide(declaration, cdc, verifier)

    quiet = dict.fromkeys(questions.KEYS, False)
    response = put(
        client,
        f"{BASE}/mine/{code}",
        body(
            places,
            answers=quiet,
            full_name="Người Khác",
            correction_note="Sai tên",
            version=declaration.version,
        ),
        token,
    )
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["locked_identity"] is True
    assert out["amended_after_decision"] is True
    declaration.refresh_from_db()
    assert declaration.risk_colour == colour
    assert declaration.person.full_name == "Trần Thị Hoa"
    event = declaration.events.get(action="correction_requested")
    assert event.note == "Sai tên"
    assert event.data["changes"]["full_name"] == ["Trần Thị Hoa", "Người Khác"]
    history = client.get(
        f"/api/v1/verification/{declaration.pk}/history", **bearer(_token(verifier))
    )
    assert history.status_code == 200
    amend = next(e for e in history.json() if e["action"] == "citizen_amend")
    assert ["sym_fever", True, False] in amend["changes"]


def _token(user):
    from vigil.accounts.models import ApiToken

    return ApiToken.issue(user, "test")[1]


def test_the_review_api_clears_the_mark_and_only_cdc_decides_the_colour(
    client, places, outbox, cdc, verifier
):
    verify(client, outbox)
    declaration = declare(client, places, sym_fever="1", sym_cough="1")
    colour = declaration.risk_colour
    declaration = decide(declaration, cdc, verifier)
    edit(client, declaration)
    declaration.refresh_from_db()
    url = f"/api/v1/verification/{declaration.pk}/review"
    queue = client.get(
        "/api/v1/verification/queue?state=amended",
        HTTP_AUTHORIZATION=f"Bearer {_token(verifier)}",
    ).json()
    assert [item["id"] for item in queue["items"]] == [declaration.pk]
    assert queue["items"][0]["proposed_colour"] == "green"
    response = client.post(
        url,
        {"version": declaration.version, "proposal": "accept"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {_token(verifier)}",
    )
    assert response.status_code == 403
    response = client.post(
        url,
        {"version": declaration.version, "proposal": "keep"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {_token(cdc)}",
    )
    assert response.status_code == 200, response.content
    declaration.refresh_from_db()
    assert (declaration.risk_colour, declaration.amended_after_decision) == (colour, False)
    response = client.post(
        url,
        {"version": declaration.version},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {_token(cdc)}",
    )
    assert response.status_code == 409
