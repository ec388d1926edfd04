"""The transmission chain graph: the connected component through the links,
levels, hidden nodes without personal data, scope, and few queries."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from vigil.accounts.models import Task
from vigil.investigation import outbreaks
from vigil.investigation.graph import chain_graph, component
from vigil.investigation.models import CaseKind, CaseLink


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def chain(make_case, places):
    """F0 (Phú Nhuận) -> two F1s -> an F2 living in another district, and an
    unrelated F0."""
    f0 = make_case(CaseKind.CONFIRMED)
    f1a = make_case(sources=[(f0, None)])
    f1b = make_case(sources=[(f0, None)])
    f2 = make_case(sources=[(f1a, None), (f1b, None)], area=places.far)
    other = make_case(CaseKind.CONFIRMED)
    return [f0, f1a, f1b, f2, other]


def test_a_case_graph_is_its_whole_component(cdc, chain):
    f0, f1a, f1b, f2, other = chain
    graph = chain_graph(cdc, [f2.pk])
    assert {n["case_id"] for n in graph["nodes"]} == {f0.pk, f1a.pk, f1b.pk, f2.pk}
    assert len(graph["edges"]) == 4
    by_case = {n["case_id"]: n for n in graph["nodes"]}
    assert [by_case[c.pk]["level"] for c in (f0, f1a, f1b, f2)] == [0, 1, 1, 2]
    assert by_case[f0.pk]["label"] == f0.code
    assert by_case[f2.pk]["label"] == "F2"
    assert by_case[f2.pk]["generation"] == 2
    assert by_case[f0.pk]["url"] == f"/investigation/cases/{f0.pk}/"
    edge_pairs = {(e["source"], e["target"]) for e in graph["edges"]}
    assert (f"c{f0.pk}", f"c{f1a.pk}") in edge_pairs


def test_component_follows_links_in_both_directions(chain):
    f0, f1a, f1b, f2, other = chain
    generation, edges = component([f1a.pk])
    assert set(generation) == {f0.pk, f1a.pk, f1b.pk, f2.pk}
    assert generation[f1a.pk] == 0 and generation[f1b.pk] == 2


def test_records_outside_the_viewer_are_bare_nodes(make_user, places, chain):
    f0, f1a, f1b, f2, other = chain
    station = make_user("tyt.far", places.far, tasks=[Task.HEALTH_STATION])
    graph = chain_graph(station, [f2.pk])
    hidden = [n for n in graph["nodes"] if n["hidden"]]
    assert len(graph["nodes"]) == 4 and len(hidden) == 3
    for node in hidden:
        assert set(node) == {"id", "label", "level", "level_label", "generation", "hidden"}
        assert node["label"] == "Case outside your area"
        assert node["id"].startswith("x")
    text = json.dumps(graph, ensure_ascii=False)
    for case in (f0, f1a, f1b):
        assert case.person.full_name not in text
        assert f'"c{case.pk}"' not in text
    assert f0.code not in text
    visible = [n for n in graph["nodes"] if not n["hidden"]]
    assert [n["case_id"] for n in visible] == [f2.pk]
    assert len(graph["edges"]) == 4


def test_an_outbreak_graph_starts_from_its_cases(make_case, cdc, places, login):
    outbreak = outbreaks.create_outbreak(
        cdc,
        {"name": "Chợ", "area": places.commune, "opened_on": datetime.date(2021, 7, 1)},
    )
    f0 = make_case(CaseKind.CONFIRMED, outbreak=outbreak)
    f1 = make_case(sources=[(f0, None)])
    make_case(sources=[(f1, None)])
    make_case(CaseKind.CONFIRMED)  # not linked
    data = login(cdc).get(f"/investigation/outbreaks/{outbreak.pk}/chain/data/").json()
    assert len(data["nodes"]) == 3
    assert sorted(n["level"] for n in data["nodes"]) == [0, 1, 2]
    page = login(cdc).get(f"/investigation/outbreaks/{outbreak.pk}/chain/")
    assert 'id="node-count"' in page.text and "chain/data/" in page.text


def test_the_case_chain_pages_are_scoped(make_user, login, places, chain):
    f0, f1a, f1b, f2, other = chain
    station = make_user("tyt.far", places.far, tasks=[Task.HEALTH_STATION])
    client = login(station)
    assert client.get(f"/investigation/cases/{f0.pk}/chain/").status_code == 404
    assert client.get(f"/investigation/cases/{f0.pk}/chain/data/").status_code == 404
    data = client.get(f"/investigation/cases/{f2.pk}/chain/data/").json()
    assert sum(1 for n in data["nodes"] if n["hidden"]) == 3
    assert client.get(f"/investigation/cases/{f2.pk}/chain/").status_code == 200


def test_it_builds_with_a_few_queries_per_generation(make_case, cdc):
    f0 = make_case(CaseKind.CONFIRMED)
    layer = [f0]
    for _generation in range(4):
        layer = [make_case(sources=[(s, None)]) for s in layer for _ in range(2)]
    total = CaseLink.objects.count() + 1
    with CaptureQueriesContext(connection) as queries:
        graph = chain_graph(cdc, [f0.pk])
    assert len(graph["nodes"]) == total == 31
    # 2 per generation (5 + the empty last one) + rows + visibility.
    assert len(queries) <= 2 * 6 + 2
