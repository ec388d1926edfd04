"""The role × route matrix (pretix-style): every URL pattern and every API
operation, requested as an account of every task group, answers what the
permission registry (`vigil.core.permissions`) says.

- Each page and API operation names its capability (`requires`,
  `api_requires`) or says it needs none (`public`, `citizen`); a route that
  does neither fails here, so a new route cannot forget its permission.
- For each capability route and each task group (plus a province-level
  account, for capabilities held at the province only, and an anonymous
  visitor): an account the registry allows is not refused (no 401/403); an
  account it does not allow gets 403; an anonymous visitor is sent to the login
  page (pages) or gets 401 (API).
- The records named in URLs are in the accounts' own commune, so that scope
  (proved by tests/scope) never hides a permission decision.
- Each menu entry names the capability of the page it opens, and every
  capability offered on the web has an API operation, or the registry says why
  not (R-N5).
"""

from types import SimpleNamespace

import pytest
from django.urls import resolve

from vigil.accounts.models import ApiToken, Task
from vigil.core import menu
from vigil.core import permissions as perms
from vigil.core.permissions import CAPABILITIES, CITIZEN, PMS, PUBLIC, may

from ..routes import fill, params, route_capabilities
from ..scope.samples import SAMPLES, build_world

NO_CAPABILITY = (PUBLIC, CITIZEN, PMS)


CAPS = route_capabilities()


def test_the_matrix_covers_pages_and_api_operations():
    # Guards the walk itself: were it empty, every other test would pass.
    assert sum(1 for r, m, _c in CAPS if m is None) > 60
    assert sum(1 for r, m, _c in CAPS if m is not None) > 40


@pytest.mark.parametrize("route,method,capability", CAPS)
def test_every_route_names_its_capability(route, method, capability):
    assert capability in {*CAPABILITIES, *NO_CAPABILITY}, (
        f"{(method or 'any').upper()} /{route} names no capability: decorate it with "
        "requires()/api_requires() from vigil.core.permissions, or public/citizen/pms"
    )


def test_each_menu_entry_names_the_capability_of_its_page():
    for section in menu.SECTIONS:
        for entry in section.entries:
            from django.urls import reverse

            view = resolve(reverse(entry.url_name)).func
            assert view.capability == entry.capability, entry.url_name


def test_every_web_capability_has_an_api_operation_or_a_reason():
    web = {c for _r, m, c in CAPS if m is None and c in CAPABILITIES}
    api_caps = {c for _r, m, c in CAPS if m is not None and c in CAPABILITIES}
    missing = sorted(c for c in web - api_caps if not CAPABILITIES[c].web_only)
    assert not missing, f"capabilities with pages and no API operation: {missing}"


def test_capabilities_are_declared_once_and_named_in_code():
    declared = {
        v
        for k, v in vars(perms).items()
        if k.isupper() and isinstance(v, str) and v in CAPABILITIES
    }
    assert declared == set(CAPABILITIES)


def _roles(places, make_user):
    roles = [SimpleNamespace(name="anonymous", user=None)]
    for task in Task.values:
        user = make_user(f"matrix.{task}", places.far, tasks=[task])
        roles.append(SimpleNamespace(name=task, user=user))
    for task in (Task.CDC, Task.ADMIN):
        user = make_user(f"matrix.province.{task}", places.province, tasks=[task])
        roles.append(SimpleNamespace(name=f"province {task}", user=user))
    return roles


def _request(client, method, url, role, tokens):
    client.logout()
    if url.startswith("/api/"):
        headers = {}
        if role.user is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {tokens[role.name]}"
        kwargs = {"content_type": "application/json"} if method != "get" else {}
        return getattr(client, method)(url, **headers, **kwargs)
    if role.user is not None:
        client.force_login(role.user)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


def _outcome_error(response, role, capability, url):
    status = response.status_code
    if role.user is None:
        expected = (401,) if url.startswith("/api/") else (302,)
        if status not in expected or (status == 302 and "/accounts/login/" not in response.url):
            return f"anonymous got {status}"
        return None
    allowed = may(role.user, capability)
    if allowed and status in (401, 403):
        return f"{role.name} may ({capability}) but got {status}"
    if not allowed and status != 403:
        return f"{role.name} may not ({capability}) but got {status}"
    return None


def test_role_route_matrix(client, places, make_user, make_person):
    world = build_world(places, make_user, make_person)
    roles = _roles(places, make_user)
    tokens = {r.name: ApiToken.issue(r.user, "matrix")[1] for r in roles if r.user}
    failures = []
    checked = 0
    for route, method, capability in CAPS:
        if capability not in CAPABILITIES:
            continue  # public, citizen and PMS routes: nothing to decide by task group
        url = fill(route, {name: SAMPLES[name](world) for name in params(route)})
        for role in roles:
            response = _request(client, method or "get", url, role, tokens)
            error = _outcome_error(response, role, capability, url)
            checked += 1
            if error:
                failures.append(f"{(method or 'page').upper()} {url}: {error}")
    assert checked > 1000
    assert not failures, "\n".join(failures[:60]) + f"\n({len(failures)} in all)"
