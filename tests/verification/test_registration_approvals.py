"""Approval of registrations to return ("Duyệt đăng ký về địa phương", R-V4):
the staff queue, the decision page and the one guarded service."""

import datetime
import pathlib
import re
import threading

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit, Country
from vigil.audit.models import AuditEvent
from vigil.core.menu import worklists_for
from vigil.declarations.sms import FileBackend
from vigil.declarations.transitions import TransitionRefused
from vigil.verification import registrations
from vigil.verification.models import Registration, RegistrationEvent, RegistrationState

TODAY = timezone.localdate()
QUEUE = "/verification/approvals/"
SUBMITTER = "0905123456"


def make_registration(area, *, submitter_phone=SUBMITTER, days_ahead=3, **changes):
    """A registration through the service, as the public page makes it."""
    values = {
        "full_name": "Lê Văn Về",
        "id_kind": "cccd",
        "id_number": "046090009999",
        "phone": "0905333444",
        "birth_year": 1990,
        "gender": "male",
        "registration_kind": "return_home",
        "departure_country": Country.objects.get(pk="VN"),
        "departure_unit": AdminUnit.objects.active_tree().get(code="01"),
        "area": area,
        "address": "5 Lê Lợi",
        "arrival_date": TODAY + datetime.timedelta(days=days_ahead),
        "transport": "car",
        "note": "",
    }
    values.update(changes)
    registration, _created = registrations.submit_registration(
        values, channel="web", submitter_phone=submitter_phone
    )
    return registration


def decide_url(registration):
    return f"/verification/approvals/{registration.pk}/"


def fresh(registration):
    return Registration.objects.get(pk=registration.pk)


def shown(response):
    return [r.pk for r in response.context["page"]]


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms-outbox.jsonl")
    return FileBackend()


@pytest.fixture
def clerk(make_user, places):
    return make_user("community.pn", places.commune, tasks=[Task.COMMUNITY])


@pytest.fixture
def registration(places):
    return make_registration(places.commune)


# The service ----------------------------------------------------------------------


def test_a_decision_is_one_guarded_change_with_an_event_and_an_audit_row(
    clerk, registration, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError):
        registrations.decide(registration, actor=clerk, version=1, approve=False)
    with django_capture_on_commit_callbacks(execute=True):
        rejected = registrations.decide(
            registration, actor=clerk, version=1, approve=False, reason=" Chưa đủ điều kiện "
        )
    assert (rejected.state, rejected.version, rejected.decision_note) == (
        RegistrationState.REJECTED,
        2,
        "Chưa đủ điều kiện",
    )
    assert rejected.decided_by == clerk and rejected.decided_at is not None
    events = list(RegistrationEvent.objects.filter(registration=registration))
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("submitted", "", "pending"),
        ("reject", "pending", "rejected"),
    ]
    assert events[1].actor == clerk and events[1].note == "Chưa đủ điều kiện"
    assert AuditEvent.objects.filter(
        object_type="verification.registration", object_id=str(registration.pk), action="change"
    ).exists()
    with pytest.raises(TransitionRefused):
        registrations.decide(rejected, actor=clerk, version=rejected.version, approve=True)
    with pytest.raises(registrations.StaleRegistration):
        registrations.decide(rejected, actor=clerk, version=1, approve=True)
    assert fresh(registration).state == RegistrationState.REJECTED


def test_it_refuses_a_planned_arrival_in_the_past(places):
    with pytest.raises(ValidationError) as caught:
        make_registration(places.commune, days_ahead=-1)
    assert "arrival_date" in caught.value.message_dict
    assert not Registration.objects.exists()


def test_it_refuses_a_destination_outside_the_province(places):
    with pytest.raises(ValidationError) as caught:
        make_registration(AdminUnit.objects.active_tree().get(code="00001"))
    assert "area" in caught.value.message_dict


def test_a_decision_that_rolls_back_sends_no_sms(clerk, registration, outbox):
    # The SMS leaves on commit only: here the test's transaction never commits.
    registrations.decide(registration, actor=clerk, version=1, approve=True)
    assert outbox.messages() == []


# The queue ------------------------------------------------------------------------


