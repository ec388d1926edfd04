"""The test lists' totals at national scale (issue #15): exact up to
VIGIL_LIST_COUNT_CAP, "10.000+" beyond; the page is chosen on the people's
ids and keeps the list's order."""

from django.urls import reverse

from vigil.accounts.models import Task

from .test_views import DAY, TODAY, declare, result

LIST = reverse("testing:list")


def test_both_tabs_count_up_to_the_cap_and_keep_their_order(
    client, make_user, make_person, places, settings
):
    untested = [make_person(places.commune, name) for name in ("Bùi Ba", "An Một", "Cao Bốn")]
    for person in untested:
        declare(person)
    tested = [make_person(places.commune, name) for name in ("Đỗ Năm", "Đinh Sáu", "Hà Bảy")]
    for n, person in enumerate(tested):
        declare(person)
        result(person, sample_date=TODAY - (n + 1) * DAY)
    client.force_login(make_user("cdc.pn", places.commune, tasks=[Task.CDC]))

    settings.VIGIL_LIST_COUNT_CAP = 2
    for params in ({}, {"tab": "tested"}):
        response = client.get(LIST, params)
        assert response.context["total"] == 2 and response.context["capped"], params
        assert 'data-capped="true"' in response.content.decode()

    settings.VIGIL_LIST_COUNT_CAP = 10
    response = client.get(LIST)
    assert response.context["total"] == 3 and not response.context["capped"]
    # By name.
    assert [p.full_name for p in response.context["page"]] == ["An Một", "Bùi Ba", "Cao Bốn"]
    response = client.get(LIST, {"tab": "tested"})
    # Latest sample first, with the columns of its rows.
    assert [p.pk for p in response.context["page"]] == [p.pk for p in tested]
    assert [p.test_summary.count for p in response.context["page"]] == [1, 1, 1]


def test_the_api_counts_the_list_up_to_the_cap(client, make_user, make_person, places, settings):
    from vigil.accounts.models import ApiToken

    for name in ("Bùi Ba", "An Một", "Cao Bốn"):
        declare(make_person(places.commune, name))
    user = make_user("cdc.pn", places.commune, tasks=[Task.CDC])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user, 'test')[1]}"}
    settings.VIGIL_LIST_COUNT_CAP = 2
    body = client.get("/api/v1/testing/people", **auth).json()
    assert (body["total"], body["capped"]) == (2, True)
    assert [p["full_name"] for p in body["items"]] == ["An Một", "Bùi Ba", "Cao Bốn"]
    settings.VIGIL_LIST_COUNT_CAP = 10
    assert client.get("/api/v1/testing/people", **auth).json()["capped"] is False


def _walk(client, params, page_size_path="next"):
    """The names of every page, following the pager's links from `params`."""
    pages, response = [], client.get(LIST, params)
    while True:
        pages.append([p.full_name for p in response.context["page"]])
        link = response.context["pager"][page_size_path]
        if not link:
            return pages
        response = client.get(LIST + link)


def test_the_tested_tab_orders_by_latest_sample_in_keyset_pages(
    client, make_user, make_person, places, monkeypatch
):
    from vigil.testing.queries import TestedPaginator
    from vigil.testing.views import results as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    # Steps of one and two results: the walk goes on past results it drops.
    monkeypatch.setattr(TestedPaginator, "STEP", 1)
    monkeypatch.setattr(TestedPaginator, "MAX_STEP", 2)
    people = {}
    # name: (commune?, sample days ago of each result)
    for name, here, days in (
        ("Một", True, (9, 1)),  # latest 1 day ago
        ("Hai", True, (2,)),
        ("Ba", False, (3,)),  # the neighbour commune: filtered out below
        ("Bốn", True, (4, 8)),
        ("Năm", True, (7, 5, 6)),
    ):
        person = make_person(places.commune if here else places.neighbour, name)
        declare(person)
        for n in days:
            result(person, sample_date=TODAY - n * DAY)
        people[name] = person
    client.force_login(make_user("cdc.hue", places.district, tasks=[Task.CDC]))
    assert _walk(client, {"tab": "tested"}) == [["Một", "Hai"], ["Ba", "Bốn"], ["Năm"]]
    commune = {"tab": "tested", "commune": places.commune.pk}
    assert _walk(client, commune) == [["Một", "Hai"], ["Bốn", "Năm"]]
    # Back from the last page, and the numbers of its rows.
    last = client.get(LIST + _last_link(client, {"tab": "tested"}))
    assert [p.row_number for p in last.context["page"]] == [5]
    back = client.get(LIST + last.context["pager"]["previous"])
    assert [p.full_name for p in back.context["page"]] == ["Ba", "Bốn"]
    assert [p.row_number for p in back.context["page"]] == [3, 4]
    assert 'id="page-range"' in back.content.decode()
    # A sample day: the people whose latest sample is that day or older.
    jump = TODAY - 4 * DAY
    day = client.get(LIST, {"tab": "tested", "jump": jump.strftime("%d/%m/%Y")})
    assert [p.full_name for p in day.context["page"]] == ["Bốn", "Năm"]
    # A day older than every row: the last page, with the way back.
    old = client.get(LIST, {"tab": "tested", "jump": "01/01/2001"})
    assert [p.full_name for p in old.context["page"]] == ["Bốn", "Năm"]
    assert old.context["pager"]["previous"]
    # A keyword reads its people's latest results whole, in the same order.
    named = client.get(LIST, {"tab": "tested", "q": "Năm"})
    assert [p.full_name for p in named.context["page"]] == ["Năm"]


