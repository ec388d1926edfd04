"""Statistics of arrivals (R-S1, R-S2, R-P3) on a hand-counted fixture.

Nine declarations, counted by hand below. Every number of every table links
to the list of the declarations it counts (or to the next level of the table),
and following the link shows exactly that many.

    #  commune      village  created   channel  colour  verification   departure   vehicle
    1  Phú Nhuận    T1       01/08     web      green   pending        Hà Nội      plane VN1541
    2  Phú Nhuận    T1       02/08     paper    red     not_required   Hà Nội      car 75A-11111
    3  Phú Nhuận    T2       01/08     web      yellow  returned       Korea       plane vn1541
    4  Phú Nhuận    -        03/08     paper    green   not_required   (unknown)   car (none)
    5  Vĩnh Ninh    -        01/08     web      green   pending        Đà Nẵng     car 43A-22222
    6  Vĩnh Ninh    -        02/08     app      orange  pending        Hà Nội      plane VJ212
    7  far          -        01/08     paper    green   not_required   Hà Nội      car 75A-11111
    8  far          -        02/08     web      red     pending        Hà Nội      plane VN1541
    9  far          -        20/07     app      green   pending        Hà Nội      car 75A-99999

Period 01/08-03/08: 8 declarations; Thành phố Huế 6 (Phú Nhuận 4, Vĩnh Ninh 2),
the other district 2. Medically flagged and pending: #2 and #8.
"""

import datetime
import html
import io
import re
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.db import connection
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit, Level
from vigil.declarations.models import Declaration
from vigil.quarantine.models import Bed, Building, Facility, Room, Stay
from vigil.reports import stats
from vigil.testing.models import TestResult

PERIOD = {"date_from": "01/08/2021", "date_to": "03/08/2021"}
# The statistics pages' transaction allowing parallel workers (PostgreSQL only).
EXTRA = 3 if connection.vendor == "postgresql" else 0
LINK = re.compile(r'<a href="([^"]+)" class="stat" data-n="(\d+)">')


def village(commune, code, name):
    return AdminUnit.objects.create(
        tree=commune.tree,
        level=Level.VILLAGE,
        code=f"{commune.code}-{code}",
        name=name,
        parent=commune,
        path=f"{commune.path}{commune.code}-{code}/",
    )


def unit(code):
    return AdminUnit.objects.active_tree().get(code=code, level=Level.PROVINCE)


@pytest.fixture
def world(places, make_person):
    return build_world(places, make_person)


def build_world(places, make_person):
    t1 = village(places.commune, "T1", "Tổ 1")
    t2 = village(places.commune, "T2", "Tổ 2")
    vn_village = village(places.neighbour, "T9", "Tổ 9 Vĩnh Ninh")
    hanoi, danang = unit("01"), unit("48")
    rows = [
        # commune, village, day, channel, colour, verification, departure, transport, number
        (places.commune, t1, (8, 1), "web", "green", "pending", hanoi, "plane", "VN1541"),
        (places.commune, t1, (8, 2), "paper", "red", "not_required", hanoi, "car", "75A-11111"),
        (places.commune, t2, (8, 1), "web", "yellow", "returned", "KR", "plane", "vn1541"),
        (places.commune, None, (8, 3), "paper", "green", "not_required", None, "car", ""),
        (places.neighbour, None, (8, 1), "web", "green", "pending", danang, "car", "43A-22222"),
        (places.neighbour, None, (8, 2), "app", "orange", "pending", hanoi, "plane", "VJ212"),
        (places.far, None, (8, 1), "paper", "green", "not_required", hanoi, "car", "75A-11111"),
        (places.far, None, (8, 2), "web", "red", "pending", hanoi, "plane", "VN1541"),
        (places.far, None, (7, 20), "app", "green", "pending", hanoi, "car", "75A-99999"),
    ]
    declarations = []
    for n, (area, vil, (month, day), channel, colour, state, dep, transport, number) in enumerate(
        rows, start=1
    ):
        person = make_person(area, full_name=f"Người Thứ {n}")
        when = timezone.make_aware(datetime.datetime(2021, month, day, 9, 30))
        declarations.append(
            Declaration.objects.create(
                person=person,
                registration_kind="student" if n in (3, 6) else "return_home",
                departure_country_id=dep if isinstance(dep, str) else "VN",
                departure_unit=None if isinstance(dep, str) else dep,
                departure_place="Seoul" if dep == "KR" else "",
                area=area,
                village=vil,
                address=f"{n} Lê Lợi",
                transport=transport,
                transport_number=number,
                arrival_date=when.date(),
                channel=channel,
                risk_colour=colour,
                verification_state=state,
                medical_state="pending" if n in (2, 8) else "not_flagged",
                surveillance="home_quarantine" if n == 3 else "",
                created_at=when,
            )
        )
    return {"declarations": declarations, "t1": t1, "t2": t2, "vn_village": vn_village}


