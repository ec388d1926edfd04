"""Demo data of the accommodation establishments (issue 14): five hotels,
guest houses and homestays in the two demo wards, the `establishment.*`
demo accounts bound to them, and their guests, in house and checked out.

Everything goes through the services (vigil.lodging.catalogue, services):
events, audit rows and scopes are those of real use. Most guests have a
demo declaration linked (those of the "establishment" channel first), some
have none (the police view's "undeclared"), one guest sleeps in two
establishments the same night, and one establishment has been open without
a guest for six days. Deterministic: a seeded random and times relative to now.
"""

import datetime
import random

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from vigil.accounts.models import User
from vigil.areas.models import AdminUnit, Level
from vigil.declarations.models import Channel, Declaration
from vigil.lodging import catalogue, services
from vigil.lodging.models import Establishment, GuestStay
from vigil.people.models import Person

from .accounts import demo_units, slug

# (commune index, name, kind, licence, address, rooms, phone, guests in house,
# guests checked out, without a declaration)
ESTABLISHMENTS = (
    (0, "Khách sạn Hương Giang", "hotel", "GP-TTH-0117", "51 Lê Lợi", 40, "0234 3822 122",
     8, 5, 2),
    (0, "Nhà nghỉ Hoa Hồng", "guest_house", "GP-TTH-0342", "14 Nguyễn Huệ", 12, "0905 214 310",
     4, 3, 1),
    (1, "Khách sạn Sông Hương", "hotel", "GP-TTH-0208", "7 Hùng Vương", 25, "0234 3833 456",
     6, 4, 2),
    (1, "Homestay Bên Sông", "homestay", "", "22 Trương Định", 5, "0914 556 778",
     3, 2, 0),
    # Open, but no guest registered for six days (the police view's "silent").
    (0, "Homestay Vườn Xưa", "homestay", "", "9 Phan Đình Phùng", 4, "0935 100 200",
     0, 1, 0),
)  # fmt: skip
SILENT_DAYS = 6
ROOMS = ("101", "102", "103", "201", "202", "203", "301", "302")


def _police(district, communes):
    return (
        User.objects.filter(username__startswith="police.", jurisdiction=district).first()
        or User.objects.filter(username__startswith="police.", jurisdiction=communes[0]).first()
    )


def _place(commune):
    village = AdminUnit.objects.filter(parent=commune, level=Level.VILLAGE).order_by("code").first()
    return {"area": commune, "village": village}


def _declarations():
    """Demo declarations to link, of people not staying anywhere yet: the
    "establishment" channel first (they come from a reception), then the
    others, oldest first."""
    return list(
        Declaration.objects.filter(person__guest_stays__isnull=True)
        .annotate(
            first=Case(
                When(channel=Channel.ESTABLISHMENT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("first", "pk")
        .select_related("person")[:80]
    )


def _undeclared():
    return list(Person.objects.filter(declarations__isnull=True).order_by("pk")[:20])


class Seeder:
    def __init__(self):
        _province, self.district, self.communes = demo_units()
        self.now = timezone.now()
        self.rng = random.Random(14)
        self.actor = _police(self.district, self.communes)
        self.declarations = _declarations()
        self.undeclared = _undeclared()

    def establishments(self):
        made = []
        for commune, name, kind, licence, address, rooms, phone, *_ in ESTABLISHMENTS:
            values = {
                "name": name,
                "kind": kind,
                "licence_number": licence,
                "address": address,
                "rooms": rooms,
                "phone": phone,
                "status": "open",
                **_place(self.communes[commune % len(self.communes)]),
            }
            made.append(catalogue.create_establishment(self.actor, values))
        # Registered in the catalogue a month ago.
        Establishment.objects.filter(pk__in=[e.pk for e in made]).update(
            created_at=self.now - datetime.timedelta(days=30)
        )
        return made

    def bind_accounts(self, made):
        """establishment.<commune> works at the first establishment of its
        commune; the district's and the province's at the others."""
        by_commune = {}
        for establishment in made:
            by_commune.setdefault(establishment.area_id, establishment)
        others = [e for e in made if e not in by_commune.values()]
        wanted = {f"establishment.{slug(c)}": by_commune.get(c.pk) for c in self.communes}
        wanted["establishment.huyen"] = others[0] if others else None
        wanted["establishment.tinh"] = others[1] if len(others) > 1 else None
        receptions = {}
        for username, establishment in wanted.items():
            user = User.objects.filter(username=username, tasks__icontains='"establishment"')
            user = user.first()
            if user is None or establishment is None:
                continue
            user.establishment = establishment
            user.save()
            receptions[establishment.pk] = user
        return receptions

    def _guest(self, n_declared):
        if n_declared and self.declarations:
            declaration = self.declarations.pop(0)
            return {"declaration": declaration}
        return {"person": self.undeclared.pop(0)} if self.undeclared else None

    def _check_in(self, actor, establishment, guest, room, days_ago):
        at = self.now - datetime.timedelta(days=days_ago, hours=self.rng.randrange(1, 10))
        planned = timezone.localdate(at) + datetime.timedelta(days=self.rng.randrange(1, 5))
        return services.check_in(
            actor, establishment, room=room, at=at, planned_check_out=planned, **guest
        ).stay

    def guests(self, made, receptions):
        count = 0
        for establishment, row in zip(made, ESTABLISHMENTS, strict=True):
            in_house, out, undeclared = row[-3:]
            actor = receptions.get(establishment.pk) or self.actor
            for n in range(in_house + out):
                guest = self._guest(n_declared=n >= undeclared)
                if guest is None:
                    continue
                leaving = n >= in_house
                days = (SILENT_DAYS + 2 + n) if in_house == 0 else self.rng.randrange(0, 4)
                if leaving:
                    days += 3
                stay = self._check_in(actor, establishment, guest, ROOMS[n % len(ROOMS)], days)
                if leaving:
                    gone = stay.check_in + datetime.timedelta(days=self.rng.randrange(1, 3))
                    services.check_out(stay, actor=actor, version=stay.version, at=gone)
                count += 1
        return count + self.two_places(made, receptions)

    def two_places(self, made, receptions):
        """One guest checked in at two establishments the same night."""
        first, second = made[0], made[2 % len(made)]
        stay = GuestStay.objects.filter(establishment=first, check_out__isnull=True).first()
        if stay is None or first == second:
            return 0
        actor = receptions.get(second.pk) or self.actor
        services.check_in(
            actor,
            second,
            person=stay.person,
            declaration=stay.declaration,
            room="305",
            at=min(stay.check_in + datetime.timedelta(hours=2), self.now),
        )
        return 1


def seed_lodging():
    """The demo's establishments and guests; the number of guest stays
    added (0 when the demo has establishments already)."""
    if Establishment.objects.exists():
        return 0
    seeder = Seeder()
    if seeder.actor is None or not seeder.communes:
        return 0
    made = seeder.establishments()
    receptions = seeder.bind_accounts(made)
    return seeder.guests(made, receptions)