def test_the_queue_lists_pending_registrations_of_the_jurisdiction_oldest_first(
    client, clerk, places, registration
):
    older = make_registration(places.commune, full_name="Trần Cũ")
    Registration.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    far = make_registration(places.far, full_name="Bùi Thị Xa")
    neighbour = make_registration(places.neighbour, full_name="Hồ Láng Giềng")
    decided = make_registration(places.commune, full_name="Đã Quyết")
    registrations.decide(decided, actor=clerk, version=1, approve=True)
    client.force_login(clerk)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert shown(response) == [older.pk, registration.pk]
    assert response.context["total"] == 2
    html = response.content.decode()
    for other in (far, neighbour, decided):
        assert other.code not in html
    # ID numbers and phones are masked in the list.
    assert registration.id_number not in html and registration.masked_id_number in html


def test_the_queue_filters_by_keyword_commune_and_dates(client, make_user, places, registration):
    other = make_registration(places.neighbour, full_name="Phạm Thị Khác", days_ahead=10)
    client.force_login(make_user("digit.hue", places.district, tasks=[Task.DIGITISATION]))
    assert shown(client.get(QUEUE)) == [registration.pk, other.pk]
    assert shown(client.get(QUEUE, {"q": "pham thi"})) == [other.pk]
    assert shown(client.get(QUEUE, {"q": registration.code})) == [registration.pk]
    assert shown(client.get(QUEUE, {"q": SUBMITTER})) == [registration.pk, other.pk]
    assert shown(client.get(QUEUE, {"commune": places.neighbour.pk})) == [other.pk]
    later = (TODAY + datetime.timedelta(days=5)).strftime("%d/%m/%Y")
    assert shown(client.get(QUEUE, {"date_on": "arrival", "date_from": later})) == [other.pk]
    # A commune outside the jurisdiction in the URL shows nothing rather than everything.
    assert shown(client.get(QUEUE, {"commune": places.far.pk})) == []


def test_the_menu_counts_the_registrations_waiting(clerk, make_user, places, registration):
    make_registration(places.far)
    counts = {url: count for _label, url, count in worklists_for(clerk)}
    assert counts[QUEUE] == 1
    assert registrations.pending_count(clerk) == 1
    cdc = make_user("cdc.pn", places.commune, tasks=[Task.CDC])
    assert all(url != QUEUE for _label, url, _count in worklists_for(cdc))


def test_the_verification_tabs_count_registrations(client, clerk, registration):
    client.force_login(clerk)
    response = client.get("/verification/")
    assert response.context["approvals_count"] == 1


# Deciding ---------------------------------------------------------------------------


def test_approve_sends_the_decision_by_sms_after_commit(
    client, clerk, registration, outbox, django_capture_on_commit_callbacks
):
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide_url(registration), {"decision": "approve", "version": 1})
    assert response.status_code == 302 and response.url == QUEUE
    now = fresh(registration)
    assert now.state == RegistrationState.APPROVED and now.decided_by == clerk
    [sms] = outbox.messages(SUBMITTER)
    assert registration.code in sms["text"] and "Lê Văn Về" in sms["text"]
    assert outbox.messages(registration.phone) == []  # the phone that registered, only
    assert shown(client.get(QUEUE)) == []


def test_the_decision_page_shows_the_registration_whole_and_logs_the_view(
    client, clerk, registration
):
    client.force_login(clerk)
    response = client.get(decide_url(registration))
    assert response.status_code == 200
    html = response.content.decode()
    assert registration.id_number in html and 'id="history"' in html
    assert AuditEvent.objects.filter(
        action="view", object_type="verification.registration", object_id=str(registration.pk)
    ).exists()


def test_a_leader_may_decide_too(client, make_user, places, registration, outbox):
    leader = make_user("leader.pn", places.commune, tasks=[Task.LEADER])
    client.force_login(leader)
    assert client.get(QUEUE).status_code == 200
    assert client.get("/verification/").status_code == 403
    # A leader reads numbers, not identities.
    assert registration.id_number not in client.get(decide_url(registration)).content.decode()
    client.post(
        decide_url(registration),
        {"decision": "reject", "reason": "Chưa đủ điều kiện", "version": 1},
    )
    now = fresh(registration)
    assert now.state == RegistrationState.REJECTED
    assert now.events.last().note == "Chưa đủ điều kiện" and now.events.last().actor == leader


def test_accounts_without_the_approval_task_groups_are_refused(client, make_user, places):
    registration = make_registration(places.commune)
    for task in (Task.CDC, Task.CHECKPOINT, Task.FACILITY, Task.SCHOOL):
        client.force_login(make_user(f"{task}.pn", places.commune, tasks=[task]))
        assert client.get(QUEUE).status_code == 403, task
        response = client.post(decide_url(registration), {"decision": "approve", "version": 1})
        assert response.status_code == 403, task
    assert fresh(registration).state == RegistrationState.PENDING


