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


def test_the_tested_tab_orders_by_latest_sample_across_chunks(
    client, make_user, make_person, places, monkeypatch
):
    from vigil.testing.queries import LatestTestedOrder

    monkeypatch.setattr(LatestTestedOrder, "CHUNK", 2)
    monkeypatch.setattr(LatestTestedOrder, "MAX_CHUNK", 2)
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
    listed = client.get(LIST, {"tab": "tested"}).context["page"]
    assert [p.full_name for p in listed] == ["Một", "Hai", "Ba", "Bốn", "Năm"]
    listed = client.get(LIST, {"tab": "tested", "commune": places.commune.pk}).context["page"]
    assert [p.full_name for p in listed] == ["Một", "Hai", "Bốn", "Năm"]
