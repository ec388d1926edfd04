"""The investigation API (R-E3): itinerary rows and attachments, same rules
as the page: scope 404, version 409, content-checked multipart uploads."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from vigil.accounts.models import ApiToken, Task
from vigil.audit.models import AuditEvent
from vigil.investigation.models import Attachment, CaseKind, ItineraryEntry

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def case(make_case):
    return make_case(CaseKind.CONFIRMED)


@pytest.fixture
def api(client):
    def call(user, method, path, body=None, **extra):
        token = ApiToken.issue(user, "test")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}", **extra}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1/investigation{path}", **kwargs)

    return call


def test_itinerary_add_change_delete(api, case, cdc):
    path = f"/cases/{case.pk}/itinerary"
    added = api(cdc, "post", path, {"date": "2021-08-03", "time": "15h30", "description": "Chợ"})
    assert added.status_code == 201, added.content
    row = added.json()
    assert row["time"] == "15:30" and row["version"] == 1
    changed = api(
        cdc,
        "put",
        f"/itinerary/{row['id']}",
        {"date": "2021-08-04", "description": "Bến xe", "version": 1},
    )
    assert changed.status_code == 200 and changed.json()["description"] == "Bến xe"
    stale = api(
        cdc,
        "put",
        f"/itinerary/{row['id']}",
        {"date": "2021-08-04", "description": "X", "version": 1},
    )
    assert stale.status_code == 409
    assert api(cdc, "get", path).json()[0]["description"] == "Bến xe"
    gone = api(cdc, "post", f"/itinerary/{row['id']}/delete", {"version": 2})
    assert gone.status_code == 204
    assert not ItineraryEntry.objects.exists()


def test_bad_rows_are_refused_per_field(api, case, cdc):
    response = api(cdc, "post", f"/cases/{case.pk}/itinerary", {"date": "3/8/2021", "time": "99h"})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) >= {"date"}
    response = api(
        cdc, "post", f"/cases/{case.pk}/itinerary", {"date": "2021-08-03", "time": "99h"}
    )
    assert set(response.json()["error"]["fields"]) >= {"time", "description"}
    assert not ItineraryEntry.objects.exists()


def test_out_of_scope_case_answers_404(api, case, make_user, places):
    far = make_user("far.cdc", places.far, tasks=[Task.CDC])
    assert api(far, "get", f"/cases/{case.pk}/itinerary").status_code == 404
    body = {"date": "2021-08-03", "description": "X"}
    assert api(far, "post", f"/cases/{case.pk}/itinerary", body).status_code == 404
    assert api(far, "get", f"/cases/{case.pk}/attachments").status_code == 404


def test_a_reader_may_not_add(api, case, make_user, places):
    leader = make_user("leader.pn", places.commune, tasks=[Task.LEADER])
    body = {"date": "2021-08-03", "description": "X"}
    assert api(leader, "post", f"/cases/{case.pk}/itinerary", body).status_code == 403


def test_multipart_upload_download_and_delete(api, case, cdc):
    up = api(
        cdc,
        "post",
        f"/cases/{case.pk}/attachments",
        data={"file": SimpleUploadedFile("k.pdf", PDF)},
    )
    assert up.status_code == 201, up.content
    attachment = up.json()
    assert attachment["content_type"] == "application/pdf"
    assert [a["id"] for a in api(cdc, "get", f"/cases/{case.pk}/attachments").json()] == [
        attachment["id"]
    ]
    download = api(cdc, "get", f"/attachments/{attachment['id']}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    logged = AuditEvent.objects.get(action="view", object_type="investigation.attachment")
    assert logged.actor == cdc and logged.detail["download"] == "k.pdf"
    assert api(cdc, "post", f"/attachments/{attachment['id']}/delete").status_code == 204
    assert not Attachment.objects.exists()


def test_an_executable_renamed_pdf_is_refused(api, case, cdc):
    exe = SimpleUploadedFile("ket-qua.pdf", b"MZ\x90\x00" + b"\x00" * 64)
    response = api(cdc, "post", f"/cases/{case.pk}/attachments", data={"file": exe})
    assert response.status_code == 422
    assert "ket-qua.pdf" in response.json()["error"]["fields"]["file"][0]
    assert not Attachment.objects.exists()


@override_settings(VIGIL_ATTACHMENT_MAX_MB=1, VIGIL_UPLOAD_MAX_BYTES=50 * 1024 * 1024)
def test_an_oversize_upload_is_refused_with_the_limit(api, case, cdc):
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024 + 1))
    response = api(cdc, "post", f"/cases/{case.pk}/attachments", data={"file": big})
    assert response.status_code == 422
    assert "1 MB" in response.json()["error"]["fields"]["file"][0]
    assert not Attachment.objects.exists()


def test_the_operations_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json()
    ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert {
        "vigil_api_investigation_itinerary",
        "vigil_api_investigation_itinerary_add",
        "vigil_api_investigation_itinerary_change",
        "vigil_api_investigation_itinerary_delete",
        "vigil_api_investigation_attachments",
        "vigil_api_investigation_attachment_add",
        "vigil_api_investigation_attachment",
        "vigil_api_investigation_attachment_delete",
        "vigil_api_investigation_monitoring",
        "vigil_api_investigation_period",
        "vigil_api_investigation_check",
        "vigil_api_investigation_period_close",
    } <= ids
    upload = document["paths"]["/api/v1/investigation/cases/{case_id}/attachments"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
