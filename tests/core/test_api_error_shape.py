"""Every error of the API is JSON in its documented shape, including what
Django itself would answer with an HTML page (issue #12, finding 8)."""

import json

import pytest
from django.test import Client

from vigil.accounts.models import Task


def shape(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_an_unknown_api_path(client, db):
    shape(client.get("/api/v1/no-such-thing"), 404, "not_found")
    shape(client.post("/api/v1/declarations/no/such/path"), 404, "not_found")
    # Pages keep their HTML 404.
    assert not client.get("/no-such-page/")["Content-Type"].startswith("application/json")


def test_a_method_an_operation_does_not_take(client, db):
    response = client.delete("/api/v1/declarations/otp/request")
    shape(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_a_server_error(db, monkeypatch):
    from vigil.api import instance

    def boom(secret):
        raise RuntimeError("boom")

    monkeypatch.setattr(instance.token_services, "authenticate_token", boom)
    client = Client(raise_request_exception=False)
    response = client.post(
        "/api/v1/account-requests", {}, content_type="application/json",
        HTTP_AUTHORIZATION="Bearer vgl_x",
    )  # fmt: skip
    error = shape(response, 500, "server_error")
    assert "boom" not in error["message"]


def test_a_csrf_failure_of_a_session(make_user, places):
    user = make_user("cdc.csrf", places.commune, tasks=[Task.CDC])
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/v1/account-requests", {}, content_type="application/json")
    shape(response, 403, "csrf_failed")


def test_the_csrf_failure_view_answers_json_under_the_api(rf):
    from vigil.urls import csrf_failure

    shape(csrf_failure(rf.post("/api/v1/anything"), reason="no token"), 403, "csrf_failed")
    assert csrf_failure(rf.post("/accounts/login/"), reason="x").status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/declarations/otp/request", "/api/v1/nowhere"])
def test_a_body_too_large(client, db, settings, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"phone": "0905123456", "pad": "x" * 5000})
    response = client.post(path, body, content_type="application/json")
    if path.endswith("nowhere"):
        shape(response, 404, "not_found")
    else:
        shape(response, 413, "too_large")


def test_handler400_answers_413_for_a_body_too_large(rf):
    from django.core.exceptions import RequestDataTooBig

    from vigil.urls import bad_request

    shape(bad_request(rf.post("/api/v1/x"), RequestDataTooBig()), 413, "too_large")
    shape(bad_request(rf.post("/api/v1/x"), None), 400, "bad_request")
