"""The military command's verification of people taken into concentrated
quarantine (seed §I.2, R-V7; issue 10, finding 9)."""

import datetime
import io
import re

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.core.menu import worklists_for
from vigil.declarations.models import (
    Channel,
    Declaration,
    DeclarationEvent,
    Surveillance,
    VerificationState,
)
from vigil.declarations.transitions import transition
from vigil.quarantine import services as quarantine
from vigil.quarantine.models import Bed, Facility
from vigil.triage.services import medical_verify
from vigil.verification import military

QUEUE = "/verification/military/"
TODAY = timezone.localdate()


def verify_url(declaration):
    return f"/verification/military/{declaration.pk}/"


def fresh(declaration):
    return Declaration.objects.get(pk=declaration.pk)


@pytest.fixture
def facility(places, admin_user):
    facility = Facility.objects.create(
        kind="concentrated", name="Khu cách ly Phú Bài", area=places.district.children.first()
    )
    quarantine.add_rooms(
        admin_user, facility, building="A", floors=[1], rooms=[1, 2], beds_per_room=2
    )
    return facility


@pytest.fixture
def other_facility(places, admin_user):
    return Facility.objects.create(
        kind="concentrated", name="Khu cách ly Hương Sơ", area=places.far
    )


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.tinh", places.province, tasks=[Task.CDC])


@pytest.fixture
def taken_in(make_person, facility, admin_user, cdc):
    """An online declaration, CDC's decision "concentrated quarantine", then
    the intake: verified at quarantine intake, in a bed of `facility`."""

    def make(area, full_name="Nguyễn Văn An", days_ago=0, into=None, cdc_decides=True):
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
            sym_cough=True,
        )
        if cdc_decides:
            declaration = medical_verify(
                declaration,
                actor=cdc,
                version=declaration.version,
                symptoms_confirmed=True,
                surveillance=Surveillance.CONCENTRATED,
                start=TODAY,
                end=TODAY + datetime.timedelta(days=14),
                note="Ho, về từ vùng dịch",
            )
        # The intake side closes the commune's verification this way.
        declaration = transition(
            declaration,
            actor=admin_user,
            version=None,
            action="verified_by_intake",
            state_field="verification_state",
            allowed_from=(VerificationState.PENDING,),
            to_state=VerificationState.INTAKE,
        )
        where = into or facility
        free = Bed.objects.filter(room__building__facility=where, active=True).exclude(
            pk__in=where.stays.filter(end_date__isnull=True).values("bed_id")
        )
        quarantine.take_in(
            admin_user,
            person=person,
            facility=where,
            start_date=TODAY,
            bed=free.first(),
            declaration=declaration,
        )
        return fresh(declaration)

    return make


@pytest.fixture
def soldier(make_user, places):
    return make_user("bch.hue", places.district, tasks=[Task.MILITARY])


def shown(response):
    return [d.pk for d in response.context["page"]]


# The queue ------------------------------------------------------------------------


def test_an_intake_declaration_shows_in_the_queue_of_its_commune_district_and_province(
    client, make_user, places, taken_in
):
    declaration = taken_in(places.commune)
    for username, unit, expected in (
        ("bch.phunhuan", places.commune, [declaration.pk]),
        ("bch.hue", places.district, [declaration.pk]),
        ("bch.tinh", places.province, [declaration.pk]),
        ("bch.vinhninh", places.neighbour, []),
        ("bch.xa", places.far, []),
    ):
        client.force_login(make_user(username, unit, tasks=[Task.MILITARY]))
        response = client.get(QUEUE)
        assert response.status_code == 200
        assert shown(response) == expected, username
        assert (declaration.code in response.content.decode()) == bool(expected)


