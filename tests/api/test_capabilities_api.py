"""Every API operation names its capability of the registry (or is public or
for citizens), and the API imports no page module and no menu."""

import ast
import pathlib

import pytest

from vigil.api.api import api
from vigil.core.permissions import CAPABILITIES, CITIZEN, PMS, PUBLIC

API_DIR = pathlib.Path(__file__).resolve().parents[2] / "vigil" / "api"


def operations():
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                yield f"{prefix}{path}", operation


def test_every_operation_carries_a_known_capability():
    known = set(CAPABILITIES) | {PUBLIC, CITIZEN, PMS}
    seen = list(operations())
    assert len(seen) > 60
    for path, operation in seen:
        capability = getattr(operation.view_func, "capability", None)
        assert capability in known, (path, operation.methods, capability)


@pytest.mark.parametrize("module", sorted(API_DIR.rglob("*.py")), ids=lambda p: p.name)
def test_the_api_imports_no_view_and_no_menu(module):
    for node in ast.walk(ast.parse(module.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            assert ".views" not in name and not name.split(".")[-1].startswith("views"), name
            assert name not in ("vigil.core.modules", "vigil.core.menu"), name


def test_the_openapi_document_loads(client):
    doc = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/statistics/table",
        "/api/v1/quarantine/board",
        "/api/v1/quarantine/facilities/{facility_id}/rooms",
        "/api/v1/testing/lab-sheet",
        "/api/v1/account-requests/{request_id}/approve",
    ):
        assert path in doc["paths"], path