def page(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    return response.content.decode()


def links(body):
    """[(url, number)] of every linked number on a statistics page."""
    return [(html.unescape(url), int(n)) for url, n in LINK.findall(body)]


def stats_total(body):
    """The grand total of a statistics table."""
    foot = body.split('id="stats-total"', 1)[1]
    return int(re.search(r'data-n="(\d+)"', foot).group(1))


def list_total(body):
    return int(re.search(r'id="total"[^>]*>[^<]*?(\d+)</p>', body).group(1))


def row_numbers(body):
    """{row label: total} of a statistics table."""
    out = {}
    tbody = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    for row in re.findall(r"<tr data-key.*?</tr>", tbody, re.S):
        label = re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1))
        out[html.unescape(label.strip())] = int(re.search(r'data-n="(\d+)"', row).group(1))
    return out


def opened_total(client, url):
    """What the page a number links to counts: a table's total or a list's."""
    body = page(client, url)
    return stats_total(body) if urlsplit(url).path == "/reports/stats/" else list_total(body)


def check_every_number(client, url, params, depth=3):
    """Follow every linked number of a table (and of the tables it opens)."""
    body = page(client, url, params)
    found = links(body)
    for target, number in found:
        assert opened_total(client, target) == number, (url, params, target)
        if depth > 1 and urlsplit(target).path == "/reports/stats/":
            query = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
            check_every_number(client, "/reports/stats/", query, depth - 1)
    return found


# Drill-down -------------------------------------------------------------------------


def test_a_province_leader_drills_from_province_to_district_to_commune_to_the_list(
    client, leader, places, world
):
    leader(places.province)
    body = page(client, "/reports/stats/", PERIOD)
    numbers = row_numbers(body)
    assert numbers[places.district.name] == 6
    assert numbers[places.other_district.name] == 2
    assert sum(numbers.values()) == stats_total(body) == 8

    # The district's number opens the table of its communes.
    district_link = dict(links(body))
    to_district = next(u for u in district_link if f"district={places.district.pk}" in u)
    assert urlsplit(to_district).path == "/reports/stats/"
    body = page(client, to_district)
    numbers = row_numbers(body)
    assert numbers[places.commune.name] == 4
    assert numbers[places.neighbour.name] == 2
    assert stats_total(body) == 6

    # The commune's number opens the declaration list with the filters kept.
    to_list = next(u for u, _n in links(body) if f"commune={places.commune.pk}" in u)
    assert urlsplit(to_list).path == "/declarations/"
    query = parse_qs(urlsplit(to_list).query)
    assert query["date_from"] == ["01/08/2021"] and query["date_to"] == ["03/08/2021"]
    listed = page(client, to_list)
    assert list_total(listed) == 4
    assert "Người Thứ 1" in listed and "Người Thứ 5" not in listed

    # The commune's name opens the table of its villages.
    name_link = re.search(r'href="([^"]+)" class="unit-link">' + places.commune.name, body)
    villages = row_numbers(page(client, html.unescape(name_link.group(1))))
    assert villages == {"Tổ 1": 2, "Tổ 2": 1, "No village given": 1}


