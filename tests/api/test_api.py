import pytest
from django.db import connection

from vigil.accounts.models import ApiToken, Task


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_openapi_document_and_docs_are_served(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["info"]["title"] == "Vigil API"
    assert "/api/v1/people/search" in doc["paths"]
    assert "/api/v1/tokens" in doc["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_a_token_authenticates_and_shows_the_account(client, cdc):
    _token, secret = ApiToken.issue(cdc, "phone")
    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 200
    assert response.json()["username"] == "cdc.hue"
    assert response.json()["jurisdiction_name"] == "Thành phố Huế"


def test_errors_have_one_stable_shape(client, cdc):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    _token, secret = ApiToken.issue(cdc, "phone")
    response = client.get("/api/v1/people/999999", **bearer(secret))
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": response.json()["error"]["message"]}
    }
    response = client.get("/api/v1/people/search", **bearer(secret))  # q missing
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert "q" in body["fields"]


def test_an_account_creates_lists_and_revokes_its_tokens(client, cdc):
    client.force_login(cdc)
    client.post("/accounts/tokens/", {"name": "tablet"})
    token = ApiToken.objects.get(user=cdc)
    _t, secret = ApiToken.issue(cdc, "second")
    listed = client.get("/api/v1/tokens", **bearer(secret)).json()
    assert {t["name"] for t in listed} == {"tablet", "second"}
    assert client.delete(f"/api/v1/tokens/{token.pk}", **bearer(secret)).status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_created_through_the_api_works_and_stops_when_revoked(client, cdc):
    _t, secret = ApiToken.issue(cdc, "bootstrap")
    created = client.post(
        "/api/v1/tokens", {"name": "app"}, content_type="application/json", **bearer(secret)
    ).json()
    assert created["secret"].startswith("vgl_")
    assert client.get("/api/v1/me", **bearer(created["secret"])).status_code == 200
    client.delete(f"/api/v1/tokens/{created['id']}", **bearer(secret))
    assert client.get("/api/v1/me", **bearer(created["secret"])).status_code == 401


def test_a_disabled_account_cannot_use_its_tokens(client, cdc):
    _t, secret = ApiToken.issue(cdc, "phone")
    cdc.is_active = False
    cdc.save()
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401


def test_people_search_through_the_api_is_scoped_and_masked(client, cdc, make_person, places):
    make_person(places.commune, "Nguyễn Văn Đức", id_number="046090001234")
    make_person(places.far, "Nguyễn Văn Đức", id_number="046090009999")
    _t, secret = ApiToken.issue(cdc, "phone")
    results = client.get("/api/v1/people/search?q=nguyen van duc", **bearer(secret)).json()
    assert [r["id_number"] for r in results] == ["04•••••••234"]
    assert results[0]["match"] == "name"


def test_healthz_answers_when_the_database_does(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    def broken(*args, **kwargs):
        raise connection.OperationalError("gone")

    monkeypatch.setattr(connection, "cursor", broken)
    assert client.get("/healthz").status_code == 503
