"""Demo data: an account per task group at province, district and two communes,
a few thousand synthetic people and declarations for a third of them. Safe to
run again: it adds what is missing and changes nothing that exists."""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from vigil.accounts.models import Task, User
from vigil.areas.models import AdminUnit, Country, Level
from vigil.core.text import fold
from vigil.declarations import questions
from vigil.declarations.models import Channel, Declaration
from vigil.declarations.services import IDENTITY_FIELDS, submit_declaration
from vigil.demo.accounts import DEMO_PASSWORD, demo_accounts, demo_units
from vigil.demo.investigation import seed_investigation
from vigil.demo.journeys import Journeys
from vigil.demo.lodging import seed_lodging
from vigil.people.models import Person
from vigil.people.synthetic import people
from vigil.quarantine import services as quarantine
from vigil.quarantine.models import Facility
from vigil.testing import services as testing
from vigil.triage.models import EpidemicArea

DEMO_SCHOOL = "Đại học Huế"
KINDS = ["return_home"] * 8 + ["student", "medical", "work"]
# The demo's concentrated quarantine area, as README.md describes it: building
# A, floors 1 to 4, rooms 1 to 5 of each, 4 beds a room (20 rooms, 80 beds).
FACILITY_FLOORS = range(1, 5)
FACILITY_ROOMS = range(1, 6)
FACILITY_BEDS_PER_ROOM = 4
CHECKPOINTS = ("Chốt Phong Điền", "Chốt hầm Hải Vân", "Ga Huế", "Cảng hàng không Phú Bài")
# Why the demo's paper forms were used (§II.12), weighted; "" for the few
# typed in before the reason was asked (the statistics' "not recorded").
PAPER_REASONS = (
    ["elderly_child"] * 4
    + ["no_smartphone"] * 3
    + ["no_network"] * 2
    + [
        "checkpoint",
        "other",
        "",
    ]
)