def _last_link(client, params):
    response = client.get(LIST, params)
    link = ""
    while response.context["pager"]["next"]:
        link = response.context["pager"]["next"]
        response = client.get(LIST + link)
    return link


def test_a_tested_page_deeper_than_the_counted_rows_says_so(
    client, make_user, make_person, places, monkeypatch
):
    from vigil.testing.views import results as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "LOCATE_CAP", 2)
    for n in range(6):
        person = make_person(places.commune, f"Người {n}")
        result(person, sample_date=TODAY - n * DAY)
    client.cookies["vigil_language"] = "en"
    client.force_login(make_user("cdc.pn", places.commune, tasks=[Task.CDC]))
    second = client.get(LIST + _walk_to(client, 1))
    assert [p.row_number for p in second.context["page"]] == [3, 4]
    assert "Rows 3–4 of 6" in second.content.decode()
    third = client.get(LIST + _walk_to(client, 2))
    assert [p.row_number for p in third.context["page"]] == ["", ""]
    assert "Rows after the first 2" in third.content.decode()
    assert [p.full_name for p in third.context["page"]] == ["Người 4", "Người 5"]


def _walk_to(client, steps):
    response, link = client.get(LIST, {"tab": "tested"}), ""
    for _ in range(steps):
        link = response.context["pager"]["next"]
        response = client.get(LIST + link)
    return link


def test_the_not_tested_tab_pages_by_name(client, make_user, make_person, places, monkeypatch):
    from vigil.testing.views import results as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for name in ("Em", "An", "Dũng", "Bình", "Cúc"):
        declare(make_person(places.commune, name))
    client.force_login(make_user("cdc.pn", places.commune, tasks=[Task.CDC]))
    assert _walk(client, {}) == [["An", "Bình"], ["Cúc", "Dũng"], ["Em"]]
    assert _walk(client, {"q": "an"})[0] == ["An"]
    second = client.get(LIST + client.get(LIST).context["pager"]["next"]).context["page"]
    assert [p.row_number for p in second] == [3, 4]
    monkeypatch.setattr(views, "LOCATE_CAP", 1)
    second = client.get(LIST + client.get(LIST).context["pager"]["next"]).context["page"]
    assert (second.start, second.skipped, [p.row_number for p in second]) == (None, 1, ["", ""])


def test_a_narrow_filter_ends_the_walk_in_one_statement_with_the_same_rows(
    client, make_user, make_person, places, monkeypatch
):
    from vigil.testing.queries import TestedPaginator
    from vigil.testing.views import results as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "LOCATE_CAP", 1)
    for n in range(8):
        person = make_person(places.commune if n % 4 == 0 else places.neighbour, f"Người {n}")
        result(person, sample_date=TODAY - n * DAY)
    client.force_login(make_user("cdc.hue", places.district, tasks=[Task.CDC]))
    narrow = {"tab": "tested", "commune": places.commune.pk}
    walked = _walk(client, narrow)
    # Two results read, then the rest asked at once (and counted so).
    monkeypatch.setattr(TestedPaginator, "STEP", 1)
    monkeypatch.setattr(TestedPaginator, "MAX_STEP", 1)
    monkeypatch.setattr(TestedPaginator, "WALK_LIMIT", 2)
    assert _walk(client, narrow) == walked == [["Người 0", "Người 4"]]
    everyone = _walk(client, {"tab": "tested"})
    assert [name for page in everyone for name in page] == [f"Người {n}" for n in range(8)]
    following = client.get(LIST, {"tab": "tested"}).context["pager"]["next"]
    second = client.get(LIST + following).context["page"]
    assert (second.start, second.skipped) == (None, 1)  # more than 1 row before it
    # The rows before it counted in one statement (a window would pass the limit).
    monkeypatch.setattr(views, "LOCATE_CAP", 5)
    second = client.get(LIST + following).context["page"]
    assert [p.row_number for p in second] == [3, 4]


def test_an_invalid_filter_lists_nobody_without_walking(
    client, make_user, make_person, places, django_assert_max_num_queries, monkeypatch
):
    from vigil.testing.queries import TestedPaginator

    monkeypatch.setattr(TestedPaginator, "STEP", 1)
    monkeypatch.setattr(TestedPaginator, "MAX_STEP", 1)
    for n in range(12):
        result(make_person(places.commune, f"Người {n}"), sample_date=TODAY)
    client.force_login(make_user("cdc.pn", places.commune, tasks=[Task.CDC]))
    client.get(LIST)
    with django_assert_max_num_queries(10):
        response = client.get(LIST, {"tab": "tested", "date_from": "31/02/2021"})
    assert list(response.context["page"]) == [] and response.context["total"] == 0
