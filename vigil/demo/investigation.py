"""Demo data of the epidemiological investigation (issue 13): two outbreaks in
the demo wards and a chain of 40 people over four generations (F0 to F3),
with itineraries, positive tests, monitoring periods and their daily checks,
so that every investigation screen has content.

Everything goes through the services (vigil.investigation.services,
outbreaks, itinerary, monitoring; vigil.testing.services): events, audit
rows and levels are those of real use. Only the timestamps of the records are
moved back afterwards, to spread them over the last two weeks as a real
tracing would. Deterministic: a seeded random and fixed dates relative to today.
"""

import datetime
import random
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from vigil.accounts.models import User
from vigil.areas.models import AdminUnit, Level
from vigil.investigation import itinerary, monitoring, outbreaks, services
from vigil.investigation.models import Case, CaseKind, Classification, Outbreak
from vigil.people.models import Person
from vigil.people.services import insert_person
from vigil.testing import services as testing

from .accounts import demo_units

# (name, address, latitude, longitude): in Huế's centre, inside the province's box.
OUTBREAKS = (
    ("Ổ dịch chợ Bến Ngự", "Chợ Bến Ngự, đường Phan Đình Phùng", "16.457900", "107.589600"),
    ("Ổ dịch quán cà phê Hai Bà Trưng", "24 Hai Bà Trưng", "16.463100", "107.592500"),
)
# Per confirmed case: (code, outbreak index, days ago confirmed, F1s, F2s under
# each of the first two F1s, F3s under the first F2). 4 + 14 + 16 + 6 = 40.
CHAIN = (
    ("BN1981", 0, 12, 4, 2, 2),
    ("BN1982", 0, 9, 3, 2, 1),
    ("BN1990", 1, 6, 4, 2, 2),
    ("BN1991", 1, 3, 3, 2, 1),
)
CONTACT_TYPES = ("household", "workplace", "community", "outbreak_place", "vehicle")
PLACES = (
    "Đi chợ Bến Ngự",
    "Ăn sáng tại quán bún bò đường Nguyễn Công Trứ",
    "Làm việc tại văn phòng công ty",
    "Uống cà phê với bạn tại quán đường Hai Bà Trưng",
    "Đi lễ chùa Từ Đàm",
    "Khám bệnh tại Bệnh viện Trung ương Huế",
)


