"""The investigation statistics: F0/F1/F2/F3+ by area agree with the list they
open, scope, the epidemic curve, contacts per case, contacts reached in time
and the monitoring completion (vigil.investigation.stats)."""

import datetime
import json
from urllib.parse import urlsplit

import pytest
from django.http import QueryDict
from django.test import override_settings
from django.utils import timezone

from vigil.accounts.models import ApiToken, Task
from vigil.investigation import stats
from vigil.investigation.filters import CaseFilterForm
from vigil.investigation.models import Case, CaseKind, MonitoringPeriod

TODAY = timezone.localdate()


@pytest.fixture
def english(client):
    client.cookies["vigil_language"] = "en"


@pytest.fixture
def chain(make_case, places):
    """F0 (Phú Nhuận) -> two F1s -> an F2 (living in another district) -> an F3;
    a second F0 in the far district with one F1, and an unlinked contact."""
    f0 = make_case(CaseKind.CONFIRMED, confirmed_on=TODAY)
    f1a = make_case(sources=[(f0, None)])
    f1b = make_case(sources=[(f0, None)], area=places.neighbour)
    f2 = make_case(sources=[(f1a, None)], residence=places.far)
    f3 = make_case(sources=[(f2, None)])
    far0 = make_case(
        CaseKind.CONFIRMED, area=places.far, confirmed_on=TODAY - datetime.timedelta(days=3)
    )
    far1 = make_case(sources=[(far0, None)], area=places.far)
    loose = make_case(area=places.far)
    return locals()


def listed(user, url):
    """How many records the case list shows behind `url` (its own form)."""
    parts = urlsplit(url)
    assert parts.path == "/investigation/cases/"
    form = CaseFilterForm(QueryDict(parts.query), user=user)
    assert form.is_valid(), form.errors
    return form.filter_qs(Case.objects.visible_to(user)).count()


def test_it_counts_levels_by_district_and_each_number_is_its_list(chain, cdc, places):
    assert [chain[k].level for k in ("f0", "f1a", "f2", "f3", "loose")] == [0, 1, 2, 3, None]
    table = stats.by_area(cdc, places.province)
    rows = {row.key: row for row in table.rows}
    hue, other = rows[places.district.pk], rows[places.other_district.pk]
    assert [c.value for c in hue.cells] == [1, 2, 1, 1]
    # The F2 lives in the other district: it is in both rows, once in the total.
    assert [c.value for c in other.cells] == [1, 1, 1, 0]
    assert other.unknown == 1 and other.total.value == 4
    assert [c.value for c in table.totals] == [2, 3, 1, 1]
    assert table.total.value == 8 and table.unknown == 1
    for row in (hue, other):
        for cell in [*row.cells, row.total]:
            assert listed(cdc, cell.url) == cell.value
    for cell in [*table.totals, table.total]:
        assert listed(cdc, cell.url) == cell.value
    assert hue.drill == {"unit": places.district.pk}


def test_a_district_drills_down_to_its_communes(chain, cdc, places):
    table = stats.by_area(cdc, places.district)
    rows = {row.key: row for row in table.rows}
    assert [c.value for c in rows[places.commune.pk].cells] == [1, 1, 1, 1]
    assert [c.value for c in rows[places.neighbour.pk].cells] == [0, 1, 0, 0]
    assert table.total.value == 5
    assert rows[places.commune.pk].cells[1].url.endswith(f"commune={places.commune.pk}&level=1")
    for cell in [*rows[places.commune.pk].cells, *table.totals, table.total]:
        assert listed(cdc, cell.url) == cell.value


def test_a_commune_user_counts_only_their_records(chain, make_user, places):
    station = make_user("tyt.phunhuan", places.commune, tasks=[Task.HEALTH_STATION])
    table = stats.by_area(station, stats.table_unit(station))
    assert [row.key for row in table.rows] == [places.commune.pk]
    assert [c.value for c in table.totals] == [1, 1, 1, 1]
    assert stats.table_unit(station, places.district.pk) is None
    assert stats.table_unit(station, places.far.pk) is None
    totals = stats.level_totals(station)
    assert [totals[k].value for k in ("0", "1", "2", "3+")] == [1, 1, 1, 1]


