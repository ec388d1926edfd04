"""The guest register through the API: check-in by code (the online
declaration reused), with the arrival declaration's body (channel
"establishment"), retried with the same Idempotency-Key, check-out before
check-in refused, a stale edit 409, and the scope (404 outside it)."""

import datetime
import json

import pytest
from django.utils import timezone

from vigil.accounts.models import ApiToken, Task
from vigil.api.declarations.schemas import EXAMPLE_DECLARATION
from vigil.declarations import services as declarations
from vigil.declarations.models import Declaration
from vigil.lodging import services
from vigil.lodging.models import GuestStay

from ..scope.samples import make_declaration


@pytest.fixture
def call(client):
    def do(user, method, path, body=None, headers=None, **query):
        token = ApiToken.issue(user, "test")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}", **(headers or {})}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        elif query:
            kwargs["data"] = query
        return getattr(client, method)(f"/api/v1/lodging{path}", **kwargs)

    return do


def test_check_in_by_code_reuses_the_declaration(call, reception, make_person, places):
    person = make_person(places.commune)
    online = make_declaration(person, places.commune)
    body = {"declaration_code": declarations.qr_payload(online), "room": "12", "nights": 1}
    response = call(reception, "post", "/guests", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["declared"] and out["declaration_code"] == online.code
    assert out["qr_payload"] == declarations.qr_payload(online)
    assert Declaration.objects.filter(person=person).count() == 1


def test_an_unknown_code_is_refused(call, reception):
    response = call(reception, "post", "/guests", {"declaration_code": "VGL1:AAAAAAAA:x"})
    assert response.status_code == 422
    assert "declaration_code" in response.json()["error"]["fields"]


def test_check_in_with_a_declaration_body_retried_creates_nothing_twice(call, reception, places):
    body = {"declaration": {**EXAMPLE_DECLARATION, "area_code": places.commune.code}}
    body["declaration"].pop("village_code", None)
    body["declaration"]["arrival_date"] = timezone.localdate().isoformat()
    headers = {"HTTP_IDEMPOTENCY_KEY": "retry-1"}
    first = call(reception, "post", "/guests", body, headers)
    assert first.status_code == 201, first.content
    again = call(reception, "post", "/guests", body, headers)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    declaration = Declaration.objects.get()
    assert declaration.channel == "establishment"
    assert GuestStay.objects.count() == 1


def test_check_out_before_check_in_and_stale_edits(
    call, reception, establishment, make_person, places
):
    stay = services.check_in(reception, establishment, person=make_person(places.commune)).stay
    before = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    path = f"/guests/{stay.pk}"
    refused = call(reception, "post", f"{path}/check-out", {"version": 1, "at": before})
    assert refused.status_code == 422
    changed = call(reception, "patch", path, {"version": 1, "room": "5"})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = call(reception, "patch", path, {"version": 1, "room": "6"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    done = call(reception, "post", f"{path}/check-out", {"version": 2})
    assert done.status_code == 200 and done.json()["check_out"]


def test_the_register_is_scoped(
    call, reception, police, make_user, establishment, make_person, places
):
    stay = services.check_in(reception, establishment, person=make_person(places.commune)).stay
    listed = call(reception, "get", "/guests", declared="no")
    assert [item["id"] for item in listed.json()["items"]] == [stay.pk]
    assert call(police, "get", f"/guests/{stay.pk}").status_code == 200
    far = make_user("police.far", places.far, tasks=[Task.POLICE])
    assert call(far, "get", f"/guests/{stay.pk}").status_code == 404
    assert call(far, "get", "/guests").json()["total"] == 0
    assert call(police, "post", "/guests", {"person_id": stay.person_id}).status_code == 403