class Seeder:
    def __init__(self):
        _province, district, self.communes = demo_units()
        self.today = timezone.localdate()
        self.rng = random.Random(1981)
        self.actor = (
            User.objects.filter(username__startswith="cdc.", jurisdiction=district).first()
            or User.objects.filter(username__startswith="cdc.").order_by("pk").first()
        )
        has_case = Case.objects.filter(person=OuterRef("pk"))
        self.people = self.free_people(has_case)
        self.made = []  # (case, day recorded)

    def free_people(self, has_case):
        """The demo's people with no case record, then (a small demo, such as
        `seed_demo --people 60`) new people of the demo wards."""
        yield from (
            Person.objects.filter(area__in=self.communes).exclude(Exists(has_case)).order_by("pk")
        )
        for n in range(1, 10**4):
            yield insert_person(
                Person(
                    full_name=f"Người Truy Vết {n}",
                    id_number=f"04619{n:07d}",
                    id_kind="cccd",
                    phone=f"0935{n:06d}",
                    birth_year=1960 + n % 50,
                    gender="female" if n % 2 else "male",
                    area=self.communes[n % len(self.communes)],
                )
            ) or Person.objects.get(id_number=f"04619{n:07d}")

    def day(self, days_ago):
        return self.today - datetime.timedelta(days=max(days_ago, 0))

    def outbreak(self, n):
        name, address, lat, lon = OUTBREAKS[n]
        commune = self.communes[n % len(self.communes)]
        village = AdminUnit.objects.filter(parent=commune, level=Level.VILLAGE).order_by("path")
        fields = {
            "name": name, "area": commune, "village": village.first(), "address": address,
            "latitude": Decimal(lat), "longitude": Decimal(lon), "status": "active",
            "opened_on": self.day(14),
        }  # fmt: skip
        return outbreaks.create_outbreak(self.actor, fields)

    def case(self, kind, outbreak, recorded, sources=(), tested=False, **fields):
        person = next(self.people)
        values = {
            "residence": person.area, "detection": person.area, "outbreak": outbreak,
            "residence_street": person.address, **fields,
        }  # fmt: skip
        if kind == CaseKind.CONTACT:
            values.setdefault("contact_type", self.rng.choice(CONTACT_TYPES))
            # Most contacts investigated the day they were recorded, some a few
            # days later, a few not yet: the "reached in 24 hours" figure.
            delay = self.rng.choice([0, 0, 0, 1, 2, None])
            if delay is not None:
                values["investigation_date"] = min(recorded + datetime.timedelta(delay), self.today)
        if kind == CaseKind.CONFIRMED and tested:
            # The real way in: a positive result, then "open F0 case" from it.
            self.positive(person, values["confirmed_on"] - datetime.timedelta(1), values["code"])
            case = services.open_case_from_positive(self.actor, person, fields=values)
        else:
            case = services.create_case(
                self.actor, person=person, kind=kind, fields=values, sources=sources
            )
        self.made.append((case, recorded))
        return case

    def contacts(self, source, outbreak, count, contact_day):
        out = []
        for _n in range(count):
            met = min(contact_day - datetime.timedelta(self.rng.randrange(0, 2)), self.today)
            recorded = min(met + datetime.timedelta(1), self.today)
            out.append(self.case(CaseKind.CONTACT, outbreak, recorded, sources=[(source, met)]))
        return out, recorded

    def chain(self, places):
        for code, n, days_ago, f1s, f2s, f3s in CHAIN:
            confirmed = self.day(days_ago)
            f0 = self.case(
                CaseKind.CONFIRMED, places[n], confirmed, code=code,
                classification=self.rng.choice([Classification.COMMUNITY, Classification.IMPORTED]),
                onset_date=confirmed - datetime.timedelta(2), confirmed_on=confirmed,
                investigation_date=confirmed,
                # BN1991's test is missing: one finding on the chain checks.
                tested=code != "BN1991",
            )  # fmt: skip
            self.itinerary(f0, places[n], confirmed)
            level1, day1 = self.contacts(f0, places[n], f1s, confirmed - datetime.timedelta(1))
            for f1 in level1[:2]:
                level2, day2 = self.contacts(f1, places[n], f2s, day1 + datetime.timedelta(1))
                if f1 is level1[0]:
                    self.contacts(level2[0], places[n], f3s, day2 + datetime.timedelta(1))
        return self.made

    def positive(self, person, day, ref):
        row = {
            "sample_date": day, "test_date": day, "test_type": "pcr", "result": "positive",
            "batch_code": "DEMO-ĐTDT", "test_id": f"XN-{ref}",
        }  # fmt: skip
        testing.add_results(self.actor, person, [row])

    def itinerary(self, case, outbreak, confirmed):
        for back in (4, 3, 2):
            fields = {
                "date": confirmed - datetime.timedelta(back),
                "time": self.rng.choice(["6h30", "9h", "14h15", "19h"]),
                "description": self.rng.choice(PLACES),
                "outbreak": outbreak if back == 3 else None,
                "place": case.detection,
            }
            itinerary.add_entry(case, actor=self.actor, fields=fields)

    def backdate(self):
        """Each record at the day it was recorded (the services stamp "now")."""
        for case, day in self.made:
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
            Case.objects.filter(pk=case.pk, created_at__gt=moment).update(created_at=moment)

    def monitoring(self):
        """Daily checks for the contacts followed at home, one of them missed
        for three days; one period completed and one lost to follow-up."""
        periods = [
            p for p in (c.monitoring_periods.first() for c, _d in self.made if c.kind == "contact")
            if p is not None
        ]  # fmt: skip
        for n, period in enumerate(periods[:10]):
            last = self.today - datetime.timedelta(3 if n == 0 else 0)
            day = max(period.start, last - datetime.timedelta(4))
            while day <= last:
                temperature = Decimal("36.5") + Decimal(self.rng.randrange(0, 8)) / 10
                monitoring.record_check(period, actor=self.actor, date=day, temperature=temperature)
                day += datetime.timedelta(1)
        closing = [(periods[-1], "completed", ""), (periods[-2], "lost", "Chuyển đi nơi khác")]
        for period, status, note in closing:
            period.refresh_from_db()
            monitoring.close_period(
                period, actor=self.actor, version=period.version, status=status, note=note
            )


def seed_investigation():
    """Add the demo's outbreaks and chain unless there is one already.
    Returns the number of case records added."""
    if Outbreak.objects.exists() or Case.objects.exists():
        return 0
    seeder = Seeder()
    if seeder.actor is None:
        return 0
    places = [seeder.outbreak(0), seeder.outbreak(1)]
    seeder.chain(places)
    seeder.backdate()
    seeder.monitoring()
    # A contact's positive test that no one has acted on yet: CDC confirms it
    # as F0 and watches its contacts move up a level.
    f1 = next(c for c, _d in seeder.made if c.kind == "contact" and c.level == 1)
    seeder.positive(f1.person, seeder.today, "F1")
    # And a positive test of someone with no case record: "open F0 case".
    seeder.positive(next(seeder.people), seeder.today, "MOI")
    return len(seeder.made)
