"""Exports through the API: start, progress, download, my exports."""

import io

import openpyxl
import pytest

from vigil.accounts.models import ApiToken, Task
from vigil.jobs.models import Job

E = "/api/v1/exports"


@pytest.fixture
def token_for(make_user):
    def make(username, unit, tasks):
        user = make_user(username, unit, tasks=tasks)
        return user, {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user, 'test')[1]}"}

    return make


@pytest.fixture
def station(token_for, places):
    return token_for("hs.pn", places.commune, [Task.HEALTH_STATION])


def sheet(response):
    assert response["Content-Disposition"].startswith("attachment")
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_a_small_export_is_ready_at_once_and_downloads(client, station, declarations):
    user, auth = station
    response = client.post(f"{E}?list=declarations&q=tran+thi", **auth)
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["state"], out["total"], out["done"], out["percent"]) == ("done", 1, 1, 100)
    assert out["list_key"] == "declarations" and out["filters"] == {"q": ["tran thi"]}
    assert out["size"] > 0 and out["file_name"].endswith(".xlsx")
    assert Job.objects.get(pk=out["id"]).created_by == user
    rows = list(sheet(client.get(f"{E}/{out['id']}/file", **auth)).iter_rows(min_row=4))
    assert [row[1].value for row in rows] == ["Trần Thị Hai"]
    assert [e["id"] for e in client.get(E, **auth).json()] == [out["id"]]


def test_a_large_export_is_queued_polled_then_downloaded(
    client,
    station,
    declarations,
    settings,
    db_queue,
    run_worker,
):
    settings.VIGIL_EXPORT_SYNC_ROWS = 1
    _user, auth = station
    out = client.post(f"{E}?list=declarations", **auth).json()
    assert (out["state"], out["total"], out["percent"]) == ("queued", 2, 0)
    assert client.get(f"{E}/{out['id']}/file", **auth).status_code == 404  # not yet
    run_worker()
    progress = client.get(f"{E}/{out['id']}", **auth).json()
    assert (progress["state"], progress["done"], progress["percent"]) == ("done", 2, 100)
    book = sheet(client.get(f"{E}/{out['id']}/file", **auth))
    assert len(list(book.iter_rows(min_row=4))) == 2


def test_another_account_never_sees_an_export(client, station, token_for, places, declarations):
    _user, auth = station
    out = client.post(f"{E}?list=declarations", **auth).json()
    _other, other = token_for("hs.pn2", places.commune, [Task.HEALTH_STATION])
    for url in (f"{E}/{out['id']}", f"{E}/{out['id']}/file"):
        response = client.get(url, **other)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.get(E, **other).json() == []


def test_an_establishment_exports_its_register_and_no_other_list(
    client, token_for, places, declarations
):
    """Every account holds the export capability since establishments export
    their own guest register; what may be exported is the list's capability."""
    _hotel, auth = token_for("hotel.pn", places.commune, [Task.ESTABLISHMENT])
    assert client.post(f"{E}?list=declarations", **auth).status_code == 403
    assert client.post(f"{E}?list=triage", **auth).status_code == 403
    assert client.get(E, **auth).status_code == 200
    assert not Job.objects.exists()
    assert client.post(f"{E}?list=guests", **auth).status_code != 403


def test_a_list_the_account_may_not_read_is_403_and_an_unknown_one_404(
    client,
    token_for,
    places,
    declarations,
):
    _leader, auth = token_for("leader.pn", places.commune, [Task.LEADER])
    assert client.post(f"{E}?list=triage", **auth).status_code == 403  # not CDC's queue
    assert client.post(f"{E}?list=nope", **auth).status_code == 404
    _school, auth = token_for("school.pn", places.commune, [Task.SCHOOL])
    assert client.post(f"{E}?list=declarations", **auth).status_code == 403
    assert client.post(E, **auth).status_code == 404  # `list` missing
