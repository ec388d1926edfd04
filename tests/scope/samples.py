"""Out-of-scope objects for the jurisdiction harness.

`build_world` puts one record of every kind in a commune of another district
(the "far" commune). `SAMPLES` maps each URL parameter name used anywhere in the
project to the far record it should name. A module that adds a route with a new
parameter name adds one line here (and the record to `build_world`).
"""

import datetime
from types import SimpleNamespace

from vigil.accounts.models import AccountRequest, ApiToken, Task, User
from vigil.audit.models import AuditEvent
from vigil.audit.services import Action, log
from vigil.declarations.models import Declaration
from vigil.investigation.models import (
    Attachment,
    Case,
    ItineraryEntry,
    MonitoringCheck,
    MonitoringPeriod,
    Outbreak,
)
from vigil.jobs.models import Job
from vigil.lodging.models import Establishment, GuestStay, PmsToken
from vigil.people.models import Person
from vigil.quarantine import services as quarantine
from vigil.quarantine.models import Bed, Facility, Stay
from vigil.reports.services import KIND as EXPORT_KIND
from vigil.triage.models import RiskRule
from vigil.verification.models import Registration


def make_declaration(person, area):
    return Declaration.objects.create(
        person=person,
        registration_kind="return_home",
        departure_country_id="VN",
        area=area,
        address="99 Đường Bímật",
        transport="car",
        arrival_date=datetime.date(2021, 8, 1),
        channel="web",
        submitter_phone=person.phone,
        sym_fever=True,
    )


def build_world(places, make_user, make_person):
    every_task = list(Task.values)
    far_user = make_user("far.secret", places.far, tasks=every_task, full_name="Quan Xa Bimat")
    neighbour_user = make_user("neighbour.all", places.neighbour, tasks=every_task)
    far_person = make_person(
        places.far, full_name="Bùi Thị Bímật", id_number="046999888777", phone="0912345678"
    )
    far_request = AccountRequest.objects.create(
        requested_by=far_user,
        full_name="Tran Yeucau Bimat",
        phone="0987654321",
        task=Task.POLICE,
        jurisdiction=places.far,
    )
    far_token, _secret = ApiToken.issue(far_user, "far token")
    far_declaration = make_declaration(far_person, places.far)
    log(far_user, Action.VIEW, far_person)
    # A re-evaluation job is seen only by the account that started it.
    far_job = Job.objects.create(kind="reevaluate_risk", created_by=far_user)
    # Exports are seen only by the account that made them.
    far_export = Job.objects.create(
        kind=EXPORT_KIND, created_by=far_user, title="x", state="done", path=__file__
    )
    # A quarantine facility of the far commune, with a bed and far_person in it.
    far_facility = Facility.objects.create(
        kind="concentrated", name="Khu Cách ly Bímật", area=places.far
    )
    quarantine.add_rooms(
        far_user, far_facility, building="B", floors=[1], rooms=[1], beds_per_room=1
    )
    far_stay = quarantine.take_in(
        far_user,
        person=far_person,
        facility=far_facility,
        start_date=datetime.date(2021, 8, 2),
        bed=Bed.objects.get(room__building__facility=far_facility),
    )
    # A registration to return to the far commune, waiting for its decision,
    # made from far_person's phone with far_person's identity (the markers).
    far_registration = Registration.objects.create(
        full_name=far_person.full_name,
        id_kind="cccd",
        id_number=far_person.id_number,
        phone=far_person.phone,
        birth_year=1990,
        gender="female",
        channel="web",
        submitter_phone=far_person.phone,
        registration_kind="return_home",
        departure_country_id="VN",
        area=places.far,
        address="99 Đường Bímật",
        arrival_date=datetime.date.today(),
        transport="car",
    )
    far = investigation_world(places, far_user, far_person)
    lodging = lodging_world(places, far_person, far_declaration, make_user, make_person)
    return SimpleNamespace(
        **vars(far),
        **vars(lodging),
        far_registration=far_registration,
        far_facility=far_facility,
        far_stay=far_stay,
        far_export=far_export,
        far_user=far_user,
        neighbour_user=neighbour_user,
        far_person=far_person,
        far_request=far_request,
        far_token=far_token,
        far_declaration=far_declaration,
        far_job=far_job,
        markers=[
            far_person.full_name,
            far_person.id_number,
            far_person.phone,
            far_user.username,
            far_user.full_name,
            far_request.full_name,
            far_request.phone,
            far_declaration.code,
            far_declaration.address,
            far_facility.name,
            far.far_case.code,
            far.far_outbreak.name,
            far.far_entry.description,
            far.far_attachment.name,
            lodging.far_establishment.name,
        ],
    )


