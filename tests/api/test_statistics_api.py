"""Statistics through the API: the pages' numbers for the same account, scoped,
read-only, for READ_STATISTICS."""

from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations.models import Declaration

from ..scope.samples import make_declaration


def arrivals(make_person, places):
    """Two arrivals to Phú Nhuận (one on paper), one to Vĩnh Ninh on paper, one far away."""
    for area, channel in ((places.commune, "web"), (places.commune, "paper"),
                          (places.neighbour, "paper"), (places.far, "web")):  # fmt: skip
        declaration = make_declaration(make_person(area), area)
        Declaration.objects.filter(pk=declaration.pk).update(
            channel=channel, arrival_date=timezone.localdate()
        )


def test_the_table_counts_the_callers_jurisdiction_by_commune(call, make_user, make_person, places):
    arrivals(make_person, places)
    cdc = make_user("cdc.hue", places.district, tasks=[Task.CDC])
    response = call(cdc, "get", "/statistics/table", rows="area", cols="channel")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"]["value"] == 3  # the far commune is another district's
    by_name = {row["label"]: row for row in body["rows"]}
    assert by_name[places.commune.name]["total"]["value"] == 2
    assert by_name[places.neighbour.name]["total"]["value"] == 1
    keys = [c["key"] for c in body["columns"]]
    assert by_name[places.commune.name]["cells"][keys.index("paper")]["value"] == 1
    assert by_name[places.commune.name]["total"]["list"]


def test_a_unit_outside_the_jurisdiction_is_refused_not_widened(call, make_user, places):
    cdc = make_user("cdc.hue", places.district, tasks=[Task.CDC])
    response = call(cdc, "get", "/statistics/table", commune=places.far.pk)
    assert response.status_code == 422
    assert "commune" in response.json()["error"]["fields"]


def test_the_paper_share_and_the_dashboard(call, make_user, make_person, places):
    arrivals(make_person, places)
    leader = make_user("leader.hue", places.district, tasks=[Task.LEADER])
    paper = call(leader, "get", "/statistics/paper").json()
    assert [(r["commune_code"], r["percent"]) for r in paper] == [
        (places.neighbour.code, 100.0),
        (places.commune.code, 50.0),
    ]
    board = call(leader, "get", "/statistics/dashboard").json()
    assert board["total"]["value"] == 3
    assert {c["key"]: c["count"]["value"] for c in board["colours"]}["green"] >= 0
    assert board["queues"]["verification"]["value"] == 3
    assert [r["commune_code"] for r in board["paper"]] == [
        places.neighbour.code,
        places.commune.code,
    ]


def test_statistics_are_for_those_who_steer(call, make_user, places):
    checkpoint = make_user("checkpoint.hue", places.district, tasks=[Task.CHECKPOINT])
    for path in ("/statistics/table", "/statistics/paper", "/statistics/dashboard"):
        response = call(checkpoint, "get", path)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