@pytest.mark.parametrize("rows", sorted(stats.ROW_DIMENSIONS))
def test_every_number_equals_the_length_of_the_list_it_opens(client, leader, places, world, rows):
    leader(places.province)
    found = check_every_number(client, "/reports/stats/", {**PERIOD, "rows": rows})
    assert found, "the table links no number"


@pytest.mark.parametrize("cols", ["colour", "channel", "verification"])
def test_every_cell_of_a_two_way_table_equals_its_list(client, leader, places, world, cols):
    leader(places.province)
    found = check_every_number(client, "/reports/stats/", {**PERIOD, "cols": cols})
    assert len(found) > 8


def test_the_area_by_colour_table_is_hand_counted(client, leader, places, world):
    leader(places.district)
    body = page(client, "/reports/stats/", {**PERIOD, "cols": "colour"})
    commune_row = re.search(rf'<tr data-key="{places.commune.pk}".*?</tr>', body, re.S).group(0)
    # total, green, yellow, orange, red
    assert [int(n) for n in re.findall(r'data-n="(\d+)"', commune_row)] == [4, 2, 1, 0, 1]
    red = next(
        u for u, _n in links(commune_row) if "colour=red" in u
    )  # a dimension the declaration list lacks: our own people list
    assert urlsplit(red).path == "/reports/stats/people/"
    listed = page(client, red)
    assert list_total(listed) == 1 and "Người Thứ 2" in listed


def test_flights_are_counted_without_case_and_open_their_passengers(client, leader, places, world):
    leader(places.province)
    body = page(client, "/reports/stats/vehicles/", PERIOD)
    # Flights unless another means of transport is chosen.
    assert row_numbers(body) == {"VN1541 · Plane": 3, "VJ212 · Plane": 1}  # VN1541 ×2, vn1541
    url = next(u for u, _n in links(body) if "vehicle=VN1541" in u)
    assert "transport=plane" in url
    assert list_total(page(client, url)) == 3
    numbers = row_numbers(page(client, "/reports/stats/vehicles/", {**PERIOD, "transport": ""}))
    assert numbers["75A-11111 · Car"] == 2
    assert numbers["(no number) · Car"] == 1
    assert sum(numbers.values()) == 8


def test_departure_places_are_provinces_or_countries(client, leader, places, world):
    leader(places.province)
    numbers = row_numbers(page(client, "/reports/stats/departure/", PERIOD))
    assert numbers == {"Thành phố Hà Nội": 5, "Hàn Quốc": 1, "Thành phố Đà Nẵng": 1, "not given": 1}


def test_the_date_rows_use_the_local_day_of_declaration(client, leader, places, world):
    leader(places.province)
    numbers = row_numbers(page(client, "/reports/stats/", {**PERIOD, "rows": "date"}))
    assert numbers == {"01/08/2021": 4, "02/08/2021": 3, "03/08/2021": 1}


# Jurisdiction -----------------------------------------------------------------------


def test_a_district_leader_starts_at_its_communes_and_sees_nothing_else(
    client, leader, places, world
):
    leader(places.district)
    body = page(client, "/reports/stats/", PERIOD)
    numbers = row_numbers(body)
    assert numbers[places.commune.name] == 4 and numbers[places.neighbour.name] == 2
    assert places.far.name not in numbers
    assert stats_total(body) == 6


@pytest.mark.parametrize("param", ["district", "commune"])
def test_a_district_leader_naming_another_district_in_the_url_gets_an_empty_table(
    client, leader, places, world, param
):
    user = leader(places.district)
    outside = places.other_district if param == "district" else places.far
    body = page(client, "/reports/stats/", {**PERIOD, param: outside.pk, "cols": "colour"})
    assert 'id="stats-invalid"' in body
    assert stats_total(body) == 0
    assert row_numbers(body) == {}
    assert links(body) == []
    listed = page(client, "/reports/stats/people/", {param: outside.pk})
    assert list_total(listed) == 0 and "Người Thứ 7" not in listed
    assert stats.paper_ranking(user, {param: str(outside.pk)}) == []


