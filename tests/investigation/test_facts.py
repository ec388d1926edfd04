"""The "outbreak_visit" fact: itineraries and departure communes matched with
active outbreaks, set-based, and picked up by the re-evaluation."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vigil.declarations.models import Declaration
from vigil.investigation import outbreaks
from vigil.investigation.facts import outbreak_visits
from vigil.investigation.models import CaseKind, ItineraryEntry
from vigil.triage import services as triage
from vigil.triage.engine import provided_facts
from vigil.triage.models import RiskRule

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def declare(person, places, departure=None, arrival=TODAY):
    return Declaration.objects.create(
        person=person,
        registration_kind="return_home",
        departure_country_id="VN",
        departure_unit=departure,
        area=places.commune,
        address="1 Lê Lợi",
        transport="car",
        arrival_date=arrival,
        channel="web",
        submitter_phone=person.phone,
    )


def outbreak_in(cdc, commune, opened, closed=None):
    return outbreaks.create_outbreak(
        cdc,
        {
            "name": f"Ổ dịch {commune.name}",
            "area": commune,
            "opened_on": opened,
            "status": "closed" if closed else "active",
            "closed_on": closed,
        },
    )


def test_departure_from_a_commune_with_an_active_outbreak(cdc, places, make_person):
    outbreak_in(cdc, places.neighbour, TODAY - 5 * DAY)
    came = declare(make_person(places.commune), places, departure=places.neighbour)
    elsewhere = declare(make_person(places.commune), places, departure=places.far)
    district = declare(make_person(places.commune), places, departure=places.district)
    before = declare(
        make_person(places.commune), places, departure=places.neighbour, arrival=TODAY - 6 * DAY
    )
    assert outbreak_visits([came, elsewhere, district, before]) == {came.pk}


def test_a_closed_outbreak_counts_only_while_it_was_open(cdc, places, make_person):
    outbreak_in(cdc, places.neighbour, TODAY - 20 * DAY, closed=TODAY - 10 * DAY)
    late = declare(make_person(places.commune), places, departure=places.neighbour)
    early = declare(
        make_person(places.commune), places, departure=places.neighbour, arrival=TODAY - 12 * DAY
    )
    assert outbreak_visits([late, early]) == {early.pk}


def test_an_itinerary_row_at_an_outbreak_or_in_its_commune(cdc, places, make_person, make_case):
    market = outbreak_in(cdc, places.far, TODAY - 30 * DAY)
    at_outbreak, in_commune, too_early, unrelated = (make_case(CaseKind.CONFIRMED) for _ in "abcd")
    ItineraryEntry.objects.create(
        case=at_outbreak, date=TODAY - 3 * DAY, description="Chợ", outbreak=market
    )
    ItineraryEntry.objects.create(
        case=in_commune, date=TODAY - 14 * DAY, description="Ăn cưới", place=places.far
    )
    ItineraryEntry.objects.create(
        case=too_early, date=TODAY - 15 * DAY, description="Chợ", outbreak=market
    )
    ItineraryEntry.objects.create(
        case=unrelated, date=TODAY - 2 * DAY, description="Nhà", place=places.neighbour
    )
    declarations = [
        declare(c.person, places) for c in (at_outbreak, in_commune, too_early, unrelated)
    ]
    assert outbreak_visits(declarations) == {declarations[0].pk, declarations[1].pk}


def test_it_is_set_based(cdc, places, make_person):
    outbreak_in(cdc, places.neighbour, TODAY - 5 * DAY)
    declarations = [
        declare(make_person(places.commune), places, departure=places.neighbour) for _ in range(30)
    ]
    with CaptureQueriesContext(connection) as queries:
        held = outbreak_visits(declarations)
    assert len(held) == 30
    assert len(queries) <= 3


def test_the_engine_collects_the_fact(cdc, places, make_person):
    outbreak_in(cdc, places.neighbour, TODAY - 5 * DAY)
    came = declare(make_person(places.commune), places, departure=places.neighbour)
    assert "outbreak_visit" in provided_facts([came])[came.pk]


def test_reevaluation_picks_up_a_new_outbreak(cdc, places, make_person):
    RiskRule.objects.create(label="Qua ổ dịch", facts=["outbreak_visit"], weight=0, min_level=2)
    came = declare(make_person(places.commune), places, departure=places.neighbour)
    triage.start_reevaluation(cdc)
    came.refresh_from_db()
    assert came.risk_colour == "green"
    outbreak_in(cdc, places.neighbour, TODAY - 2 * DAY)
    triage.start_reevaluation(cdc)
    came.refresh_from_db()
    assert came.risk_colour == "orange"
    assert "Qua ổ dịch" in came.risk_reasons
