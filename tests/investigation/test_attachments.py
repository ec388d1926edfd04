"""Files attached to an investigation (R-E3): the kind read from the content,
the size bounded while the upload streams in, downloads logged, scope 404."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from vigil.accounts.models import ApiToken, Task
from vigil.audit.models import AuditEvent
from vigil.investigation import attachments
from vigil.investigation.models import Attachment, CaseKind

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def xlsx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def case(make_case):
    return make_case(CaseKind.CONFIRMED)


def upload(name, content):
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    "name,content,kind",
    [
        ("anh.png", PNG, "png"),
        ("ket-qua.pdf", PDF, "pdf"),
        ("danh-sach.xlsx", xlsx_bytes(), "xlsx"),
        ("ghi-chu.txt", "Lịch trình: chợ Đông Ba".encode(), "txt"),
        ("bang.csv", b"a,b\n1,2\n", "csv"),
        ("photo.bin", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpg"),
    ],
)
def test_it_reads_the_kind_from_the_content(name, content, kind):
    assert attachments.sniff(upload(name, content)) == kind


@pytest.mark.parametrize(
    "name,content",
    [
        ("ket-qua.pdf", b"MZ\x90\x00\x03" + b"\x00" * 60),
        ("ket-qua.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 60),
        ("script.txt", b"#!/bin/sh\nrm -rf /\n"),
        ("archive.xlsx", b"PK\x03\x04not really a zip"),
        ("binary.txt", b"abc\x00def"),
        ("latin1.csv", "tên".encode("latin-1")),
    ],
)
def test_it_refuses_other_content_whatever_the_name(name, content):
    assert attachments.sniff(upload(name, content)) is None


def test_an_executable_renamed_pdf_is_refused_with_its_name(case, cdc, login):
    client = login(cdc)
    exe = upload("ket-qua.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    response = client.post(
        reverse("investigation:attachment-upload", args=[case.pk]), {"file": exe}
    )
    assert response.status_code == 422
    assert "ket-qua.pdf" in response.context["upload_form"].errors["file"][0]
    assert not Attachment.objects.exists()


@override_settings(VIGIL_ATTACHMENT_MAX_MB=1, VIGIL_UPLOAD_MAX_BYTES=50 * 1024 * 1024)
def test_an_oversize_file_is_dropped_while_it_streams_in(case, cdc, login):
    client = login(cdc)
    big = upload("big.pdf", PDF + b"0" * (1024 * 1024 + 10))
    response = client.post(
        reverse("investigation:attachment-upload", args=[case.pk]), {"file": big}
    )
    assert response.status_code == 422
    message = response.context["upload_form"].errors["file"][0]
    assert "1 MB" in message
    assert not Attachment.objects.exists()


@override_settings(VIGIL_ATTACHMENT_MAX_MB=2, VIGIL_UPLOAD_MAX_BYTES=1024 * 1024)
def test_the_attachment_limit_not_the_import_limit_applies(case, cdc, login):
    client = login(cdc)
    photo = upload("anh.png", PNG + b"0" * (1536 * 1024))
    response = client.post(
        reverse("investigation:attachment-upload", args=[case.pk]), {"file": photo}
    )
    assert response.status_code == 302
    assert Attachment.objects.get().size > 1024 * 1024


def test_upload_then_download_is_logged(case, cdc, login):
    client = login(cdc)
    response = client.post(
        reverse("investigation:attachment-upload", args=[case.pk]),
        {"file": upload("../../etc/ket qua.pdf", PDF)},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == "ket qua.pdf"
    assert "etc" not in attachment.file.name and "ket" not in attachment.file.name
    assert attachment.content_type == "application/pdf"
    download = client.get(reverse("investigation:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    logged = AuditEvent.objects.filter(action="view", object_type="investigation.attachment")
    assert logged.get().detail["download"] == "ket qua.pdf"
    assert list(case.events.values_list("action", flat=True))[-1] == "attachment_add"


def test_delete_removes_the_row_and_the_file(case, cdc, login, django_capture_on_commit_callbacks):
    attachment = attachments.attach(case, actor=cdc, upload=upload("a.png", PNG))
    storage, name = attachment.file.storage, attachment.file.name
    assert storage.exists(name)
    client = login(cdc)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("investigation:attachment-delete", args=[attachment.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not storage.exists(name)
    assert list(case.events.values_list("action", flat=True))[-1] == "attachment_delete"


def test_out_of_scope_download_answers_404_on_page_and_api(case, cdc, make_user, places, login):
    attachment = attachments.attach(case, actor=cdc, upload=upload("a.png", PNG))
    far_user = make_user("far.cdc", places.far, tasks=[Task.CDC])
    far = login(far_user)
    assert far.get(reverse("investigation:attachment", args=[attachment.pk])).status_code == 404
    _token, secret = ApiToken.issue(far_user, "t")
    api = far.get(
        f"/api/v1/investigation/attachments/{attachment.pk}",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert api.status_code == 404
    assert not AuditEvent.objects.filter(action="view", object_type="investigation.attachment")


def test_the_upload_still_checks_the_csrf_token(case, cdc):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cdc)
    response = client.post(
        reverse("investigation:attachment-upload", args=[case.pk]), {"file": upload("a.pdf", PDF)}
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()
