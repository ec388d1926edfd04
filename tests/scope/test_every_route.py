"""The jurisdiction harness: every URL pattern, pages and API alike, walked as a
user of another commune who holds every task group (so that permissions never
hide a scope leak).

- A route with object ids in its URL is requested, with every HTTP method, for
  an object of a commune in another district: it must answer 404 (or 405) and
  leave that object unchanged. The object's own commune user must not get 404
  (so the 404 is about scope, not a wrong sample).
- A route without ids (lists, search, forms, documents) must not show any of the
  outsider's identifying values.

New routes are picked up automatically. A new URL parameter name fails the
suite until tests/scope/samples.py says which out-of-scope object it names.
"""

import pytest

from vigil.accounts.models import ApiToken, Task
from vigil.core.permissions import CAPABILITIES, may

from ..routes import ROUTES, capability_of, fill, params
from .samples import SAMPLES, build_world, snapshot

METHODS = ["get", "post", "put", "patch", "delete"]


def request(client, method, url, token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if url.startswith("/api/") else {}
    kwargs = {"content_type": "application/json"} if method in ("put", "patch") else {}
    return getattr(client, method)(url, **headers, **kwargs)


def test_the_walk_finds_the_known_routes():
    # Guards the walker itself: if it found nothing, every other test would pass.
    assert "people/<int:person_id>/" in ROUTES
    assert any(r.startswith("api/v1/") and "person_id" in r for r in ROUTES)
    assert len(ROUTES) > 15


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_parameter_has_an_out_of_scope_sample(route):
    missing = [name for name in params(route) if name not in SAMPLES]
    assert not missing, (
        f"Register an out-of-scope sample for URL parameter(s) {missing} of '{route}' "
        "in tests/scope/samples.py"
    )


@pytest.fixture
def world(db, places, make_user, make_person):
    return build_world(places, make_user, make_person)


def _token(user):
    return ApiToken.issue(user, "harness")[1]


# The outsiders: a commune user holding every task group, and an accommodation
# establishment's reception account (whose scope is its establishment only).
OUTSIDERS = ["neighbour_user", "reception_user"]


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("route", [r for r in ROUTES if params(r)])
def test_records_outside_scope_answer_404_and_stay_unchanged(client, world, route, who):
    values = {name: SAMPLES[name](world) for name in params(route)}
    url = fill(route, values)
    before = snapshot(world)
    outsider = getattr(world, who)

    client.force_login(outsider)
    token = _token(outsider)
    for method in METHODS:
        response = request(client, method, url, token)
        # 401: the route takes another kind of credential (a citizen's phone
        # token); 403: the account lacks the route's capability. Both are
        # decided before any record is looked up, so they reveal nothing.
        refused = (401, 404, 405)
        capability = capability_of(route, method)
        if capability in CAPABILITIES and not may(outsider, capability):
            refused += (403,)
        assert response.status_code in refused, (
            f"{method.upper()} {url} as a user of another commune answered "
            f"{response.status_code}, not 404"
        )
    assert snapshot(world) == before, f"{url} changed a record outside the caller's scope"

    # Positive control: the record's own commune does reach it.
    client.force_login(world.far_user)
    response = request(client, "get", url, _token(world.far_user))
    assert response.status_code != 404, f"GET {url} is 404 even for the record's own commune"


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("route", [r for r in ROUTES if not params(r)])
def test_lists_and_pages_show_nothing_from_outside_scope(client, world, route, who):
    url = fill(route, {})
    outsider = getattr(world, who)
    client.force_login(outsider)
    token = _token(outsider)
    # The reception of an establishment sees nothing of its own commune
    # either, but its own guests.
    markers = world.markers + (world.near_markers if who == "reception_user" else [])
    # Searches that would find the outsider, spelled so that the echo of the
    # query in the page is not itself a marker.
    queries = ["", "?q=bui thi bimat", "?q=046 999 888 777", "?q=%2B84 912 345 678"]
    for query in queries:
        for method in ("get", "post"):
            response = request(client, method, url + query, token)
            body = response.content.decode("utf-8", "replace")
            for marker in markers:
                assert marker not in body, (
                    f"{method.upper()} {url}{query} shows '{marker}' to {who}, outside its scope"
                )


def test_the_harness_user_holds_every_task_group(world):
    assert sorted(world.neighbour_user.tasks) == sorted(Task.values)