def test_the_epidemic_curve_counts_confirmed_cases_per_day(make_case, cdc, places):
    make_case(CaseKind.CONFIRMED, confirmed_on=TODAY)
    make_case(CaseKind.CONFIRMED, confirmed_on=TODAY)
    make_case(CaseKind.CONFIRMED, confirmed_on=TODAY - datetime.timedelta(days=2))
    old = make_case(CaseKind.CONFIRMED, confirmed_on=TODAY - datetime.timedelta(days=40))
    undated = make_case(CaseKind.CONFIRMED)
    Case.objects.filter(pk=undated.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    make_case(area=places.commune)  # a contact: not on the curve
    start, end = stats.default_range()
    curve = dict(stats.epidemic_curve(cdc, start, end))
    assert len(curve) == stats.CURVE_DAYS
    assert curve[TODAY].value == 2
    assert curve[TODAY - datetime.timedelta(days=1)].value == 1
    assert curve[TODAY - datetime.timedelta(days=2)].value == 1
    assert sum(c.value for c in curve.values()) == 4
    wide = dict(stats.epidemic_curve(cdc, TODAY - datetime.timedelta(days=45), TODAY))
    assert wide[old.confirmed_on].value == 1
    assert stats.new_cases(cdc).value == 4


def test_each_day_of_the_curve_opens_the_cases_it_counts(client, make_case, cdc):
    make_case(CaseKind.CONFIRMED, confirmed_on=TODAY)
    make_case(CaseKind.CONFIRMED, confirmed_on=TODAY)
    make_case(CaseKind.CONFIRMED, confirmed_on=TODAY - datetime.timedelta(days=2))
    client.force_login(cdc)
    start, end = stats.default_range()
    for day, cell in stats.epidemic_curve(cdc, start, end):
        assert cell.url, day
        page = client.get(cell.url).content.decode()
        assert page.count('class="case-row"') == cell.value, (day, cell.url)
    new = stats.new_cases(cdc)
    assert client.get(new.url).content.decode().count('class="case-row"') == new.value == 3


def test_contacts_per_case_and_their_distribution(chain, cdc):
    figures = stats.contacts_per_case(cdc)
    # f0 has two direct contacts, far0 one.
    assert figures["cases"] == 2 and figures["contacts"] == 3
    assert figures["mean"] == 1.5
    assert {k: n for k, _l, n in figures["buckets"]} == {"0": 0, "1-5": 2, "6-20": 0, "21+": 0}


@override_settings(VIGIL_CONTACT_REACHED_HOURS=24)
def test_a_contact_is_reached_when_investigated_by_the_next_day(make_case, cdc):
    recorded = timezone.now() - datetime.timedelta(days=5)
    day = timezone.localtime(recorded).date()
    in_time = make_case(investigation_date=day)
    next_day = make_case(investigation_date=day + datetime.timedelta(days=1))
    late = make_case(investigation_date=day + datetime.timedelta(days=3))
    never = make_case()
    Case.objects.filter(pk__in=[in_time.pk, next_day.pk, late.pk, never.pk]).update(
        created_at=recorded
    )
    figures = stats.contacts_reached(cdc)
    assert (figures["total"], figures["reached"], figures["share"]) == (4, 2, 50)
    with override_settings(VIGIL_CONTACT_REACHED_HOURS=0):
        assert stats.contacts_reached(cdc)["reached"] == 1


def test_monitoring_completion_counts_completed_out_of_ended(make_case, cdc):
    people = [make_case().person for _n in range(4)]
    MonitoringPeriod.objects.filter(person__in=people).delete()
    for person, status in zip(people, ["active", "completed", "completed", "lost"], strict=True):
        MonitoringPeriod.objects.create(
            person=person, kind="contact", start=TODAY, end=TODAY, status=status
        )
    figures = stats.monitoring_figures(cdc)
    assert (figures["active"], figures["completed"], figures["lost"]) == (1, 2, 1)
    assert figures["completion"] == 67


def test_the_page_shows_the_figures_and_refuses_a_unit_outside_scope(
    chain, cdc, make_user, places, login, english
):
    response = login(cdc).get("/investigation/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="by-area"' in html and "chart-curve" in html
    assert f'data-key="{places.district.pk}"' in html
    drilled = login(cdc).get(f"/investigation/stats/?unit={places.district.pk}")
    assert f'data-key="{places.commune.pk}"' in drilled.content.decode()
    station = make_user("tyt.phunhuan", places.commune, tasks=[Task.HEALTH_STATION])
    assert login(station).get(f"/investigation/stats/?unit={places.far.pk}").status_code == 404
    assert login(station).get("/investigation/stats/?date_from=x").status_code == 200
    police = make_user("police.phunhuan", places.commune, tasks=[Task.POLICE])
    assert login(police).get("/investigation/stats/").status_code == 403


def test_the_dashboard_card_shows_levels_to_who_reads_cases(chain, cdc, make_user, places, login):
    html = login(cdc).get("/reports/dashboard/").content.decode()
    assert 'id="investigation-card"' in html
    assert 'data-level="F1"' in html
    police = make_user("police.phunhuan", places.commune, tasks=[Task.POLICE])
    html = login(police).get("/reports/dashboard/").content.decode()
    assert "investigation-card" not in html


def test_the_api_gives_the_same_figures(chain, cdc, client, make_user, places):
    token = ApiToken.issue(cdc, "test")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.get("/api/v1/investigation/stats", **auth)
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["totals"] == {"f0": 2, "f1": 3, "f2": 1, "f3_plus": 1}
    assert body["total"] == 8
    hue = next(a for a in body["areas"] if a["unit_id"] == places.district.pk)
    assert hue["levels"] == {"f0": 1, "f1": 2, "f2": 1, "f3_plus": 1}
    assert body["contacts_per_case"]["mean"] == 1.5
    assert len(body["curve"]) == stats.CURVE_DAYS
    station = make_user("tyt.phunhuan", places.commune, tasks=[Task.HEALTH_STATION])
    token = ApiToken.issue(station, "test")[1]
    outside = client.get(
        f"/api/v1/investigation/stats?unit_id={places.far.pk}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert outside.status_code == 404
    backwards = client.get(
        "/api/v1/investigation/stats?date_from=2021-05-02&date_to=2021-05-01", **auth
    )
    assert backwards.status_code == 422
