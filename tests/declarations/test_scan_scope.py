"""The web scanner answers an out-of-scope or unknown code as the API does:
404, the same message, no commune named (issue #12, finding 7)."""

import json

import pytest

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.declarations import services

from .test_scan_and_external import declare


@pytest.fixture
def staff(make_user, places):
    return make_user("community.scan", places.commune, tasks=[Task.COMMUNITY])


def api_message(client, payload):
    response = client.post(
        "/api/v1/declarations/scan", {"payload": payload}, content_type="application/json"
    )
    assert response.status_code == 404
    return json.loads(response.content)["error"]["message"]


def scan_error(client, payload):
    response = client.get("/declarations/scan/", {"payload": payload})
    assert response.status_code == 404
    return response.context["error"], response.content.decode()


def test_an_out_of_scope_code_answers_as_the_api(client, staff, places):
    declaration = declare(places.far)
    client.force_login(staff)
    payload = services.qr_payload(declaration)
    message, body = scan_error(client, payload)
    assert message == api_message(client, payload)
    assert places.far.name not in body and places.far.parent.name not in body
    # Typed, the short code answers the same.
    assert scan_error(client, declaration.code)[0] == message
    # Two scans on the page, one through the API.
    assert AuditEvent.objects.filter(detail__scan="out_of_scope").count() == 3


def test_an_unknown_code_answers_as_the_api(client, staff, places):
    declaration = declare(places.commune)
    client.force_login(staff)
    payload = services.qr_payload(declaration)
    known = declaration.code
    declaration.delete()
    message, _body = scan_error(client, payload)
    assert message == api_message(client, payload)
    assert scan_error(client, known)[0] == message
    assert AuditEvent.objects.filter(detail__scan="unknown").count() == 3
