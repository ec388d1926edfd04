"""Every URL pattern of the project, and the capability each one requires
(vigil.core.permissions), for the scope harness and the role × route matrix."""

import re
from types import SimpleNamespace

from django.urls import URLPattern, URLResolver, get_resolver, resolve

from vigil.core.permissions import PUBLIC

_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def walk(patterns=None, prefix=""):
    """(route, namespace) for every URL pattern, with prefixes joined."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route.lstrip("^").rstrip("$")


ROUTES = sorted(set(walk()))


def params(route):
    return [m.group("name") for m in _PARAM.finditer(route)]


def fill(route, values):
    return "/" + _PARAM.sub(lambda m: str(values[m.group("name")]), route)


def api_operations():
    """{(route, method): view_func} for every operation of the API."""
    out = {}
    for route in ROUTES:
        if not route.startswith("api/v1/"):
            continue
        for operation in _path_view(_view_of(route)).operations:
            for method in operation.methods:
                out[(route, method.lower())] = operation.view_func
    return out


def _path_view(view):
    """django-ninja's view function closes over its PathView (the operations
    of one path, one per method); the API's own pages (docs) have none."""
    cells = [c.cell_contents for c in getattr(view, "__closure__", None) or ()]
    return next((c for c in cells if hasattr(c, "operations")), SimpleNamespace(operations=()))


def _view_of(route):
    values = {name: 1 if "id" in name else "x" for name in params(route)}
    return resolve(fill(route, values)).func


def route_capabilities():
    """[(route, method or None, capability)]: None means "any method" (pages)."""
    operations = api_operations()
    out = []
    for route in ROUTES:
        if route.startswith("api/v1/"):
            ninja_own = not any(r == route for r, _m in operations)
            if ninja_own:  # the API's root, its docs and its OpenAPI document
                out.append((route, None, PUBLIC))
            continue
        out.append((route, None, getattr(_view_of(route), "capability", None)))
    for (route, method), func in sorted(operations.items()):
        out.append((route, method, getattr(func, "capability", None)))
    return out


def capability_of(route, method):
    """The capability a request `method` on `route` needs (None: none named)."""
    for r, m, capability in route_capabilities():
        if r == route and m in (None, method):
            return capability
    return None
