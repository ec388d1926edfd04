"""The verification and triage API (R-V1..R-V5, R-M1..R-M3, R-N5): each action,
each refusal, the queues, and rules and epidemic areas changing the colours."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.audit.services import stale_message
from vigil.declarations.models import (
    ONLINE_CHANNELS,
    Declaration,
    DeclarationEvent,
    VerificationState,
)
from vigil.triage.engine import assess
from vigil.verification import services as verification

V = "/api/v1/verification"
T = "/api/v1/triage"
TODAY = timezone.localdate()


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, url, body, token):
    return client.post(url, body, content_type="application/json", **bearer(token))


def put(client, url, body, token):
    return client.put(url, body, content_type="application/json", **bearer(token))


def get(client, url, token, **params):
    return client.get(url, params, **bearer(token))


def site_language(message):
    """A message as the API answers it (the site's language unless a cookie says otherwise)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message)


def required():
    with translation.override(settings.LANGUAGE_CODE):
        from django import forms

        return str(forms.Field.default_error_messages["required"])


def declare(person, area, *, channel="web", days_ago=1, created_days_ago=None, **fields):
    """A declaration as a channel records it: assessed by the risk engine."""
    declaration = Declaration(
        person=person,
        registration_kind=fields.pop("registration_kind", "return_home"),
        departure_country_id="VN",
        area=area,
        address="12 Lê Lợi",
        transport="car",
        arrival_date=TODAY - datetime.timedelta(days=days_ago),
        channel=channel,
        submitter_phone=person.phone,
        verification_state=(
            VerificationState.PENDING
            if channel in ONLINE_CHANNELS
            else VerificationState.NOT_REQUIRED
        ),
        **fields,
    )
    if created_days_ago is not None:
        declaration.created_at = timezone.now() - datetime.timedelta(days=created_days_ago)
    assess(declaration)
    declaration.save()
    return declaration


@pytest.fixture
def verifier(token_for, places):
    return token_for("community.phunhuan", places.commune, [Task.COMMUNITY])[1]


@pytest.fixture
def cdc(token_for, places):
    return token_for("cdc.phunhuan", places.commune, [Task.CDC])[1]


@pytest.fixture
def editor(token_for, places):
    """CDC of the province: changes rules and epidemic areas."""
    return token_for("cdc.tinh", places.province, [Task.CDC])


@pytest.fixture
def person(make_person, places):
    return make_person(places.commune, full_name="Trần Thị Hoa", id_number="046190001234")


@pytest.fixture
def pending(person, places):
    return declare(person, places.commune)


def state(declaration):
    declaration.refresh_from_db()
    return declaration


# The verification queue -------------------------------------------------------


def test_the_queue_lists_pending_online_declarations_of_the_jurisdiction_oldest_first(
    client, verifier, make_person, places
):
    old = declare(make_person(places.commune, "Lê Văn Cũ"), places.commune, created_days_ago=3)
    new = declare(
        make_person(places.commune, "Phạm Thị Mới"),
        places.commune,
        channel="app",
        created_days_ago=1,
        registration_kind="student",
        student_code="SV001",
        school="Đại học Huế",
        sym_fever=True,
    )
    declare(make_person(places.commune, "Võ Tại Trạm"), places.commune, channel="walk_in")
    declare(make_person(places.neighbour, "Hồ Hàng Xóm"), places.neighbour)
    done = declare(make_person(places.commune, "Đã Xác Minh"), places.commune)
    verification.verify_returned(done, actor=None, version=1, surveillance="self_monitoring")

    response = get(client, f"{V}/queue", verifier)
    assert response.status_code == 200, response.content
    page = response.json()
    assert page["total"] == 2 and (page["limit"], page["offset"]) == (50, 0)
    assert [item["id"] for item in page["items"]] == [old.pk, new.pk]
    item = page["items"][1]
    assert item["full_name"] == "Phạm Thị Mới"
    assert item["id_number"] != new.person.id_number  # masked in lists
    assert item["id_number"][-3:] == new.person.id_number[-3:]
    assert (item["registration_kind"], item["student_code"]) == ("student", "SV001")
    assert item["area_code"] == places.commune.code
    assert item["risk_colour"] == "yellow" and item["version"] == 1

    def ids(**params):
        response = get(client, f"{V}/queue", verifier, **params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids(registration_kind="student") == [new.pk]
    assert ids(channel="app") == [new.pk]
    assert ids(risk_colour="yellow") == [new.pk]
    assert ids(risk_colour="green") == [old.pk]
    assert ids(q="pham thi") == [new.pk]
    assert ids(q=old.code) == [old.pk]
    assert ids(commune_code=places.commune.code) == [old.pk, new.pk]
    assert ids(commune_code=places.neighbour.code) == []  # outside: nothing, not an error
    assert ids(district_code=places.district.code) == [old.pk, new.pk]
    two_days_ago = (TODAY - datetime.timedelta(days=2)).isoformat()
    assert ids(date_from=two_days_ago) == [new.pk]
    assert ids(limit=1, offset=1) == [new.pk]
    assert get(client, f"{V}/queue", verifier, limit=1).json()["total"] == 2


def test_the_queue_refuses_unknown_filter_values_by_name(client, verifier):
    response = get(client, f"{V}/queue", verifier, risk_colour="purple", date_from="01/08/2021")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"risk_colour", "date_from"}
    response = get(client, f"{V}/queue", verifier, limit="many")
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["limit"]


def test_failed_verifications_have_their_own_list(client, verifier, pending):
    response = post(
        client, f"{V}/{pending.pk}/failed", {"version": 1, "reason": "Không có ở nhà"}, verifier
    )
    assert response.status_code == 200, response.content
    assert get(client, f"{V}/queue", verifier).json()["total"] == 0
    failed = get(client, f"{V}/queue", verifier, state="failed").json()
    assert [item["id"] for item in failed["items"]] == [pending.pk]


# Actions -----------------------------------------------------------------------


def test_returned_records_the_surveillance_and_the_history(client, verifier, pending):
    body = {
        "version": 1,
        "surveillance": "home_quarantine",
        "start": TODAY.isoformat(),
        "end": (TODAY + datetime.timedelta(days=14)).isoformat(),
        "note": "Đã gặp tại nhà.",
    }
    response = post(client, f"{V}/{pending.pk}/returned", body, verifier)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["verification_state"] == "returned"
    assert out["surveillance"] == "home_quarantine"
    assert out["surveillance_start"] == body["start"]
    assert out["surveillance_end"] == body["end"]
    assert out["version"] == 2 and out["id"] == pending.pk and out["code"] == pending.code
    assert set(out) >= {"medical_state", "approval_state", "risk_colour", "risk_level"}
    assert set(out) >= {"risk_reasons", "area_code"}
    assert state(pending).verification_state == "returned"
    event = DeclarationEvent.objects.get(declaration=pending)
    assert (event.action, event.from_state, event.to_state) == (
        "verify_returned",
        "pending",
        "returned",
    )

    history = get(client, f"{V}/{pending.pk}/history", verifier)
    assert history.status_code == 200
    assert history.json() == [
        {
            "at": history.json()[0]["at"],
            "actor": "community.phunhuan",
            "action": "verify_returned",
            "label": history.json()[0]["label"],
            "from_state": "pending",
            "to_state": "returned",
            "from_area_code": None,
            "to_area_code": None,
            "note": "Đã gặp tại nhà.",
            "changes": [],
        }
    ]
    assert history.json()[0]["label"]
    assert AuditEvent.objects.filter(
        object_id=str(pending.pk), action="view", detail__history=True
    ).exists()


def test_an_unknown_surveillance_type_is_a_clear_error_and_changes_nothing(
    client, verifier, pending
):
    response = post(
        client, f"{V}/{pending.pk}/returned", {"version": 1, "surveillance": "holiday"}, verifier
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"]
    assert error["fields"] == {"surveillance": [site_language("Choose a surveillance type.")]}
    pending = state(pending)
    assert (pending.verification_state, pending.surveillance, pending.version) == (
        "pending",
        "",
        1,
    )
    assert not DeclarationEvent.objects.exists()


def test_fields_of_the_wrong_type_or_missing_are_named(client, verifier, pending):
    url = f"{V}/{pending.pk}/returned"
    response = post(client, url, {"version": "two", "surveillance": "none"}, verifier)
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["version"]

    response = post(client, url, {"start": "21/08/2021", "end": "2021-08-01"}, verifier)
    fields = response.json()["error"]["fields"]
    assert fields["version"] == fields["surveillance"] == [required()]
    assert set(fields) == {"version", "surveillance", "start"}

    response = post(
        client,
        url,
        {"version": 1, "surveillance": "none", "start": "2021-08-21", "end": "2021-08-01"},
        verifier,
    )
    assert response.json()["error"]["fields"] == {
        "end": [site_language("The end date is before the start date.")]
    }

    # No body at all: every required field is named.
    response = client.post(url, **bearer(verifier))
    assert response.status_code in (400, 422)
    response = client.post(url, content_type="application/json", **bearer(verifier))
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"version", "surveillance"}
    response = client.post(url, "{nope", content_type="application/json", **bearer(verifier))
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert state(pending).version == 1


def test_a_stale_version_is_409_with_who_changed_it(client, verifier, token_for, places, pending):
    _user, colleague = token_for("police.phunhuan", places.commune, [Task.POLICE])
    first = post(client, f"{V}/{pending.pk}/failed", {"version": 1, "reason": "Vắng"}, colleague)
    assert first.status_code == 200
    response = post(
        client, f"{V}/{pending.pk}/returned", {"version": 1, "surveillance": "none"}, verifier
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "stale"
    with translation.override(settings.LANGUAGE_CODE):
        assert error["message"] == stale_message(state(pending))
    assert "police.phunhuan" in error["message"]
    assert state(pending).verification_state == "failed"


def test_an_action_on_a_handled_declaration_is_409_already_handled(client, verifier, pending):
    url = f"{V}/{pending.pk}/returned"
    assert post(client, url, {"version": 1, "surveillance": "none"}, verifier).status_code == 200
    response = post(client, f"{V}/{pending.pk}/failed", {"version": 2, "reason": "x"}, verifier)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_handled"
    assert state(pending).verification_state == "returned"
    assert DeclarationEvent.objects.count() == 1


def test_a_reason_is_required_to_fail_a_verification(client, verifier, pending):
    response = post(client, f"{V}/{pending.pk}/failed", {"version": 1, "reason": " "}, verifier)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "reason": [site_language("Give the reason the person could not be verified.")]
    }
    assert state(pending).verification_state == "pending"


def test_a_transfer_moves_the_declaration_out_of_the_callers_reach(
    client, verifier, token_for, places, pending
):
    url = f"{V}/{pending.pk}/transfer"
    response = post(
        client, url, {"version": 1, "target_commune_code": "00001", "note": "x"}, verifier
    )
    assert response.status_code == 422  # a commune of Hà Nội
    assert list(response.json()["error"]["fields"]) == ["target_commune_code"]
    response = post(
        client, url, {"version": 1, "target_commune_code": "nope", "note": "x"}, verifier
    )
    assert list(response.json()["error"]["fields"]) == ["target_commune_code"]
    response = post(
        client,
        url,
        {"version": 1, "target_commune_code": places.commune.code, "note": "x"},
        verifier,
    )
    assert response.json()["error"]["fields"] == {
        "target_commune_code": [site_language("The declaration is already in this commune.")]
    }

    body = {"version": 1, "target_commune_code": places.neighbour.code, "note": "Ở nhà con"}
    response = post(client, url, body, verifier)
    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["area_code"], out["verification_state"], out["version"]) == (
        places.neighbour.code,
        "pending",
        2,
    )
    assert state(pending).area == places.neighbour

    # Gone from the caller's queue and out of its reach...
    assert get(client, f"{V}/queue", verifier).json()["total"] == 0
    for action, body in [
        ("returned", {"version": 2, "surveillance": "none"}),
        ("failed", {"version": 2, "reason": "x"}),
        ("transfer", {"version": 2, "target_commune_code": places.commune.code}),
    ]:
        response = post(client, f"{V}/{pending.pk}/{action}", body, verifier)
        assert response.status_code == 404, action
        assert response.json()["error"]["code"] == "not_found"
    assert get(client, f"{V}/{pending.pk}/history", verifier).status_code == 404
    # ...and in the right commune's queue, with where it came from in the history.
    _user, neighbour = token_for("community.vinhninh", places.neighbour, [Task.COMMUNITY])
    queue = get(client, f"{V}/queue", neighbour).json()
    assert [item["id"] for item in queue["items"]] == [pending.pk]
    history = get(client, f"{V}/{pending.pk}/history", neighbour).json()
    assert (history[0]["from_area_code"], history[0]["to_area_code"]) == (
        places.commune.code,
        places.neighbour.code,
    )
    assert history[0]["note"] == "Ở nhà con"
    assert state(pending).version == 2


