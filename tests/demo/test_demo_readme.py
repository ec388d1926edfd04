"""The demo is what README.md says it is (issue #16, "demo truthfulness"), and
its journeys are plausible: departures name a commune (so its district and
province), transport numbers fit the means of transport, paper forms say why
paper was used."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from vigil.accounts.models import Task, User
from vigil.areas.models import Level
from vigil.declarations.models import Channel, Declaration
from vigil.demo.management.commands.seed_demo import Command as SeedDemo
from vigil.investigation.models import Case
from vigil.lodging.models import Establishment
from vigil.people.models import Person
from vigil.quarantine.models import Bed, Facility, Room, Stay

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
# What each means of transport's number looks like ("" where none is written).
NUMBER = {
    "plane": r"(VN|VJ|QH|BL) \d{3,4}",
    "train": r"SE\d{1,2}",
    "coach": r"\d{2}B-\d{3}\.\d{2}",
    "car": r"(\d{2}A-\d{3}\.\d{2})?",
    "motorbike": r"(\d{2}-H\d \d{3}\.\d{2})?",
}
WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def _said(pattern):
    found = re.search(pattern, " ".join(README.split()))
    assert found, f"README.md no longer says {pattern!r}"
    return [int(g.replace(",", "")) if g[0].isdigit() else WORDS[g.lower()] for g in found.groups()]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo as `make run` loads it (the README's numbers are of the
    default size), once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


def test_the_facility_has_the_rooms_beds_and_people_the_readme_says(demo, db):
    rooms, beds, held = _said(
        r"one building, (\d+) rooms, (\d+) beds\) holding (\d+) of the red and orange"
    )
    (facility,) = Facility.objects.all()
    assert facility.area.name == "Phường Vĩnh Ninh"
    assert Room.objects.filter(building__facility=facility).count() == rooms
    assert Bed.objects.filter(room__building__facility=facility).count() == beds
    stays = Stay.objects.filter(facility=facility).select_related("declaration")
    assert stays.count() == held
    assert all(s.declaration.risk_level >= 2 for s in stays)  # red and orange


def test_the_people_chain_establishments_and_accounts_are_as_the_readme_says(demo, db):
    (people,) = _said(r"holds ([\d,]+) synthetic people")
    parser = SeedDemo().create_parser("manage.py", "seed_demo")
    assert parser.parse_args([]).people == people
    (chain,) = _said(r"a chain of (\d+) people over four generations")
    assert Case.objects.count() == chain
    assert Case.objects.filter(code="BN1981").exists()
    (establishments,) = _said(r"(\w+) accommodation establishments")
    assert Establishment.objects.count() == establishments
    # One row of the logins table per task group, four places each.
    rows = re.findall(r"^\| [^|]+ \| `(\w+)\.tinh`", README, re.M)
    assert sorted(rows) == sorted(Task.values)
    assert User.objects.count() == 4 * len(Task.values)
    (declared,) = _said(r"declarations for about (\d+) of them")
    assert abs(Declaration.objects.count() - declared) <= declared // 20
    in_wards = Person.objects.filter(area__name__in=["Phường Vĩnh Ninh", "Phường Phú Nhuận"])
    assert 0.45 < in_wards.count() / people < 0.6  # "half of them in the two demo wards"
    # "police.huyen watches all five and police.phunhuan the two of its ward"
    watch = {"police.huyen": establishments, "police.phunhuan": 2}
    for username, count in watch.items():
        user = User.objects.get(username=username)
        assert Establishment.objects.visible_to(user).count() == count


def test_departures_name_a_commune_and_transport_numbers_fit_the_mode(demo, db):
    declarations = Declaration.objects.select_related("departure_unit__parent__parent")
    assert declarations.count() > 50
    for declaration in declarations:
        unit = declaration.departure_unit
        assert unit.level == Level.COMMUNE, declaration.code
        assert unit.parent.level == Level.DISTRICT and unit.parent.parent.level == Level.PROVINCE
        assert not unit.path.startswith("46/"), "an arrival from the home province itself"
        pattern = NUMBER[declaration.transport]
        assert re.fullmatch(pattern, declaration.transport_number), (
            declaration.transport,
            declaration.transport_number,
        )
        if declaration.registration_kind != "student":
            assert (declaration.student_code, declaration.school) == ("", "")
    # Every mode is there, and a coach's plate is of its departure province's series.
    modes = set(declarations.values_list("transport", flat=True))
    assert {"plane", "train", "coach", "car"} <= modes


def test_registrations_to_return_name_a_commune_too(demo, db):
    from vigil.verification.models import Registration

    registrations = Registration.objects.select_related("departure_unit")
    assert registrations.count() == 4
    for registration in registrations:
        assert registration.departure_unit.level == Level.COMMUNE
        assert re.fullmatch(NUMBER[registration.transport], registration.transport_number)


def test_most_demo_paper_forms_say_why_paper_was_used(demo, db):
    paper = Declaration.objects.filter(channel=Channel.PAPER)
    reasons = dict(paper.values_list("paper_reason").annotate(n=Count("id")))
    assert paper.count() > 5
    # A few typed in before the reason was asked: "not recorded" in the statistics.
    assert reasons.get("", 0) < paper.count() / 4
    assert len([r for r in reasons if r]) >= 3
    assert not paper.filter(paper_form_date__isnull=True).exists()
    for declaration in paper.filter(paper_reason="other"):
        assert declaration.paper_reason_other