def test_a_registration_of_another_commune_answers_404(client, make_user, places, registration):
    client.force_login(make_user("community.vn", places.neighbour, tasks=[Task.COMMUNITY]))
    assert client.get(decide_url(registration)).status_code == 404
    response = client.post(decide_url(registration), {"decision": "approve", "version": 1})
    assert response.status_code == 404
    assert fresh(registration).state == RegistrationState.PENDING


def test_a_rejection_needs_a_reason(client, clerk, registration, outbox):
    client.force_login(clerk)
    response = client.post(decide_url(registration), {"decision": "reject", "version": 1})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert f'id="reason-{registration.pk}_error"' in response.content.decode()
    assert fresh(registration).state == RegistrationState.PENDING
    assert outbox.messages() == []


def test_a_stale_decision_is_refused_and_keeps_the_typed_reason(
    client, clerk, make_user, places, registration, django_capture_on_commit_callbacks
):
    other = make_user("police.pn", places.commune, tasks=[Task.POLICE])
    registrations.decide(registration, actor=other, version=1, approve=True)
    client.force_login(clerk)
    response = client.post(
        decide_url(registration), {"decision": "reject", "reason": "Hồ sơ thiếu", "version": 1}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "police.pn" in form.non_field_errors()[0]
    assert form["reason"].value() == "Hồ sơ thiếu"
    assert fresh(registration).state == RegistrationState.APPROVED
    # Sent again on the current version, it is refused as already decided.
    response = client.post(
        decide_url(registration),
        {"decision": "reject", "reason": "Hồ sơ thiếu", "version": form["version"].value()},
    )
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert fresh(registration).state == RegistrationState.APPROVED


def test_a_stale_decision_on_a_pending_registration_goes_through_after_review(
    client, clerk, registration
):
    # A bumped version without a decision (the citizen's own change, a link).
    Registration.objects.filter(pk=registration.pk).update(version=5)
    client.force_login(clerk)
    response = client.post(decide_url(registration), {"decision": "approve", "version": 1})
    assert response.status_code == 200
    assert response.context["form"]["version"].value() == "5"
    response = client.post(decide_url(registration), {"decision": "approve", "version": 5})
    assert response.status_code == 302
    assert fresh(registration).state == RegistrationState.APPROVED


def test_nothing_but_the_service_writes_a_registration():
    """The one guarded path (vigil/verification/registrations.py): no other module
    creates, updates or deletes registrations or sets their state fields."""
    root = pathlib.Path(__file__).resolve().parents[2] / "vigil"
    service = root / "verification" / "registrations.py"
    writes = re.compile(
        r"Registration(Event)?\.objects\.[^\n]*\b(create|update|bulk_create|bulk_update|"
        r"delete|get_or_create|update_or_create)\(|"
        r"\bregistration\.(state|decided_by|decided_at|decision_note|declaration|version)\s*=[^=]|"
        r"\bregistration\.save\("
    )
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if path != service and "migrations" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if writes.search(line)
    ]
    assert offenders == []


# Racing (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections racing need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_staff_deciding_at_once_one_wins_and_one_is_told_it_is_stale(
    areas_back_after_flush, places, make_user, outbox
):
    """Both read version 1 and decide at the same moment on their own connections:
    the row lock makes the second wait, then its version check refuses it."""
    registration = make_registration(places.commune)
    staff = [
        make_user(f"community.race{n}", places.commune, tasks=[Task.COMMUNITY]) for n in range(2)
    ]
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(n):
        try:
            barrier.wait(timeout=10)
            registrations.decide(
                Registration.objects.get(pk=registration.pk),
                actor=staff[n],
                version=1,
                approve=n == 0,
                reason="" if n == 0 else "Không đủ điều kiện",
            )
            results[n] = "won"
        except registrations.StaleRegistration:
            results[n] = "stale"
        except Exception as exc:  # reported below, not lost in the thread
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(map(str, results)) == ["stale", "won"], results
    winner = results.index("won")
    now = fresh(registration)
    assert (now.version, now.decided_by) == (2, staff[winner])
    assert now.events.exclude(action="submitted").count() == 1
    assert len(outbox.messages(SUBMITTER)) == 1