def test_task_groups_and_jurisdiction_decide_who_acts(
    client, token_for, make_person, places, pending
):
    _user, leader = token_for("leader.phunhuan", places.commune, [Task.LEADER])
    _user, establishment = token_for("hotel.phunhuan", places.commune, [Task.ESTABLISHMENT])
    _user, far = token_for("community.far", places.far, [Task.COMMUNITY])
    body = {"version": 1, "surveillance": "none"}

    response = post(client, f"{V}/{pending.pk}/returned", body, leader)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    # The queue is the verify pages' (VERIFY_STUDENTS): a leader reads numbers, not it.
    assert get(client, f"{V}/queue", leader).status_code == 403
    assert get(client, f"{V}/{pending.pk}/history", leader).status_code == 200
    assert get(client, f"{V}/queue", establishment).status_code == 403
    assert get(client, f"{T}/queue", establishment).status_code == 403
    assert get(client, f"{V}/{pending.pk}/history", establishment).status_code == 403

    for action in ("returned", "failed", "transfer"):
        response = post(client, f"{V}/{pending.pk}/{action}", body, far)
        assert response.status_code == 404, action
    assert get(client, f"{V}/{pending.pk}/history", far).status_code == 404
    assert get(client, f"{V}/queue", far).json()["total"] == 0
    assert post(client, f"{V}/999999/returned", body, far).status_code == 404
    assert state(pending).version == 1
    assert client.get(f"{V}/queue").status_code == 401


