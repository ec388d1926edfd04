"""After a reclassification cascade no level is stale anywhere: the list, the
API, the chain graph, the statistics, the dashboard figures and the export
all say what the chain says (the levels derived from the links alone)."""

import datetime
import io
from collections import Counter

import openpyxl

from vigil.investigation import graph, services, stats
from vigil.investigation.models import Case, CaseKind, CaseLink

from .test_chain_levels import shortest_distance

DAY = datetime.date(2021, 7, 1)


def derived():
    kinds = dict(Case.objects.values_list("id", "kind"))
    links = list(CaseLink.objects.values_list("contact_id", "source_id"))
    return shortest_distance(kinds, links)


def label(level):
    return "F?" if level is None else f"F{level}"


def everywhere(client, cdc):
    """{case id: level label} as each place shows them."""
    truth = {pk: label(level) for pk, level in derived().items()}
    page = client.get("/investigation/cases/").content.decode()
    listed = {
        pk: f'id="case-{pk}" class="case-row" data-level="{lvl}"' in page
        for pk, lvl in truth.items()
    }
    api = client.get("/api/v1/investigation/cases?limit=100").json()["items"]
    from_api = {c["id"]: c["level_label"] for c in api}
    seeds = list(Case.objects.filter(kind=CaseKind.CONFIRMED).values_list("pk", flat=True))
    nodes = graph.chain_graph(cdc, seeds)["nodes"]
    from_graph = {int(n["id"].removeprefix("c")): n["level_label"] for n in nodes}
    response = client.get("/reports/export/", {"list": "cases"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    codes = {c.code or c.person.full_name: c.pk for c in Case.objects.select_related("person")}
    exported = {}
    for row in sheet.iter_rows(min_row=4, values_only=True):
        key = row[0] or next(v for v in row if v in codes)
        exported[codes[key]] = row[1]
    totals = stats.level_totals(cdc)
    counted = {key: cell.value for key, cell in totals.items()}
    return truth, listed, from_api, from_graph, exported, counted


def test_a_cascade_leaves_no_stale_level_anywhere(client, cdc, make_case):
    f0 = make_case(CaseKind.CONFIRMED)
    f1 = make_case(sources=[(f0, DAY)])
    f2 = make_case(sources=[(f1, DAY)])
    f3 = make_case(sources=[(f2, DAY)])
    make_case(sources=[(f3, DAY)])
    make_case(sources=[(f0, DAY)])
    client.force_login(cdc)
    f1 = Case.objects.get(pk=f1.pk)
    services.confirm_case(f1, actor=cdc, version=f1.version, code="BN4242", confirmed_on=DAY)
    truth, listed, from_api, from_graph, exported, counted = everywhere(client, cdc)
    assert sorted(truth.values()) == ["F0", "F0", "F1", "F1", "F2", "F3"]
    assert all(listed.values()), listed
    assert from_api == truth
    assert from_graph == truth
    assert exported == truth
    by_key = Counter(stats.level_key(level) for level in derived().values())
    assert {k: n for k, n in counted.items() if n} == dict(by_key)
