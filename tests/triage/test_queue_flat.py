"""The triage queue at a flat cost (issue #15): a page's queries do not grow
with its rows, the colour counts read one colour's index entries (the paths of
the units below the scope), a keyword's rows are read once, and the rows show
what the model-based template showed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vigil.declarations.models import Declaration, MedicalState
from vigil.triage.queue import paths_under

from .test_queue_counts import QUEUE, cdc, flag  # noqa: F401 (fixtures)


def queries(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(QUEUE, params or {})
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"colour": "red"}, {"q": "Nguyễn Văn An"}])
def test_a_full_page_costs_the_queries_of_a_short_one(client, cdc, places, flag, params):  # noqa: F811
    flag(places.commune, "red")
    flag(places.neighbour, "yellow")
    client.force_login(cdc)
    client.get(QUEUE, params)  # the per-process caches
    _response, few = queries(client, params)
    for n in range(90):
        flag(places.commune if n % 2 else places.neighbour, "red" if n % 3 else "yellow")
    response, many = queries(client, params)
    assert len(response.context["page"]) == 50
    assert many <= few


def test_counts_and_pages_agree_with_and_without_a_keyword(client, cdc, places, flag, settings):  # noqa: F811
    settings.VIGIL_LIST_COUNT_CAP = 4
    for _ in range(5):
        flag(places.commune, "red")
    flag(places.neighbour, "orange", "Trần Thị Bích")
    flag(places.far, "red", "Trần Thị Bích")  # outside the district
    client.force_login(cdc)
    tabs = {t["id"]: (t["count"], t["capped"]) for t in client.get(QUEUE).context["tabs"]}
    assert tabs["colour-all"] == (4, True) and tabs["colour-red"] == (4, True)
    assert tabs["colour-orange"] == (1, False)
    found = client.get(QUEUE, {"q": "Trần Thị Bích"})
    tabs = {t["id"]: (t["count"], t["capped"]) for t in found.context["tabs"]}
    assert tabs["colour-all"] == (1, False) and tabs["colour-red"] == (0, False)
    assert [d.pk for d in found.context["page"]] == list(
        Declaration.objects.filter(
            person__full_name="Trần Thị Bích", area=places.neighbour
        ).values_list("pk", flat=True)
    )


def test_a_keyword_page_is_in_the_queue_order(client, cdc, places, flag):  # noqa: F811
    yellow = flag(places.commune, "yellow")
    red_new = flag(places.commune, "red")
    red_old = flag(places.neighbour, "red")
    flag(places.commune, "red", medical_state=MedicalState.VERIFIED)  # done
    client.force_login(cdc)
    # flag() makes each row a minute older than the one before.
    page = client.get(QUEUE, {"q": "Nguyễn Văn An"}).context["page"]
    assert [d.pk for d in page] == [red_old.pk, red_new.pk, yellow.pk]
    newest = client.get(QUEUE, {"q": "Nguyễn Văn An", "sort": "newest"}).context["page"]
    assert [d.pk for d in newest] == [yellow.pk, red_new.pk, red_old.pk]


def test_a_row_shows_the_person_the_place_and_the_links(client, cdc, places, flag):  # noqa: F811
    d = flag(places.commune, "red", risk_reasons=["Sốt", "Ho <khan>"])
    client.force_login(cdc)
    body = client.get(QUEUE, {"colour": "red"}).content.decode()
    row = body[body.index(f'id="declaration-{d.pk}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="/triage/{d.pk}/?back=colour%3Dred"' in row
    assert d.person.full_name in row and d.code in row
    assert d.person.masked_id_number in row
    assert places.commune.name in row and places.district.name in row
    assert "Sốt; Ho &lt;khan&gt;" in row
    assert d.arrival_date.strftime("%d/%m/%Y") in row


def test_the_paths_below_a_scope_are_its_units(places):
    paths = paths_under(places.district.path)
    assert places.district.path in paths and places.commune.path in paths
    assert places.far.path not in paths
    assert all(p.startswith(places.district.path) for p in paths)