def test_a_leader_does_not_verify_arrivals(client, token_for, make_person, places):
    # Leaders decide registrations to return (tests/api/test_registrations_api.py);
    # verifying is for the verifying groups.
    _user, leader = token_for("leader.phunhuan", places.commune, [Task.LEADER])
    pending = declare(make_person(places.commune), places.commune)
    for action, body in [
        ("returned", {"version": 1, "surveillance": "none"}),
        ("failed", {"version": 1, "reason": "x"}),
        ("transfer", {"version": 1, "target_commune_code": places.neighbour.code}),
    ]:
        response = post(client, f"{V}/{pending.pk}/{action}", body, leader)
        assert response.status_code == 403, action
        assert response.json()["error"]["code"] == "forbidden"
    assert state(pending).version == 1


def test_a_school_account_sees_and_verifies_only_its_own_students(
    client, token_for, make_person, places
):
    school_user, school = token_for("dhhue", places.district, [Task.SCHOOL])
    school_user.unit_name = "Đại học Huế"
    school_user.save(update_fields=["unit_name"])

    def student(area, name, school_name="Đại học Huế", **fields):
        return declare(
            make_person(area, name),
            area,
            registration_kind="student",
            student_code="SV1",
            school=school_name,
            **fields,
        )

    ours = student(places.commune, "Sinh Viên Huế")
    second = student(places.commune, "Sinh Viên Hai", created_days_ago=0)
    other_school = student(places.commune, "Sinh Viên Đà Nẵng", "Đại học Đà Nẵng")
    home = declare(make_person(places.commune, "Về Quê"), places.commune)  # same commune
    far = student(places.far, "Sinh Viên Xa")  # its school, outside its jurisdiction

    # Its queue is its students' queue, whatever the filters; the commune's is not its.
    response = get(client, f"{V}/students", school)
    assert response.status_code == 200, response.content
    assert [item["id"] for item in response.json()["items"]] == [ours.pk, second.pk]
    by_commune = get(client, f"{V}/students", school, commune_code=places.commune.code)
    assert by_commune.json()["total"] == 2
    assert get(client, f"{V}/queue", school).status_code == 403

    # Its own student: verified as any verifier would.
    body = {"version": 1, "surveillance": "self_monitoring", "note": "Đã về ký túc xá."}
    response = post(client, f"{V}/{ours.pk}/returned", body, school)
    assert response.status_code == 200, response.content
    assert response.json()["verification_state"] == "returned"
    assert DeclarationEvent.objects.get(declaration=ours).actor == school_user
    response = post(client, f"{V}/{second.pk}/failed", {"version": 1, "reason": "Vắng"}, school)
    assert response.status_code == 200, response.content

    # Any other declaration does not exist for it, in the same commune or not,
    # whatever the body (404 comes before the body is read).
    for declaration in (home, other_school, far):
        for action, payload in [
            ("returned", {"version": 1, "surveillance": "none"}),
            ("failed", {"version": 1, "reason": "x"}),
            ("transfer", {"version": 1, "target_commune_code": places.neighbour.code}),
        ]:
            response = post(client, f"{V}/{declaration.pk}/{action}", payload, school)
            assert response.status_code == 404, (declaration, action)
            assert response.json()["error"]["code"] == "not_found"
        url = f"{V}/{declaration.pk}/returned"
        response = client.post(url, "{nope", content_type="application/json", **bearer(school))
        assert response.status_code == 404
        assert state(declaration).verification_state == "pending"
        assert state(declaration).version == 1
    assert not DeclarationEvent.objects.filter(declaration__in=[home, other_school, far]).exists()


def test_accounts_the_pages_refuse_are_refused_every_action(client, token_for, make_person, places):
    target = declare(
        make_person(places.commune),
        places.commune,
        registration_kind="student",
        student_code="SV1",
        school="Đại học Huế",
    )
    bodies = [
        ("returned", {"version": 1, "surveillance": "none"}),
        ("failed", {"version": 1, "reason": "x"}),
        ("transfer", {"version": 1, "target_commune_code": places.neighbour.code}),
    ]
    for task in (Task.CDC, Task.CHECKPOINT, Task.FACILITY, Task.ESTABLISHMENT):
        # The work unit names the student's school: only the school task group counts.
        user, token = token_for(f"{task}.phunhuan", places.commune, [task])
        user.unit_name = "Đại học Huế"
        user.save(update_fields=["unit_name"])
        for action, body in bodies:
            response = post(client, f"{V}/{target.pk}/{action}", body, token)
            assert response.status_code == 403, (task, action)
            assert response.json()["error"]["code"] == "forbidden"
            assert response.json()["error"]["message"]
    target = state(target)
    assert (target.verification_state, target.version) == ("pending", 1)
    assert not DeclarationEvent.objects.exists()