def test_a_commune_leader_sees_its_villages(client, leader, places, world):
    leader(places.commune)
    body = page(client, "/reports/stats/", PERIOD)
    assert row_numbers(body) == {"Tổ 1": 2, "Tổ 2": 1, "No village given": 1}
    assert stats_total(body) == 4
    url = next(u for u, _n in links(body) if f"village={world['t1'].pk}" in u)
    assert list_total(page(client, url)) == 2
    # A village of the neighbour commune in the URL: nothing.
    body = page(client, "/reports/stats/", {"village": world["vn_village"].pk})
    assert 'id="stats-invalid"' in body and stats_total(body) == 0


def test_a_user_without_the_task_groups_of_staff_cannot_read_statistics(client, make_user, places):
    client.force_login(make_user("hotel", places.commune, tasks=[Task.ESTABLISHMENT]))
    for url in ("/reports/stats/", "/reports/dashboard/", "/reports/stats/people/"):
        assert client.get(url).status_code == 403


def test_an_account_without_jurisdiction_counts_nothing(client, make_user, world):
    client.force_login(make_user("nowhere", None, tasks=[Task.LEADER]))
    assert stats_total(page(client, "/reports/stats/")) == 0
    body = page(client, "/reports/dashboard/", PERIOD)
    assert re.search(r'id="tile-total"><[^>]*data-n="0"', body)


# Share of paper ----------------------------------------------------------------------


def test_communes_are_ranked_by_their_share_of_paper(client, leader, places, world):
    user = leader(places.province)
    ranking = stats.paper_ranking(user, {})
    assert [(r.unit, r.paper.value, r.total.value) for r in ranking] == [
        (places.commune, 2, 4),
        (places.far, 1, 3),
    ]
    assert [r.percent for r in ranking] == [50.0, 33.3]
    body = page(client, "/reports/stats/paper/")
    table = body.split('id="paper-ranking"', 1)[1].split("</table>", 1)[0]
    assert places.commune.name in table and places.far.name in table
    assert places.neighbour.name not in table  # no paper there
    for url, number in links(table):
        assert list_total(page(client, url)) == number


def test_a_district_leader_ranks_only_its_communes(leader, places, world):
    user = leader(places.district)
    assert [r.unit for r in stats.paper_ranking(user, {})] == [places.commune]


# Dashboard ---------------------------------------------------------------------------


@pytest.fixture
def quarantine(places, world, make_person):
    """Huế: 3 beds, two people staying (one in a bed), one stay ended.
    The far commune: 2 beds, nobody."""

    def facility(area, name, beds):
        f = Facility.objects.create(kind="concentrated", name=name, area=area)
        room = Room.objects.create(building=Building.objects.create(facility=f, name="A"), name="1")
        return f, [Bed.objects.create(room=room, label=str(n)) for n in range(beds)]

    hue, hue_beds = facility(places.commune, "KCL Phú Nhuận", 3)
    facility(places.far, "KCL xa", 2)
    start = datetime.date(2021, 8, 1)
    end = start + datetime.timedelta(days=14)
    people = [d.person for d in world["declarations"][:3]]
    Stay.objects.create(person=people[0], facility=hue, bed=hue_beds[0], start_date=start,
                        planned_end=end)  # fmt: skip
    Stay.objects.create(person=people[1], facility=hue, start_date=start, planned_end=end)
    Stay.objects.create(person=people[2], facility=hue, bed=hue_beds[1], start_date=start,
                        planned_end=end, end_date=start)  # fmt: skip
    TestResult.objects.create(
        person=people[0], sample_date=start, test_type="pcr", result="negative"
    )


