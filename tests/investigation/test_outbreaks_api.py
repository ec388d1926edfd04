"""Outbreaks, the map and the chain graphs through the API: the pages' rules
and messages, 404 out of scope, 409 stale, 422 per field."""

import json

import pytest
from django.utils import translation

from vigil.accounts.models import ApiToken, Task
from vigil.investigation.models import CaseKind, Outbreak


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def api(client):
    def call(user, method, path, body=None):
        token = ApiToken.issue(user, "test")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1/investigation{path}", **kwargs)

    return call


@pytest.fixture
def cdc_hue(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


def body(places, **extra):
    return {
        "name": "Chợ Đông Ba",
        "area_code": places.commune.code,
        "address": "2 Trần Hưng Đạo",
        "longitude": "107.5886",
        "latitude": 16.4735,
        "status": "active",
        "opened_on": "2021-07-01",
        **extra,
    }


def test_create_read_update_delete(api, cdc_hue, places):
    created = api(cdc_hue, "post", "/outbreaks", body(places))
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["area_code"], out["longitude"], out["version"]) == (
        places.commune.code,
        107.5886,
        1,
    )
    pk = out["id"]
    assert api(cdc_hue, "get", f"/outbreaks/{pk}").json()["name"] == "Chợ Đông Ba"
    assert [o["id"] for o in api(cdc_hue, "get", "/outbreaks?status=active").json()] == [pk]
    changed = api(cdc_hue, "put", f"/outbreaks/{pk}", body(places, status="closed", version=1))
    assert changed.status_code == 200
    assert (changed.json()["status"], changed.json()["activity"]) == ("closed", "closed")
    stale = api(cdc_hue, "put", f"/outbreaks/{pk}", body(places, name="Khác", version=1))
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale"
    assert api(cdc_hue, "delete", f"/outbreaks/{pk}").status_code == 204
    assert not Outbreak.objects.exists()


def test_bad_values_answer_422_per_field(api, cdc_hue, places):
    response = api(cdc_hue, "post", "/outbreaks", body(places, latitude="21.0"))
    assert response.status_code == 422
    assert "15.95" in response.json()["error"]["fields"]["latitude"][0]
    response = api(cdc_hue, "post", "/outbreaks", body(places, area_code="nowhere"))
    assert "area_code" in response.json()["error"]["fields"]
    assert not Outbreak.objects.exists()


def test_out_of_scope_is_404_and_readers_may_not_write(api, cdc_hue, make_user, places):
    pk = api(cdc_hue, "post", "/outbreaks", body(places)).json()["id"]
    far = make_user("cdc.far", places.far, tasks=[Task.CDC])
    assert api(far, "get", f"/outbreaks/{pk}").status_code == 404
    assert api(far, "get", f"/outbreaks/{pk}/chain").status_code == 404
    assert api(far, "delete", f"/outbreaks/{pk}").status_code == 404
    assert api(far, "get", "/map").json()["features"] == []
    station = make_user("tyt.pn", places.commune, tasks=[Task.HEALTH_STATION])
    assert api(station, "get", f"/outbreaks/{pk}").status_code == 200
    assert api(station, "post", "/outbreaks", body(places)).status_code == 403


def test_chain_graphs(api, cdc, make_case, make_user, places):
    f0 = make_case(CaseKind.CONFIRMED)
    f1 = make_case(sources=[(f0, None)], area=places.far)
    graph = api(cdc, "get", f"/cases/{f1.pk}/chain").json()
    assert {n["case_id"] for n in graph["nodes"]} == {f0.pk, f1.pk}
    far = make_user("tyt.far", places.far, tasks=[Task.HEALTH_STATION])
    graph = api(far, "get", f"/cases/{f1.pk}/chain").json()
    hidden = [n for n in graph["nodes"] if n["hidden"]]
    assert len(hidden) == 1 and hidden[0].get("case_id") is None
    assert f0.code not in json.dumps(graph)
    assert api(far, "get", f"/cases/{f0.pk}/chain").status_code == 404