class Command(BaseCommand):
    help = "Create the demo accounts and synthetic people (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=3000)

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        # One Argon2 hash for all demo accounts: hashing is slow by design and
        # the password is the same anyway.
        password_hash = make_password(DEMO_PASSWORD)
        for username, task, unit in demo_accounts():
            if User.objects.filter(username=username).exists():
                continue
            user = User(
                username=username,
                full_name=f"Demo {Task(task).label} – {unit.name}",
                tasks=[task],
                jurisdiction=unit,
                # The school whose students the demo declarations name.
                unit_name=DEMO_SCHOOL if task == Task.SCHOOL else "",
            )
            user.password = password_hash
            user.save()
            created += 1
        made = self.seed_people(options["people"])
        declared = self.seed_declarations()
        stays = self.seed_quarantine()
        self.seed_handoffs()
        cases = seed_investigation()
        guests = seed_lodging()
        self.stdout.write(
            f"Demo data: {created} accounts, {made} people, {declared} declarations, "
            f"{stays} quarantine stays, {cases} case records and {guests} guest stays added."
        )

    def seed_people(self, count):
        if Person.objects.exists():
            return 0
        province, district, communes = demo_units()
        everywhere = list(
            AdminUnit.objects.active_tree().under(province).filter(level=Level.COMMUNE)
        )
        rng = random.Random(46)
        rows = []
        for fields in people(count, seed=2021):
            # Half in the two demo communes so that their accounts see a full list.
            area = rng.choice(communes) if rng.random() < 0.5 else rng.choice(everywhere)
            rows.append(
                Person(
                    area=area, area_path=area.path, search_key=fold(fields["full_name"]), **fields
                )
            )
        Person.objects.bulk_create(rows, batch_size=1000)
        return len(rows)

    def seed_quarantine(self, count=24):
        """A concentrated quarantine area in the first demo commune, its manager
        account, and some of the red and orange arrivals taken in, with tests."""
        if Facility.objects.exists():
            return 0
        _province, _district, communes = demo_units()
        facility = Facility.objects.create(
            kind="concentrated", name="Khu cách ly tập trung Trường Quân sự tỉnh", area=communes[0]
        )
        quarantine.add_rooms(
            None,
            facility,
            building="A",
            floors=FACILITY_FLOORS,
            rooms=FACILITY_ROOMS,
            beds_per_room=FACILITY_BEDS_PER_ROOM,
        )
        User.objects.filter(tasks__icontains='"facility"', jurisdiction=communes[0]).update(
            facility=facility
        )
        beds = list(quarantine.free_beds(facility).order_by("pk")[:count])
        flagged = (
            Declaration.objects.filter(risk_level__gte=2)
            .select_related("person")
            .order_by("created_at")[: len(beds)]
        )
        today = timezone.localdate()
        stays = 0
        for bed, declaration in zip(beds, flagged, strict=False):
            start = min(declaration.arrival_date, today)
            quarantine.take_in(
                None, person=declaration.person, facility=facility, start_date=start, bed=bed,
                declaration=declaration,
            )  # fmt: skip
            testing.add_results(None, declaration.person, [{
                "sample_date": start, "test_date": start, "test_type": "pcr",
                "result": "negative", "batch_code": "DEMO-1", "test_id": f"XN{stays:04d}",
            }])  # fmt: skip
            stays += 1
        return stays

    def seed_handoffs(self, count=4):
        """Something on each hand-off worklist: registrations to return waiting
        for the demo communes' approval, and CDC decisions "concentrated
        quarantine" not yet taken in (R-V6, R-H1)."""
        from vigil.triage.services import medical_verify
        from vigil.verification.models import Registration
        from vigil.verification.registrations import submit_registration

        if Registration.objects.exists():
            return
        _province, district, communes = demo_units()
        today = timezone.localdate()
        rng = random.Random(10)
        journey = Journeys(rng)
        for n, fields in enumerate(people(count, seed=77)):
            area = communes[n % len(communes)]
            values = {name: fields.get(name) for name in IDENTITY_FIELDS if name in fields}
            values.update(
                registration_kind="return_home",
                departure_country=Country.objects.get(pk="VN"),
                area=area,
                address=fields.get("address") or "1 Lê Lợi",
                arrival_date=today + datetime.timedelta(days=rng.randrange(1, 10)),
                note="",
                **journey(),
            )
            submit_registration(
                values,
                channel="web",
                submitter_phone=fields["phone"],
            )
        cdc = User.objects.filter(username__startswith="cdc.", jurisdiction=district).first()
        waiting = (
            Declaration.objects.filter(medical_state="pending")
            .exclude(person__stays__isnull=False)
            .filter(area__in=communes)
            .order_by("-risk_level", "created_at")[:count]
        )
        for declaration in waiting:
            medical_verify(
                declaration,
                actor=cdc,
                version=declaration.version,
                symptoms_confirmed=True,
                surveillance="concentrated",
                start=today,
                end=today + datetime.timedelta(days=14),
                note="Demo",
            )

    def seed_declarations(self, share=0.3):
        """Declarations for some of the people, through the real service (risk
        colours, events), over the last two weeks and every channel."""
        if Declaration.objects.exists():
            return 0
        rng = random.Random(2021)
        journey = Journeys(random.Random(1545))
        today = timezone.localdate()
        EpidemicArea.objects.get_or_create(
            unit=AdminUnit.objects.active_tree().get(code="79"),  # Hồ Chí Minh City
            defaults={"start": timezone.localdate() - datetime.timedelta(days=60)},
        )
        channels = [c for c, _label in Channel.choices if c != Channel.QUARANTINE]
        count = 0
        for person in Person.objects.order_by("pk").select_related("area"):
            if rng.random() > share:
                continue
            answers = {key: rng.random() < 0.02 for key in questions.KEYS}
            channel = rng.choice(channels[:2] * 3 + channels[2:])  # mostly online
            arrival = today - datetime.timedelta(days=rng.randrange(14))
            paper = channel == Channel.PAPER
            reason = rng.choice(PAPER_REASONS) if paper else ""
            kind = rng.choice(KINDS)
            student = kind == "student"
            data = {
                "registration_kind": kind,
                "student_code": ("SV21" + (person.id_number or "0001")[-4:]) if student else "",
                "school": DEMO_SCHOOL if student else "",
                "departure_country": Country.objects.get(pk="VN"),
                "area": person.area,
                "address": person.address,
                "arrival_date": arrival,
                "paper_form_number": f"TK{count:05d}" if paper else "",
                # Filled in on arrival or soon after, typed in up to three days later.
                "paper_form_date": max(arrival, today - datetime.timedelta(rng.randrange(4)))
                if paper
                else None,
                "paper_reason": reason,
                "paper_reason_other": "Mất điện, không sạc được điện thoại"
                if reason == "other"
                else "",
                **journey(),
                "checkpoint": rng.choice(CHECKPOINTS) if channel == Channel.CHECKPOINT else "",
                **answers,
            }
            identity = {f: getattr(person, f) for f in IDENTITY_FIELDS}
            submit_declaration(
                identity, data, channel=channel, submitter_phone=person.phone, is_proxy=False
            )
            count += 1
        return count