def test_the_dashboard_shows_the_hand_counted_numbers_in_few_queries(
    client, leader, places, world, quarantine, django_assert_max_num_queries
):
    leader(places.province)
    # 16 for the arrivals' figures and worklists, 4 for the investigation's
    # card and worklists, 2 for the accommodation's card and the police's
    # worklist, 1 for the tree of units the menu names the jurisdiction from
    # (loaded once per process and change of the units; a test's writes
    # change them), 3 for the transaction that allows parallel workers for its
    # sums on PostgreSQL (a savepoint here, its release and the SET LOCAL), a fixed number,
    # whatever the rows.
    with django_assert_max_num_queries(23 + EXTRA):
        body = page(client, "/reports/dashboard/", PERIOD)

    def tile(name):
        return int(re.search(rf'id="tile-{name}"><[^>]*data-n="(\d+)"', body).group(1))

    assert tile("total") == 8
    assert tile("verification") == 5  # pending now, whatever the period: 1, 5, 6, 8, 9
    assert tile("medical") == 2
    assert tile("untested") == 7  # arrived in the period, person 1 tested
    assert tile("staying") == 2
    assert tile("beds") == 5 and tile("free") == 4
    colours = body.split('id="colours"')[1].split("</table>")[0]
    assert re.findall(r'<tr data-key="(\w+)">.*?data-n="(\d+)"', colours) == [
        ("green", "4"),
        ("yellow", "1"),
        ("orange", "1"),
        ("red", "2"),
    ]
    for url, number in links(body):
        assert list_total(page(client, url)) == number, url
    assert 'id="chart-days" type="application/json"' in body
    assert "<script>" not in body  # data only: the CSP forbids inline script


def test_the_dashboard_of_a_district_leader_stays_in_its_district(
    client, leader, places, world, quarantine
):
    user = leader(places.district)
    board = stats.build_dashboard(user, PERIOD)
    assert board.total.value == 6
    assert board.queues["verification"].value == 3  # 1, 5 and 6
    assert board.queues["medical"].value == 1  # 2
    assert {k: cell.value for k, cell in board.quarantine.items()} == {
        "staying": 2,
        "beds": 3,
        "free": 2,
    }
    assert [r.unit for r in board.paper] == [places.commune]


def test_the_dashboard_defaults_to_the_last_thirty_days_of_arrivals(leader, places, world):
    user = leader(places.province)
    recent = world["declarations"][0]
    Declaration.objects.filter(pk=recent.pk).update(arrival_date=timezone.localdate())
    board = stats.build_dashboard(user, {})
    assert len(board.days) == stats.DASHBOARD_DAYS
    assert board.days[-1][1].value == 1 and board.total.value == 1


def test_the_table_takes_few_queries_whatever_the_rows(
    client, leader, places, world, django_assert_max_num_queries
):
    leader(places.province)
    # On PostgreSQL, 3 of them open the transaction that allows parallel
    # workers for the sums (db_router.parallel_aggregates).
    with django_assert_max_num_queries(12 + EXTRA):
        page(client, "/reports/stats/", {**PERIOD, "cols": "colour"})
    with django_assert_max_num_queries(14 + EXTRA):
        page(client, "/reports/stats/departure/", {**PERIOD, "cols": "channel"})


# Export --------------------------------------------------------------------------------


def test_the_people_behind_a_number_export_to_excel_with_their_filters(
    client, leader, places, world
):
    leader(places.province)
    params = {**PERIOD, "commune": places.commune.pk, "colour": "green"}
    assert list_total(page(client, "/reports/stats/people/", params)) == 2
    response = client.get("/reports/export/", {"list": "stats_people", **params})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 2
    headers = [c.value for c in sheet[3]]
    assert "Thôn/tổ dân phố" in headers and "Mức nguy cơ" in headers
    assert places.commune.name in sheet["A2"].value  # the filters, in the title rows