def lodging_world(places, far_person, far_declaration, make_user, make_person):
    """A hotel of the far commune with far_person as its guest and a PMS key;
    and, in the harness user's own commune, a guest house whose reception
    account must see nothing of the commune but its own guests
    (`near_markers`: a neighbour who is nobody's guest)."""
    far_establishment = Establishment.objects.create(
        name="Khách sạn Bímật", kind="hotel", area=places.far, phone="0911222333"
    )
    far_guest = GuestStay.objects.create(
        establishment=far_establishment, person=far_person, declaration=far_declaration, room="B1"
    )
    far_pms = PmsToken.objects.create(
        establishment=far_establishment, name="PMS Bímật", prefix="bimat", key_hash="-"
    )
    near_establishment = Establishment.objects.create(
        name="Nhà nghỉ Gần", kind="guest_house", area=places.neighbour
    )
    reception = make_user(
        "reception.near",
        places.neighbour,
        tasks=[Task.ESTABLISHMENT],
        establishment=near_establishment,
    )
    neighbour = make_person(
        places.neighbour, full_name="Lê Văn Hàngxóm", id_number="046111222333", phone="0987111222"
    )
    neighbour_declaration = make_declaration(neighbour, places.neighbour)
    return SimpleNamespace(
        far_establishment=far_establishment,
        far_guest=far_guest,
        far_pms=far_pms,
        reception_user=reception,
        near_markers=[
            neighbour.full_name,
            neighbour.id_number,
            neighbour.phone,
            neighbour_declaration.code,
        ],
    )


def investigation_world(places, far_user, far_person):
    """A confirmed case of the far commune with an itinerary row, a file and a
    monitoring period, and an outbreak there."""
    from django.core.files.base import ContentFile

    outbreak = Outbreak.objects.create(
        name="Ổ dịch Bímật", area=places.far, longitude=107.6, latitude=16.4
    )
    case = Case.objects.create(
        person=far_person,
        code="BNBIMAT1",
        kind="confirmed",
        level=0,
        residence=places.far,
        detection=places.far,
        outbreak=outbreak,
    )
    entry = ItineraryEntry.objects.create(
        case=case, date=datetime.date(2021, 7, 30), description="Đi chợ Bímật"
    )
    attachment = Attachment(
        case=case, name="bimat-phieu.pdf", content_type="application/pdf", size=9
    )
    attachment.file.save("bimat.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    attachment.save()
    period = MonitoringPeriod.objects.create(
        person=far_person,
        case=case,
        kind="contact",
        start=datetime.date.today(),
        end=datetime.date.today() + datetime.timedelta(days=14),
    )
    MonitoringCheck.objects.create(period=period, date=datetime.date.today(), note="Bímật")
    return SimpleNamespace(
        far_case=case,
        far_outbreak=outbreak,
        far_entry=entry,
        far_attachment=attachment,
        far_period=period,
    )


def any_rule():
    """Risk rules are province-wide data, not scoped: their only route with an id
    (PUT) answers 404 to accounts that may not edit rules, such as a commune's."""
    rule, _created = RiskRule.objects.get_or_create(
        label="Harness rule", defaults={"facts": ["sym_fever"]}
    )
    return rule


SAMPLES = {
    "registration_id": lambda w: w.far_registration.pk,
    "registration_code": lambda w: w.far_registration.code,
    "person_id": lambda w: w.far_person.pk,
    "user_id": lambda w: w.far_user.pk,
    "request_id": lambda w: w.far_request.pk,
    "token_id": lambda w: w.far_token.pk,
    "declaration_id": lambda w: w.far_declaration.pk,
    "code": lambda w: w.far_declaration.code,
    "job_id": lambda w: w.far_job.pk,
    "export_id": lambda w: w.far_export.pk,
    "rule_id": lambda w: any_rule().pk,
    "facility_id": lambda w: w.far_facility.pk,
    "stay_id": lambda w: w.far_stay.pk,
    "case_id": lambda w: w.far_case.pk,
    "outbreak_id": lambda w: w.far_outbreak.pk,
    "entry_id": lambda w: w.far_entry.pk,
    "attachment_id": lambda w: w.far_attachment.pk,
    "period_id": lambda w: w.far_period.pk,
    "establishment_id": lambda w: w.far_establishment.pk,
    "guest_stay_id": lambda w: w.far_guest.pk,
    "pms_token_id": lambda w: w.far_pms.pk,
}


def snapshot(world):
    """Everything of the far commune that a leaking route could change."""

    def rows(qs):
        return sorted(map(repr, qs.values()))

    return (
        rows(Person.objects.filter(area=world.far_person.area)),
        rows(User.objects.filter(pk=world.far_user.pk)),
        rows(AccountRequest.objects.filter(pk=world.far_request.pk)),
        rows(ApiToken.objects.filter(user=world.far_user)),
        rows(Declaration.objects.filter(area=world.far_person.area)),
        rows(Job.objects.filter(created_by=world.far_user)),
        rows(Facility.objects.filter(pk=world.far_facility.pk)),
        rows(Bed.objects.filter(room__building__facility=world.far_facility)),
        rows(Stay.objects.filter(facility=world.far_facility)),
        rows(Registration.objects.filter(pk=world.far_registration.pk)),
        rows(Case.objects.filter(pk=world.far_case.pk)),
        rows(Outbreak.objects.filter(pk=world.far_outbreak.pk)),
        rows(ItineraryEntry.objects.filter(case=world.far_case)),
        rows(Attachment.objects.filter(case=world.far_case)),
        rows(MonitoringPeriod.objects.filter(person=world.far_person)),
        rows(MonitoringCheck.objects.filter(period__person=world.far_person)),
        rows(Establishment.objects.filter(pk=world.far_establishment.pk)),
        rows(GuestStay.objects.filter(pk=world.far_guest.pk)),
        rows(PmsToken.objects.filter(pk=world.far_pms.pk)),
        AuditEvent.objects.filter(area_path=world.far_person.area_path).count(),
    )
