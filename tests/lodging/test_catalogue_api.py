"""The establishment catalogue and the PMS keys through the API: the pages'
rules and messages, 404 out of scope, 409 stale, 422 per field."""

import json

import pytest
from django.utils import translation

from vigil.accounts.models import ApiToken, Task
from vigil.lodging import catalogue
from vigil.lodging.models import Establishment


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
        return getattr(client, method)(f"/api/v1/lodging{path}", **kwargs)

    return call


def body(places, **extra):
    return {
        "name": "Homestay Bên Sông",
        "kind": "homestay",
        "licence_number": "HS-9",
        "area_code": places.commune.code,
        "address": "3 Nguyễn Trãi",
        "rooms": 5,
        "phone": "0905 111 222",
        **extra,
    }


def test_create_read_update(api, police, places):
    created = api(police, "post", "/establishments", body(places))
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["phone"], out["status"], out["version"], out["guests_in_house"]) == (
        "0905111222",
        "open",
        1,
        0,
    )
    pk = out["id"]
    assert api(police, "get", f"/establishments/{pk}").json()["name"] == "Homestay Bên Sông"
    assert [e["id"] for e in api(police, "get", "/establishments?kind=homestay").json()] == [pk]
    assert api(police, "get", "/establishments?kind=hotel").json() == []
    changed = api(police, "patch", f"/establishments/{pk}", {"status": "closed", "version": 1})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["status"], changed.json()["rooms"]) == ("closed", 5)
    again = api(police, "patch", f"/establishments/{pk}", {"rooms": 9, "version": 1})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "stale"
    assert Establishment.objects.get(pk=pk).rooms == 5


def test_bad_values_are_422_per_field(api, police, places):
    response = api(police, "post", "/establishments", body(places, rooms=0, area_code="nope"))
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert "area_code" in fields
    response = api(police, "post", "/establishments", body(places, rooms=0, name=""))
    fields = response.json()["error"]["fields"]
    assert {"rooms", "name"} <= set(fields)
    assert not Establishment.objects.exists()


def test_scope_and_permissions(api, reception, establishment, far_establishment, make_user, places):
    ids = [e["id"] for e in api(reception, "get", "/establishments").json()]
    assert ids == [establishment.pk]
    assert api(reception, "get", f"/establishments/{far_establishment.pk}").status_code == 404
    assert api(reception, "post", "/establishments", body(places)).status_code == 403
    far_police = make_user("police.far", places.far, tasks=[Task.POLICE])
    assert api(far_police, "get", f"/establishments/{establishment.pk}").status_code == 404
    response = api(far_police, "patch", f"/establishments/{establishment.pk}", {"version": 1})
    assert response.status_code == 404


def test_pms_keys_issue_list_revoke(api, reception, establishment, far_establishment, police):
    issued = api(reception, "post", f"/establishments/{establishment.pk}/pms-keys", {"name": "PMS"})
    assert issued.status_code == 201, issued.content
    secret = issued.json()["secret"]
    assert catalogue.authenticate_pms(secret).pk == issued.json()["id"]
    listed = api(reception, "get", f"/establishments/{establishment.pk}/pms-keys").json()
    assert [t["id"] for t in listed] == [issued.json()["id"]]
    assert "secret" not in listed[0]
    nameless = api(reception, "post", f"/establishments/{establishment.pk}/pms-keys", {})
    assert nameless.status_code == 422
    other, _s = catalogue.issue_token(far_establishment, actor=police, name="X")
    assert api(reception, "post", f"/pms-keys/{other.pk}/revoke").status_code == 404
    revoked = api(reception, "post", f"/pms-keys/{issued.json()['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert catalogue.authenticate_pms(secret) is None
    assert api(police, "get", f"/establishments/{establishment.pk}/pms-keys").status_code == 403