def test_the_queue_is_oldest_first_with_the_total_the_facility_and_the_filters(
    client, soldier, places, taken_in, other_facility, admin_user
):
    quarantine.add_rooms(
        admin_user, other_facility, building="B", floors=[1], rooms=[1], beds_per_room=1
    )
    new = taken_in(places.commune, "Trần Thị Mới")
    old = taken_in(places.neighbour, "Lê Văn Cũ", days_ago=5, into=other_facility)
    client.force_login(soldier)
    response = client.get(QUEUE)
    assert shown(response) == [old.pk, new.pk]
    assert response.context["total"] == 2
    body = response.content.decode()
    assert "Khu cách ly Phú Bài" in body and "Khu cách ly Hương Sơ" in body
    assert f'href="{verify_url(old)}"' in body
    assert 'id="export-verification_military"' in body

    assert shown(client.get(QUEUE, {"facility": other_facility.pk})) == [old.pk]
    assert shown(client.get(QUEUE, {"commune": places.commune.pk})) == [new.pk]
    assert shown(client.get(QUEUE, {"q": "le van"})) == [old.pk]
    since = (TODAY - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    assert shown(client.get(QUEUE, {"date_from": since})) == [new.pk]
    # A commune outside the jurisdiction in the URL shows nothing, not everything.
    assert shown(client.get(QUEUE, {"commune": places.far.pk})) == []


def test_accounts_without_the_military_task_are_refused(
    client, make_user, places, taken_in, admin_user
):
    declaration = taken_in(places.commune)
    community = make_user("community.pn", places.commune, tasks=[Task.COMMUNITY, Task.CDC])
    client.force_login(community)
    assert client.get(QUEUE).status_code == 403
    assert client.get(verify_url(declaration)).status_code == 403
    response = client.post(
        verify_url(declaration), {"version": declaration.version, "outcome": "returned"}
    )
    assert response.status_code == 403
    assert fresh(declaration).verification_state == VerificationState.INTAKE
    # The operations centre works the queue too.
    client.force_login(admin_user)
    assert shown(client.get(QUEUE)) == [declaration.pk]


def test_the_communes_verification_queue_does_not_list_intake_declarations(
    client, make_user, places, taken_in
):
    intake = taken_in(places.commune)
    client.force_login(make_user("community.pn", places.commune, tasks=[Task.COMMUNITY]))
    for url in ("/verification/", "/verification/failed/"):
        response = client.get(url)
        assert intake.pk not in shown(response), url


def test_the_menu_shows_the_queue_with_its_count(client, soldier, places, taken_in):
    taken_in(places.commune)
    taken_in(places.far, "Bùi Văn Xa")
    counts = {url: n for _label, url, n in worklists_for(soldier)}
    assert counts[QUEUE] == 1
    assert military.count(soldier) == 1
    client.force_login(soldier)
    assert QUEUE in client.get("/").content.decode()


# The verify page ------------------------------------------------------------------


def test_the_verify_page_shows_the_declaration_the_stay_and_the_cdc_decision(
    client, soldier, places, taken_in
):
    declaration = taken_in(places.commune)
    client.force_login(soldier)
    response = client.get(verify_url(declaration))
    assert response.status_code == 200
    body = response.content.decode()
    assert declaration.code in body and "Nguyễn Văn An" in body
    stay = re.search(r'<dl class="row card-body mb-0" id="stay">.*?</dl>', body, re.S).group(0)
    assert "Khu cách ly Phú Bài" in stay
    assert "A / 101 / " in stay
    assert TODAY.strftime("%d/%m/%Y") in stay
    decision = re.search(r'id="cdc-decision">.*?</dl>', body, re.S).group(0)
    assert str(Surveillance.CONCENTRATED.label) in decision or "cách ly tập trung" in decision
    assert "cdc.tinh" in decision and "Ho, về từ vùng dịch" in decision
    assert 'name="outcome"' in body
    assert f'name="version" value="{declaration.version}"' in body


def test_verified_as_returned_the_person_stays_in_concentrated_quarantine(
    client, soldier, places, taken_in
):
    declaration = taken_in(places.commune)
    client.force_login(soldier)
    response = client.post(
        verify_url(declaration),
        {"version": declaration.version, "outcome": "returned", "note": "Đúng người của phường"},
    )
    assert response.status_code == 302 and response.url == QUEUE
    done = fresh(declaration)
    assert done.verification_state == VerificationState.RETURNED
    assert done.surveillance == Surveillance.CONCENTRATED
    assert done.surveillance_start == declaration.surveillance_start
    event = done.events.order_by("-id").first()
    assert (event.action, event.actor, event.from_state, event.to_state) == (
        "military_verify",
        soldier,
        VerificationState.INTAKE,
        VerificationState.RETURNED,
    )
    assert event.note == "Đúng người của phường"
    assert shown(client.get(QUEUE)) == []


def test_could_not_verify_needs_a_reason_and_goes_to_the_failed_list(
    client, soldier, make_user, places, taken_in
):
    declaration = taken_in(places.commune)
    client.force_login(soldier)
    response = client.post(
        verify_url(declaration), {"version": declaration.version, "outcome": "failed"}
    )
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    assert 'id="id_note_error"' in response.content.decode()
    assert fresh(declaration).verification_state == VerificationState.INTAKE

    response = client.post(
        verify_url(declaration),
        {"version": declaration.version, "outcome": "failed", "note": "Không có hộ khẩu"},
    )
    assert response.status_code == 302
    assert fresh(declaration).verification_state == VerificationState.FAILED
    client.force_login(make_user("community.pn", places.commune, tasks=[Task.COMMUNITY]))
    assert declaration.pk in shown(client.get("/verification/failed/"))


def test_an_outcome_is_required(client, soldier, places, taken_in):
    declaration = taken_in(places.commune)
    client.force_login(soldier)
    response = client.post(verify_url(declaration), {"version": declaration.version})
    assert response.status_code == 200
    assert "outcome" in response.context["form"].errors
    assert fresh(declaration).verification_state == VerificationState.INTAKE


def test_it_refuses_a_stale_verification_and_says_who_changed_it(
    client, soldier, make_user, places, taken_in
):
    declaration = taken_in(places.commune)
    manager = make_user("klc.phubai", places.district, tasks=[Task.FACILITY])
    # The facility moved the person's stay after this page was opened.
    transition(
        declaration,
        actor=manager,
        version=declaration.version,
        action="stay_moved",
        state_field="surveillance",
        allowed_from=(Surveillance.CONCENTRATED,),
        to_state=Surveillance.CONCENTRATED,
    )
    client.force_login(soldier)
    response = client.post(
        verify_url(declaration),
        {"version": declaration.version, "outcome": "returned", "note": "Đã xác minh"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r"klc\.phubai\D+\d\d:\d\d", body)
    assert fresh(declaration).verification_state == VerificationState.INTAKE
    form = response.context["form"]
    assert form["note"].value() == "Đã xác minh"  # nothing typed is lost
    assert form["version"].value() == str(fresh(declaration).version)
    # After review, the second save goes through.
    response = client.post(
        verify_url(declaration),
        {"version": fresh(declaration).version, "outcome": "returned", "note": "Đã xác minh"},
    )
    assert response.status_code == 302
    assert fresh(declaration).verification_state == VerificationState.RETURNED


def test_a_declaration_not_waiting_for_the_military_cannot_be_verified(
    client, soldier, places, make_person
):
    person = make_person(places.commune)
    pending = Declaration.objects.create(
        person=person,
        area=places.commune,
        registration_kind="return_home",
        departure_country_id="VN",
        address="1 Lê Lợi",
        transport="car",
        arrival_date=TODAY,
        channel=Channel.WEB,
    )
    client.force_login(soldier)
    response = client.get(verify_url(pending))
    assert response.status_code == 200
    assert 'id="already-verified"' in response.content.decode()
    response = client.post(verify_url(pending), {"version": pending.version, "outcome": "returned"})
    assert response.status_code == 200
    assert fresh(pending).verification_state == VerificationState.PENDING
    assert not DeclarationEvent.objects.filter(declaration=pending).exists()


def test_a_declaration_outside_the_jurisdiction_is_404(client, make_user, places, taken_in):
    declaration = taken_in(places.commune)
    client.force_login(make_user("bch.vinhninh", places.neighbour, tasks=[Task.MILITARY]))
    assert client.get(verify_url(declaration)).status_code == 404
    response = client.post(
        verify_url(declaration), {"version": declaration.version, "outcome": "returned"}
    )
    assert response.status_code == 404
    assert fresh(declaration).verification_state == VerificationState.INTAKE


def test_the_export_holds_the_queue_of_the_jurisdiction(client, soldier, places, taken_in):
    taken_in(places.commune, "Trần Thị Mới")
    taken_in(places.far, "Bùi Văn Xa")
    client.force_login(soldier)
    response = client.get("/reports/export/", {"list": "verification_military"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A1"].value.startswith("Xác minh người vào khu cách ly tập trung")
    headers = [c.value for c in sheet[3]]
    rows = [
        dict(zip(headers, r, strict=True)) for r in sheet.iter_rows(min_row=4, values_only=True)
    ]
    assert [(r["Họ và tên"], r["Khu cách ly"]) for r in rows] == [
        ("Trần Thị Mới", "Khu cách ly Phú Bài")
    ]


# The service ----------------------------------------------------------------------


def test_the_service_refuses_an_unknown_outcome(places, taken_in, soldier):
    declaration = taken_in(places.commune)
    with pytest.raises(ValidationError) as refused:
        military.military_verify(
            declaration, actor=soldier, version=declaration.version, outcome="transfer"
        )
    assert "outcome" in refused.value.message_dict
