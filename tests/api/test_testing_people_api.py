"""The people not yet tested / tested and the test statistics through the API
(R-T1, R-T3, R-N5): the pages' rows and figures, in the caller's jurisdiction."""

import datetime

from django.utils import timezone

from vigil.accounts.models import Task
from vigil.testing import services

from ..scope.samples import make_declaration

URL = "/api/v1/testing"
TODAY = timezone.localdate()


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def result(person, outcome, day=TODAY, **extra):
    row = {"sample_date": day, "test_type": "pcr", "result": outcome, **extra}
    return services.add_results(None, person, [row])[0]


def test_the_tabs_split_the_people_in_scope_like_the_page(client, places, make_person, token_for):
    _user, token = token_for("cdc.hue", places.district, [Task.CDC])
    waiting, tested, far = (
        make_person(places.commune, "Chưa Xét"),
        make_person(places.neighbour, "Đã Xét"),
        make_person(places.far, "Xa Lắm"),
    )
    for person in (waiting, tested, far):
        make_declaration(person, person.area)
    result(tested, "negative")
    result(far, "positive")

    untested = client.get(f"{URL}/people", **bearer(token)).json()
    assert (untested["tab"], untested["total"]) == ("untested", 1)
    assert untested["items"][0]["person_id"] == waiting.pk
    assert "•" in untested["items"][0]["id_number"]  # masked

    done = client.get(f"{URL}/people", {"tab": "tested"}, **bearer(token)).json()
    assert [i["person_id"] for i in done["items"]] == [tested.pk]
    assert (done["items"][0]["test_count"], done["items"][0]["latest_result"]) == (1, "negative")

    named = client.get(f"{URL}/people", {"tab": "tested", "q": "Xa Lắm"}, **bearer(token))
    assert named.json()["total"] == 0  # outside the jurisdiction: as if nobody


def test_bad_filters_answer_422_with_the_field(client, places, token_for):
    _user, token = token_for("cdc.hue", places.district, [Task.CDC])
    response = client.get(f"{URL}/people", {"date_from": "31/02/2021"}, **bearer(token))
    assert response.status_code == 422
    assert "date_from" in response.json()["error"]["fields"]


def test_the_statistics_count_results_in_scope_by_result_and_commune(
    client, places, make_person, token_for
):
    _user, token = token_for("cdc.hue", places.district, [Task.CDC])
    here, there, far = (
        make_person(places.commune),
        make_person(places.neighbour),
        make_person(places.far),
    )
    result(here, "positive")
    result(there, "negative", checkpoint="Chốt Phong Điền", test_type="rapid")
    result(far, "positive")
    body = client.get(f"{URL}/statistics", **bearer(token)).json()
    assert body["totals"] == {
        "total": 2, "negative": 1, "positive": 1, "inconclusive": 0, "pending": 0
    }  # fmt: skip
    assert {r["name"] for r in body["by_commune"]} == {places.commune.name, places.neighbour.name}
    assert body["by_day"][0] == {"day": TODAY.isoformat(), "total": 2, "positive": 1}
    assert [r["name"] for r in body["by_checkpoint"]] == ["Chốt Phong Điền"]

    only = client.get(f"{URL}/statistics", {"checkpoint_only": "true"}, **bearer(token)).json()
    assert only["totals"]["total"] == 1

    start = (TODAY - datetime.timedelta(days=400)).strftime("%d/%m/%Y")
    too_long = client.get(f"{URL}/statistics", {"date_from": start}, **bearer(token))
    assert too_long.status_code == 422


def test_who_may_read_them_is_the_registry_s_read_tests(client, places, token_for):
    _user, police = token_for("police.hue", places.district, [Task.POLICE])
    for path in ("/people", "/statistics"):
        assert client.get(f"{URL}{path}", **bearer(police)).status_code == 403
