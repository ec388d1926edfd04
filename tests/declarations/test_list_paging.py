# ruff: noqa: F811  (the fixtures imported from test_lists)
"""The declaration list at scale: capped and tally counts that agree with the
lists they label, keyset pages, the date jump, sorting, the bounded keyword."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from vigil.declarations import filters
from vigil.declarations.models import Channel, Declaration
from vigil.declarations.views import records

from .test_lists import LIST, declare, district_user, shown  # noqa: F401


def tabs_of(response):
    return {tab[3]: tab for tab in response.context["channel_tabs"]}


def test_beyond_the_cap_the_total_says_so_and_the_tabs_show_no_number(
    client, district_user, places, declare, settings
):
    settings.VIGIL_LIST_COUNT_CAP = 5
    for n in range(8):
        declare(places.commune, channel=Channel.PAPER if n % 2 else Channel.WEB)
    client.force_login(district_user)
    # The registration kind is not a column of the tally: counted up to the cap.
    response = client.get(LIST, {"kind": "return_home"})
    assert (response.context["total"], response.context["capped"]) == (5, True)
    body = response.content.decode()
    assert 'data-capped="true"' in body and ": 5+" in body
    tabs = tabs_of(response)
    assert tabs["channel-all"][4:] == (5, True)
    assert tabs["channel-paper"][4] is None and tabs["channel-web"][4] is None
    # Under the cap the same list is exact, and so are its tabs.
    settings.VIGIL_LIST_COUNT_CAP = 100
    response = client.get(LIST, {"kind": "return_home"})
    assert (response.context["total"], response.context["capped"]) == (8, False)
    assert tabs_of(response)["channel-paper"][4:] == (4, False)


def test_a_channel_or_arrival_dates_are_counted_exactly_on_the_tally_beyond_the_cap(
    client, district_user, places, declare, settings
):
    settings.VIGIL_LIST_COUNT_CAP = 2
    channels = [Channel.PAPER, Channel.WEB, Channel.WEB]
    for n in range(9):
        declare(places.commune if n % 2 else places.neighbour, channel=channels[n % 3])
    declare(places.far, channel=Channel.WEB)  # outside the district: counted nowhere
    client.force_login(district_user)
    district = Declaration.objects.filter(area_path__startswith=places.district.path)
    # The whole jurisdiction: capped (an index range), and the tabs show no number.
    response = client.get(LIST)
    assert (response.context["total"], response.context["capped"]) == (2, True)
    assert all(tab[4] is None for key, tab in tabs_of(response).items() if key != "channel-all")
    # A channel: exact from the tally, beyond the cap.
    response = client.get(LIST, {"channel": "web"})
    assert (response.context["total"], response.context["capped"]) == (6, False)
    assert response.context["total"] == district.filter(channel="web").count()
    # Its "all channels" tab is counted as the list it opens.
    all_tab = tabs_of(response)["channel-all"]
    opened = client.get(LIST + all_tab[1])
    assert all_tab[4:] == (opened.context["total"], opened.context["capped"]) == (2, True)
    today = timezone.localdate().strftime("%d/%m/%Y")
    response = client.get(
        LIST, {"date_on": "arrival", "date_from": today, "commune": places.commune.pk}
    )
    assert (response.context["total"], response.context["capped"]) == (4, False)
    assert response.context["total"] == Declaration.objects.filter(area=places.commune).count()


def test_tabs_under_the_cap_match_the_lists_they_open(client, district_user, places, declare):
    for n in range(6):
        declare(places.commune, channel=[Channel.PAPER, Channel.WALK_IN][n % 2], days_ago=n % 3)
    client.force_login(district_user)
    today = timezone.localdate().strftime("%d/%m/%Y")
    # Dates of declaration are not in the tally: counted on the declarations.
    response = client.get(LIST, {"date_from": today, "date_to": today})
    for tab_id, tab in tabs_of(response).items():
        opened = client.get(LIST + tab[1])
        assert opened.context["total"] == tab[4] == len(shown(opened)), tab_id


def test_keyset_pages_walk_the_whole_list_both_ways(
    client, district_user, places, declare, monkeypatch
):
    monkeypatch.setattr(records, "PAGE_SIZE", 3)
    made = [declare(places.commune, days_ago=n % 3) for n in range(7)]
    client.force_login(district_user)
    expected = list(
        Declaration.objects.filter(pk__in=[d.pk for d in made])
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    response = client.get(LIST)
    assert response.context["pager"]["previous"] == "" and response.context["pager"]["first"] == ""
    seen, pages = [], []
    while True:
        seen += shown(response)
        pages.append(response)
        if not response.context["pager"]["next"]:
            break
        response = client.get(LIST + response.context["pager"]["next"])
    assert seen == expected
    assert [len(shown(p)) for p in pages] == [3, 3, 1]
    # Back from the last page: the middle one, then the first.
    back = client.get(LIST + pages[-1].context["pager"]["previous"])
    assert shown(back) == expected[3:6]
    back = client.get(LIST + back.context["pager"]["previous"])
    assert shown(back) == expected[:3] and not back.context["page"].has_previous()
    assert shown(client.get(LIST + pages[-1].context["pager"]["first"])) == expected[:3]
    # A tampered cursor is the first page, not an error.
    assert shown(client.get(LIST, {"after": "not-a-cursor"})) == expected[:3]


def test_go_to_date_starts_at_that_day(client, district_user, places, declare):
    by_day = {n: declare(places.commune, days_ago=n) for n in range(5)}
    client.force_login(district_user)
    day = (timezone.localdate() - datetime.timedelta(days=2)).strftime("%d/%m/%Y")
    response = client.get(LIST, {"jump": day})
    assert shown(response) == [by_day[2].pk, by_day[3].pk, by_day[4].pk]
    assert response.context["pager"]["previous"]
    newer = client.get(LIST + response.context["pager"]["previous"])
    assert shown(newer) == [by_day[0].pk, by_day[1].pk]
    oldest = client.get(LIST, {"jump": day, "sort": "oldest"})
    assert shown(oldest) == [by_day[2].pk, by_day[1].pk, by_day[0].pk]
    assert 'id="jump-form"' in response.content.decode()


def test_a_jump_past_the_oldest_row_shows_the_last_rows(
    client, district_user, places, declare, monkeypatch
):
    monkeypatch.setattr(records, "PAGE_SIZE", 3)
    by_day = {n: declare(places.commune, days_ago=n) for n in range(5)}
    client.force_login(district_user)
    long_ago = (timezone.localdate() - datetime.timedelta(days=40)).strftime("%d/%m/%Y")
    # Three rows a page: the oldest three, as the last page, with the way back.
    response = client.get(LIST, {"jump": long_ago})
    assert response.status_code == 200
    assert shown(response) == [by_day[2].pk, by_day[3].pk, by_day[4].pk]
    assert not response.context["pager"]["next"]
    newer = client.get(LIST + response.context["pager"]["previous"])
    assert shown(newer) == [by_day[0].pk, by_day[1].pk]


def test_sorting_by_colour_name_and_date(
    client, district_user, places, declare, make_person, settings
):
    green = declare(
        places.commune, person=make_person(places.commune, "An Văn Xanh"), risk_colour="green"
    )
    red = declare(
        places.commune,
        person=make_person(places.commune, "Bùi Thị Đỏ"),
        risk_colour="red",
        days_ago=2,
    )
    orange = declare(
        places.commune,
        person=make_person(places.commune, "Cao Văn Cam"),
        risk_colour="orange",
        days_ago=1,
    )
    client.force_login(district_user)
    assert shown(client.get(LIST, {"sort": "colour"})) == [red.pk, orange.pk, green.pk]
    assert shown(client.get(LIST, {"sort": "name"})) == [green.pk, red.pk, orange.pk]
    assert shown(client.get(LIST, {"sort": "oldest"})) == [red.pk, orange.pk, green.pk]
    assert shown(client.get(LIST)) == [green.pk, orange.pk, red.pk]
    # Beyond the cap, colour and name would sort every row: the list stays by date.
    settings.VIGIL_LIST_COUNT_CAP = 2
    response = client.get(LIST, {"sort": "colour", "kind": "return_home"})
    assert response.context["sort_refused"] and response.context["sort"].key == "newest"
    assert shown(response) == [green.pk, orange.pk, red.pk]
    assert 'id="sort-refused"' in response.content.decode()


def test_a_name_shared_by_too_many_people_reads_a_bounded_number_of_them(
    client, district_user, places, declare, make_person, monkeypatch
):
    monkeypatch.setattr(filters, "KEYWORD_PEOPLE", 2)
    binh = [
        declare(places.commune, person=make_person(places.commune, "Trần Văn Bình"))
        for _ in range(3)
    ]
    client.force_login(district_user)
    response = client.get(LIST, {"q": "tran van binh"})
    assert len(shown(response)) == 2 and set(shown(response)) < {d.pk for d in binh}
    assert response.context["keyword_truncated"] and response.context["capped"]
    assert 'id="keyword-truncated"' in response.content.decode()
    # Codes, ID numbers and phones are exact matches, never cut.
    assert shown(client.get(LIST, {"q": binh[2].code})) == [binh[2].pk]
    assert shown(client.get(LIST, {"q": binh[1].person.id_number})) == [binh[1].pk]


def test_a_common_name_is_looked_for_among_the_users_own_people(
    client, district_user, places, declare, make_person, monkeypatch
):
    """The first KEYWORD_PEOPLE people of a name are those of the user's
    scope: the same name elsewhere (here first in the name index's order)
    neither hides the user's own people nor says "more match"."""
    monkeypatch.setattr(filters, "KEYWORD_PEOPLE", 2)
    for _ in range(2):
        declare(places.far, person=make_person(places.far, "Trần Văn Bình"))
    mine = declare(places.commune, person=make_person(places.commune, "Trần Văn Bình"))
    client.force_login(district_user)
    response = client.get(LIST, {"q": "tran van binh"})
    assert shown(response) == [mine.pk]
    assert not response.context["keyword_truncated"]


def test_a_name_typed_from_its_beginning_finds_those_names_first(
    client, district_user, places, declare, make_person, monkeypatch
):
    begins = [
        declare(places.commune, person=make_person(places.commune, name))
        for name in ("Nguyễn Minh Dũng", "Nguyễn Minh Dũng Anh")
    ]
    inside = declare(places.commune, person=make_person(places.commune, "Trần Nguyễn Minh Dũng"))
    declare(places.commune, person=make_person(places.commune, "Nguyễn Minh Hoà"))
    client.force_login(district_user)
    # Few names begin so: the names containing the words are found too.
    found = client.get(LIST, {"q": "nguyen minh dung"})
    assert set(shown(found)) == {*(d.pk for d in begins), inside.pk}
    # Enough names begin so: those are the matches, the rest is not searched.
    monkeypatch.setattr(filters, "PREFIX_ENOUGH", 2)
    found = client.get(LIST, {"q": "Nguyễn Minh Dũng"})
    assert set(shown(found)) == {d.pk for d in begins}
    assert not found.context["keyword_truncated"]
    # Words in another order are no beginning: found inside the names.
    found = client.get(LIST, {"q": "dung minh"})
    assert set(shown(found)) == {*(d.pk for d in begins), inside.pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_a_commune_page_is_read_from_the_scope_index(places, declare):
    for _ in range(3):
        declare(places.commune)
    scoped = Declaration.objects.filter(area_path__startswith=places.commune.path)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = scoped.order_by("-created_at", "-id").values_list("pk")[:51].explain()
        count_plan = scoped.values("pk")[:10001].explain()
        cursor.execute("RESET enable_seqscan")
    # The page walks the date index with the scope checked inside it, or reads
    # the scope as a range of one of the indexes that lead with it (which one
    # PostgreSQL prefers for three rows is its own choice).
    assert "decl_created_scope" in plan or "~>=~" in plan, plan
    assert "~>=~" in count_plan  # LIKE 'prefix%' as a range of a pattern-ops index


def test_a_cursor_of_another_order_gives_the_first_page(client, district_user, places, declare):
    from vigil.core.paging import encode_cursor

    made = [declare(places.commune, days_ago=n) for n in range(3)]
    client.force_login(district_user)
    # A name cursor (text, id) where the date order expects (date, id).
    response = client.get(LIST, {"after": encode_cursor(["nguyen van an", made[0].pk])})
    assert response.status_code == 200
    assert shown(response) == [d.pk for d in made]


def test_between_arrival_dates_the_list_is_ordered_by_arrival(
    client, district_user, places, declare, monkeypatch
):
    monkeypatch.setattr(records, "PAGE_SIZE", 2)
    today = timezone.localdate()
    # Declared in one order, arriving in another.
    late = declare(places.commune, days_ago=0, arrival_date=today - datetime.timedelta(days=3))
    early = declare(places.commune, days_ago=2, arrival_date=today - datetime.timedelta(days=1))
    middle = declare(places.commune, days_ago=1, arrival_date=today - datetime.timedelta(days=2))
    declare(places.commune, days_ago=0, arrival_date=today - datetime.timedelta(days=30))
    client.force_login(district_user)
    week = {
        "date_on": "arrival",
        "date_from": (today - datetime.timedelta(days=6)).strftime("%d/%m/%Y"),
        "date_to": today.strftime("%d/%m/%Y"),
    }
    response = client.get(LIST, week)
    assert shown(response) == [early.pk, middle.pk]
    assert 'id="by-arrival"' in response.content.decode()
    following = client.get(LIST + response.context["pager"]["next"])
    assert shown(following) == [late.pk]
    assert shown(client.get(LIST, {**week, "sort": "oldest"})) == [late.pk, middle.pk]
    # "Go to date" goes to an arrival day.
    jump = (today - datetime.timedelta(days=2)).strftime("%d/%m/%Y")
    assert shown(client.get(LIST, {**week, "jump": jump})) == [middle.pk, late.pk]
    # Between dates of declaration: by the time of declaration, as before.
    plain = client.get(LIST, {**week, "date_on": "created"})
    assert shown(plain)[:2] == sorted(
        shown(plain)[:2], key=lambda pk: -Declaration.objects.get(pk=pk).created_at.timestamp()
    )
    assert 'id="by-arrival"' not in plain.content.decode()


def test_a_commune_filter_equal_to_the_scope_is_not_applied_twice(
    client, make_user, places, declare
):
    from django.test.utils import CaptureQueriesContext

    from vigil.accounts.models import Task

    mine = declare(places.commune)
    commune_user = make_user("tram.phu.nhuan", places.commune, tasks=[Task.HEALTH_STATION])
    client.force_login(commune_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"commune": places.commune.pk})
    assert shown(response) == [mine.pk]
    page = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT 51" in q["sql"]]
    assert page and all(sql.count(places.commune.path) == 1 for sql in page), page
