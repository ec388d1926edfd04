"""Test results through the API: a person's results, entry (all or nothing),
batch entry and the lab sheet, with the pages' rules and messages."""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.testing import imports, services
from vigil.testing.models import TestResult

TODAY = timezone.localdate()
ROW = {"sample_date": TODAY.isoformat(), "test_date": TODAY.isoformat(), "test_type": "pcr",
       "result": "negative", "sampling_unit": "TYT Phú Nhuận"}  # fmt: skip


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


def test_entering_results_is_all_or_nothing_with_errors_per_row(call, cdc, make_person, places):
    person = make_person(places.commune)
    future = (TODAY + datetime.timedelta(days=2)).isoformat()
    bad = {**ROW, "sample_date": future, "test_date": "", "result": "pending"}
    response = call(cdc, "post", f"/testing/people/{person.pk}/results", {"rows": [ROW, bad]})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"rows.1.sample_date"}
    assert not TestResult.objects.exists()

    response = call(cdc, "post", f"/testing/people/{person.pk}/results", {"rows": [ROW, ROW]})
    assert response.status_code == 201, response.content
    assert [r["result"] for r in response.json()] == ["negative", "negative"]
    listed = call(cdc, "get", f"/testing/people/{person.pk}/results").json()
    assert len(listed) == 2 and listed[0]["created_by"] == "cdc.hue"


def test_results_are_scoped_and_for_the_right_task_groups(call, cdc, make_user, make_person,
                                                          places):  # fmt: skip
    far = make_person(places.far)
    assert call(cdc, "get", f"/testing/people/{far.pk}/results").status_code == 404
    response = call(cdc, "post", f"/testing/people/{far.pk}/results", {"rows": [ROW]})
    assert response.status_code == 404
    leader = make_user("leader.hue", places.district, tasks=[Task.LEADER])
    person = make_person(places.commune)
    assert call(leader, "get", f"/testing/people/{person.pk}/results").status_code == 200
    response = call(leader, "post", f"/testing/people/{person.pk}/results", {"rows": [ROW]})
    assert response.status_code == 403
    police = make_user("police.hue", places.district, tasks=[Task.POLICE])
    assert call(police, "get", f"/testing/people/{person.pk}/results").status_code == 403


def test_a_batch_saves_one_row_per_person_or_nothing(call, cdc, make_person, places):
    a, b, far = (make_person(places.commune), make_person(places.neighbour),
                 make_person(places.far))  # fmt: skip
    body = {**ROW, "batch_code": "PN-01", "person_ids": [a.pk, far.pk]}
    response = call(cdc, "post", "/testing/batch", body)
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"person_ids.1"}
    response = call(cdc, "post", "/testing/batch", {**body, "batch_code": ""})
    assert "batch_code" in response.json()["error"]["fields"]
    assert not TestResult.objects.exists()

    response = call(cdc, "post", "/testing/batch", {**body, "person_ids": [a.pk, b.pk]})
    assert response.status_code == 201, response.content
    assert {r["person_id"] for r in response.json()} == {a.pk, b.pk}
    assert set(TestResult.objects.values_list("batch_code", flat=True)) == {"PN-01"}


def sheet(*rows):
    book = openpyxl.Workbook()
    page = book.active
    page.title = imports.SHEET
    page.append([imports.TEST_ID, imports.RESULT, imports.TEST_DATE])
    for row in rows:
        page.append(list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "ket-qua.xlsx"
    return out


def upload(client, user, content):
    from vigil.accounts.models import ApiToken

    token = ApiToken.issue(user, "test")[1]
    return client.post(
        "/api/v1/testing/lab-sheet", {"file": content}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_the_lab_sheet_lists_every_bad_row_and_saves_nothing(client, cdc, make_person, places):
    person = make_person(places.commune)
    services.add_results(None, person, [
        {"sample_date": TODAY, "test_type": "pcr", "result": "pending", "test_id": "XN-1"},
        {"sample_date": TODAY, "test_type": "pcr", "result": "pending", "test_id": "XN-2"},
    ])  # fmt: skip
    day = TODAY.strftime("%d/%m/%Y")
    response = upload(client, cdc, sheet(("XN-1", "Âm tính", day), ("XN-2", "Tím", day),
                                         ("XN-3", "Dương tính", "32/13/2021")))  # fmt: skip
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_file" and len(error["fields"]["rows"]) == 2
    assert set(TestResult.objects.values_list("result", flat=True)) == {"pending"}

    response = upload(client, cdc, sheet(("XN-1", "Âm tính", day), ("XN-9", "Dương tính", day)))
    assert response.status_code == 200, response.content
    assert response.json() == {"rows": 2, "updated": 1, "unknown": ["XN-9"]}
    assert TestResult.objects.get(test_id="XN-1").result == "negative"


def test_the_lab_sheet_is_for_cdc_and_wants_a_file(client, make_user, cdc, places):
    station = make_user("tyt.pn", places.commune, tasks=[Task.HEALTH_STATION])
    assert upload(client, station, sheet()).status_code == 403
    response = upload(client, cdc, io.BytesIO(b"not a spreadsheet"))
    assert response.status_code == 422
    assert "file" in response.json()["error"]["fields"]


def test_a_large_lab_sheet_answers_202_and_its_job_tells_the_outcome(
    client, cdc, make_user, make_person, places, settings, tmp_path
):
    settings.VIGIL_IMPORT_SYNC_ROWS = 1
    settings.VIGIL_IMPORT_DIR = str(tmp_path)
    person = make_person(places.commune)
    services.add_results(None, person, [
        {"sample_date": TODAY, "test_type": "pcr", "result": "pending", "test_id": "XN-1"},
    ])  # fmt: skip
    day = TODAY.strftime("%d/%m/%Y")
    response = upload(client, cdc, sheet(("XN-1", "Dương tính", day), ("XN-9", "Âm tính", day)))
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["state"], body["total"]) == ("done", 2)  # tests run the queue inline
    assert body["result"] == {"rows": 2, "updated": 1, "unknown": ["XN-9"]}
    assert TestResult.objects.get(test_id="XN-1").result == "positive"

    from vigil.accounts.models import ApiToken

    url = f"/api/v1/testing/lab-sheet/{body['job_id']}"
    token = ApiToken.issue(cdc, "poll")[1]
    polled = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert polled.status_code == 200 and polled.json() == body
    other = make_user("cdc.other", places.district, tasks=[Task.CDC])
    other_token = ApiToken.issue(other, "other")[1]  # another account does not see it
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {other_token}").status_code == 404

    bad = upload(client, cdc, sheet(("XN-1", "Tím", day), ("XN-2", "Âm tính", day)))
    assert bad.status_code == 202
    failed = bad.json()
    assert failed["state"] == "failed" and len(failed["result"]["errors"]) == 1
    assert TestResult.objects.get(test_id="XN-1").result == "positive"  # unchanged
