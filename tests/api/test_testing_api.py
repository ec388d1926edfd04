"""The worklist "Dương tính, chưa mở ca bệnh" through the API (R-H1, R-N5):
the list, "recorded as handled", and the same refusals as the page."""

import datetime

import pytest
from django.utils import timezone

from vigil.accounts.models import ApiToken, Task
from vigil.audit.models import AuditEvent
from vigil.testing import services
from vigil.testing.models import TestResult

URL = "/api/v1/testing/positive"
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token_for(make_user):
    def make(username, unit, tasks=(Task.CDC,)):
        user = make_user(username, unit, tasks=tasks)
        return user, ApiToken.issue(user, "test")[1]

    return make


def positive(person, day=TODAY, **extra):
    row = {"sample_date": day, "test_type": "pcr", "result": "positive", **extra}
    return services.add_results(None, person, [row])[0]


def post(client, person, body, token):
    return client.post(
        f"{URL}/{person.pk}/handled", body, content_type="application/json", **bearer(token)
    )


def test_it_lists_positive_people_in_scope_oldest_first(client, places, make_person, token_for):
    _user, token = token_for("cdc.hue", places.district)
    late, early = make_person(places.commune, "Muộn"), make_person(places.neighbour, "Sớm")
    negative, far = make_person(places.commune), make_person(places.far)
    positive(late, TODAY - DAY)
    positive(early, TODAY - 3 * DAY)
    positive(far)
    services.add_results(
        None, negative, [{"sample_date": TODAY, "test_type": "pcr", "result": "negative"}]
    )
    body = client.get(URL, **bearer(token)).json()
    assert body["total"] == 2
    assert [i["person_id"] for i in body["items"]] == [early.pk, late.pk]
    item = body["items"][1]
    waiting = TestResult.objects.get(person=late)
    assert item["waiting"][0]["id"] == waiting.pk
    assert item["version"] == f"{waiting.pk}:1"
    assert item["test_count"] == 1 and item["latest_positive_type"] == "pcr"
    assert "•" in item["id_number"]
    narrowed = client.get(URL, {"commune_code": places.neighbour.code}, **bearer(token)).json()
    assert [i["person_id"] for i in narrowed["items"]] == [early.pk]


def test_a_neighbour_commune_sees_nothing_and_cannot_act(client, places, make_person, token_for):
    _user, token = token_for("cdc.vinhninh", places.neighbour)
    person = make_person(places.commune)
    result = positive(person)
    assert client.get(URL, **bearer(token)).json()["total"] == 0
    response = post(client, person, {"version": f"{result.pk}:1", "note": "x"}, token)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    result.refresh_from_db()
    assert result.handled_at is None


def test_other_task_groups_are_refused(client, places, make_person, token_for):
    _user, token = token_for("police.phunhuan", places.commune, tasks=[Task.POLICE])
    assert client.get(URL, **bearer(token)).status_code == 403
    person = make_person(places.commune)
    assert post(client, person, {"version": "1:1", "note": "x"}, token).status_code == 403


def test_recording_as_handled_closes_the_item_and_a_new_positive_reopens_it(
    client, places, make_person, token_for
):
    user, token = token_for("tyt.phunhuan", places.commune, tasks=[Task.HEALTH_STATION])
    person = make_person(places.commune)
    positive(person)
    version = client.get(URL, **bearer(token)).json()["items"][0]["version"]

    missing = post(client, person, {"version": version}, token)
    assert missing.status_code == 422 and "note" in missing.json()["error"]["fields"]

    note = "Chuyển Bệnh viện Trung ương Huế"
    response = post(client, person, {"version": version, "note": note}, token)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["note"] == note and body["handled_by"] == user.username
    assert client.get(URL, **bearer(token)).json()["total"] == 0
    event = AuditEvent.objects.filter(object_type="people.person").last()
    assert event.actor == user and event.detail["note"] == note

    again = post(client, person, {"version": version, "note": note}, token)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_handled"

    positive(person, test_id="XN-2")
    items = client.get(URL, **bearer(token)).json()["items"]
    assert [i["person_id"] for i in items] == [person.pk]
    assert len(items[0]["waiting"]) == 1 and items[0]["test_count"] == 2


def test_a_stale_version_is_refused_with_the_current_one(client, places, make_person, token_for):
    _user, token = token_for("cdc.phunhuan", places.commune)
    person = make_person(places.commune)
    positive(person)
    version = client.get(URL, **bearer(token)).json()["items"][0]["version"]
    newer = positive(person, test_id="XN-new")
    response = post(client, person, {"version": version, "note": "Cách ly"}, token)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "stale"
    assert error["fields"]["current_version"] == [f"{version},{newer.pk}:1"]
    assert TestResult.objects.filter(person=person, handled_at__isnull=True).count() == 2


def test_the_operations_are_in_the_openapi_document(client, places, token_for):
    _user, token = token_for("cdc.phunhuan", places.commune)
    paths = client.get("/api/v1/openapi.json", **bearer(token)).json()["paths"]
    assert "get" in paths["/api/v1/testing/positive"]
    assert "post" in paths["/api/v1/testing/positive/{person_id}/handled"]
