"""The medical monitoring API (R-E5): lists, a period, checks, close."""

import json

import pytest
from django.utils import timezone

from vigil.accounts.models import ApiToken, Task
from vigil.investigation import monitoring
from vigil.investigation.models import MonitoringKind, MonitoringStatus

TODAY = timezone.localdate()


@pytest.fixture
def api(client):
    def call(user, method, path, body=None):
        token = ApiToken.issue(user, "test")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1/investigation{path}", **kwargs)

    return call


@pytest.fixture
def team(make_user, places):
    return make_user("ytt.pn", places.commune, tasks=[Task.COMMUNITY])


@pytest.fixture
def period(cdc, make_person, places):
    person = make_person(places.commune, "Lê Văn Cường")
    return monitoring.open_period(
        person, actor=cdc, kind=MonitoringKind.HOME_MONITORING, start=TODAY
    )


def test_lists_by_tab_and_scope(api, period, team, make_user, places):
    due = api(team, "get", "/monitoring?tab=due")
    assert due.status_code == 200 and [i["id"] for i in due.json()["items"]] == [period.pk]
    assert api(team, "get", "/monitoring?tab=ended").json()["total"] == 0
    assert api(team, "get", "/monitoring?tab=active&q=cuong").json()["total"] == 1
    assert api(team, "get", "/monitoring?tab=nope").status_code == 422
    far = make_user("far.ytt", places.far, tasks=[Task.COMMUNITY])
    assert api(far, "get", "/monitoring?tab=active").json()["total"] == 0
    assert api(far, "get", f"/monitoring/{period.pk}").status_code == 404


def test_record_a_check_then_close(api, period, team):
    body = {"date": TODAY.isoformat(), "temperature": "36.7", "symptoms": []}
    response = api(team, "post", f"/monitoring/{period.pk}/checks", body)
    assert response.status_code == 200, response.content
    detail = response.json()
    assert detail["checks"][0]["temperature"] == "36.7" and detail["last_check"] == str(TODAY)
    again = api(team, "post", f"/monitoring/{period.pk}/checks", {**body, "temperature": "37"})
    assert again.status_code == 409
    bad = api(team, "post", f"/monitoring/{period.pk}/checks", {**body, "temperature": "50"})
    assert bad.status_code == 422 and "temperature" in bad.json()["error"]["fields"]
    closed = api(
        team,
        "post",
        f"/monitoring/{period.pk}/close",
        {"status": "completed", "version": detail["version"]},
    )
    assert closed.status_code == 200 and closed.json()["status"] == MonitoringStatus.COMPLETED


def test_a_leader_reads_but_does_not_record(api, period, make_user, places):
    leader = make_user("leader.pn", places.commune, tasks=[Task.LEADER])
    assert api(leader, "get", f"/monitoring/{period.pk}").status_code == 200
    body = {"date": TODAY.isoformat()}
    assert api(leader, "post", f"/monitoring/{period.pk}/checks", body).status_code == 403
