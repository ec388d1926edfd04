# ruff: noqa: F811  (fixtures imported from other test modules)
"""The orders the lists offer (issue #16): by commune on the declaration list,
both ways by name and by commune on the people registry, newest first in the
verification queue, by date in the triage queue; the bounded ones refused
beyond the count cap; and the people search saying when more people match."""

import pytest

from vigil.accounts.models import Task

from ..declarations.test_lists import declare  # noqa: F401  (a fixture)
from ..triage.test_queue_counts import flag  # noqa: F401  (a fixture)
from ..verification.test_queue_counts import declare as pending  # noqa: F401


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


def names_of(response):
    # Declarations, or the triage queue's rows (its page's values, no model).
    return [
        d.full_name if hasattr(d, "full_name") else d.person.full_name
        for d in response.context["page"]
    ]


def test_the_declaration_list_sorts_by_commune_then_newest(
    client,
    cdc,
    places,
    declare,
    settings,
):
    # Phú Nhuận (places.commune) comes before Vĩnh Ninh (places.neighbour).
    declare(places.neighbour, "V old", days_ago=3)
    declare(places.commune, "P old", days_ago=2)
    declare(places.neighbour, "V new", days_ago=1)
    declare(places.commune, "P new", days_ago=0)
    client.force_login(cdc)
    response = client.get("/declarations/", {"sort": "commune"})
    assert response.context["sort"].key == "commune"
    assert names_of(response) == ["P new", "P old", "V new", "V old"]
    body = response.content.decode()
    assert 'aria-sort="ascending"><a href="?sort=commune"' in body
    # Paged: the second page goes on where the first stopped.
    import vigil.declarations.views.records as records

    settings.VIGIL_LIST_COUNT_CAP = 100
    original = records.PAGE_SIZE
    records.PAGE_SIZE = 3
    try:
        first = client.get("/declarations/", {"sort": "commune"})
        assert names_of(first) == ["P new", "P old", "V new"]
        second = client.get("/declarations/" + first.context["pager"]["next"])
        assert names_of(second) == ["V old"]
        assert (second.context["page"].start, second.context["page"].end) == (4, 4)
    finally:
        records.PAGE_SIZE = original
    # Beyond the cap the list says so and stays by date.
    settings.VIGIL_LIST_COUNT_CAP = 3
    response = client.get("/declarations/", {"sort": "commune"})
    assert response.context["sort"].key == "newest" and response.context["sort_refused"]
    assert names_of(response) == ["P new", "V new", "P old", "V old"]


def test_the_people_registry_sorts_by_name_both_ways_and_by_commune(
    client, cdc, places, make_person, settings
):
    make_person(places.neighbour, "An Văn Vĩnh")
    make_person(places.commune, "Bình Thị Phú")
    make_person(places.neighbour, "Cường Văn Vĩnh")
    client.force_login(cdc)

    def people(**params):
        response = client.get("/people/", params)
        return [p.full_name for p in response.context["page"]], response

    assert people()[0] == ["An Văn Vĩnh", "Bình Thị Phú", "Cường Văn Vĩnh"]
    assert people(sort="name_desc")[0] == ["Cường Văn Vĩnh", "Bình Thị Phú", "An Văn Vĩnh"]
    assert people(sort="commune")[0] == ["Bình Thị Phú", "An Văn Vĩnh", "Cường Văn Vĩnh"]
    names, response = people(sort="name_desc")
    assert 'aria-sort="descending"' in response.content.decode()
    settings.VIGIL_LIST_COUNT_CAP = 2
    names, response = people(sort="commune")
    assert response.context["sort_refused"] and names[0] == "An Văn Vĩnh"


def test_the_people_search_says_when_more_people_match(client, cdc, places, make_person):
    import vigil.people.views as views

    for n in range(4):
        make_person(places.commune, f"Trần Văn Tư {n}")
    client.force_login(cdc)
    original = views.MATCH_LIMIT
    views.MATCH_LIMIT = 3
    try:
        response = client.get("/people/", {"q": "tran van tu"})
        assert len(response.context["matches"]) == 3 and response.context["more_matches"]
        assert 'data-capped="true"' in response.content.decode()
        views.MATCH_LIMIT = 4
        response = client.get("/people/", {"q": "tran van tu"})
        assert len(response.context["matches"]) == 4 and not response.context["more_matches"]
    finally:
        views.MATCH_LIMIT = original


def test_the_verification_queue_reads_newest_first_on_request(
    client,
    make_user,
    places,
    pending,
):
    clerk = make_user("digit.hue", places.district, tasks=[Task.DIGITISATION])
    for n in range(3):
        pending(places.commune, f"Người {n}")  # n minutes ago: Người 0 the newest
    client.force_login(clerk)
    assert names_of(client.get("/verification/")) == ["Người 2", "Người 1", "Người 0"]
    response = client.get("/verification/", {"sort": "newest"})
    assert names_of(response) == ["Người 0", "Người 1", "Người 2"]
    assert 'aria-sort="descending"' in response.content.decode()


def test_the_triage_queue_sorts_by_date_within_the_cap(
    client,
    cdc,
    places,
    flag,
    settings,
):
    flag(places.commune, "yellow", "Vàng mới")  # 0 minutes ago
    flag(places.commune, "red", "Đỏ")
    flag(places.commune, "yellow", "Vàng cũ")
    client.force_login(cdc)
    assert names_of(client.get("/triage/")) == ["Đỏ", "Vàng cũ", "Vàng mới"]
    assert names_of(client.get("/triage/", {"sort": "newest"})) == ["Vàng mới", "Đỏ", "Vàng cũ"]
    response = client.get("/triage/", {"sort": "oldest"})
    assert names_of(response) == ["Vàng cũ", "Đỏ", "Vàng mới"]
    # The order survives a colour tab and the way back from a verification.
    assert "sort=oldest" in response.context["back"]
    assert all("sort=oldest" in tab["url"] for tab in response.context["tabs"])
    settings.VIGIL_LIST_COUNT_CAP = 2
    response = client.get("/triage/", {"sort": "newest"})
    assert response.context["sort_refused"] and response.context["sort"].key == "risk"
    assert names_of(response) == ["Đỏ", "Vàng cũ"]
