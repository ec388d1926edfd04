"""Files attached to an investigation (R-E3): photos, PDFs, spreadsheets.

The kind of a file is read from its first bytes, never from its name: an
executable renamed "ket-qua.pdf" starts with "MZ" and is refused. The stored
name is generated (the uploaded name is kept for display only), and the file
goes through Django's storage API (the FileField's storage), so a deployment
can keep attachments on S3-compatible storage by settings alone.

The size is bounded while the upload streams in (`AttachmentUploadHandler`,
installed by the upload views), so a 200 MB upload is never held whole.
"""

import codecs
import contextlib
import os
import uuid
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    SkipFile,
    TemporaryFileUploadHandler,
)
from django.db import transaction
from django.utils.translation import gettext as _

from vigil.audit.services import Action, log

from .models import Attachment, Case, CaseEvent

# Set on the request when AttachmentUploadHandler dropped a file too large.
TOO_LARGE = "vigil_attachment_too_large"
CHUNK = 64 * 1024

KINDS = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
    "txt": "text/plain",
}
ACCEPT = ".jpg,.jpeg,.png,.webp,.pdf,.xlsx,.docx,.csv,.txt"


def max_bytes():
    return settings.VIGIL_ATTACHMENT_MAX_MB * 1024 * 1024


def too_large_message():
    return _("The file is larger than %(mb)d MB, the largest an attachment may be.") % {
        "mb": settings.VIGIL_ATTACHMENT_MAX_MB
    }


class AttachmentUploadHandler(FileUploadHandler):
    """Drops a file as soon as it passes VIGIL_ATTACHMENT_MAX_MB (the upload
    views put it first, in place of the site-wide import limit)."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > max_bytes():
            if self.request is not None:
                setattr(self.request, TOO_LARGE, True)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def use_attachment_handlers(request):
    """Bound the request's uploads by the attachment limit. Possible only
    before the body is read; afterwards the site-wide handlers already ran."""
    with contextlib.suppress(AttributeError):
        request.upload_handlers = [
            AttachmentUploadHandler(request),
            MemoryFileUploadHandler(request),
            TemporaryFileUploadHandler(request),
        ]


def refused_upload(request):
    """The message for an upload dropped while it streamed in; "" when none was."""
    from vigil.core.xlsx import refused_upload as site_refused

    if getattr(request, TOO_LARGE, False):
        return too_large_message()
    return site_refused(request)


# Sniffing ------------------------------------------------------------------


def _is_text(upload):
    """Valid UTF-8 without NUL bytes, read in chunks (a CSV of 20 MB is fine)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        while chunk := upload.read(CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _office_kind(upload):
    """xlsx or docx for an Office Open XML zip, None for any other zip."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("word/") for n in names):
        return "docx"
    return None


def sniff(upload):
    """The kind (a key of KINDS) of the upload's content, or None when refused."""
    upload.seek(0)
    head = upload.read(16)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    if head.startswith((b"MZ", b"\x7fELF", b"#!")) or not head:
        return None
    if _is_text(upload):
        name = (getattr(upload, "name", "") or "").lower()
        return "csv" if name.endswith(".csv") else "txt"
    return None


def display_name(name):
    """The uploaded name without any folder, for display only."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    return (base or "file")[:200]


def check(upload):
    """(kind, display name) of an acceptable upload; ValidationError on `file` otherwise."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    name = display_name(getattr(upload, "name", ""))
    if upload.size > max_bytes():
        raise ValidationError({"file": too_large_message()})
    kind = sniff(upload)
    upload.seek(0)
    if kind is None:
        raise ValidationError(
            {
                "file": _(
                    "“%(name)s” is not a photo (JPEG, PNG, WebP), PDF, Excel, Word, CSV or "
                    "text file. Other kinds of files are not accepted."
                )
                % {"name": name}
            }
        )
    return kind, name


# Changes -------------------------------------------------------------------


def _event(case, actor, action, data):
    CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        to_data=data if action == "attachment_add" else {},
        from_data=data if action == "attachment_delete" else {},
    )


@transaction.atomic
def attach(case, *, actor, upload):
    """Store `upload` as an attachment of `case`; nothing is stored when refused."""
    kind, name = check(upload)
    case = Case.objects.select_for_update().get(pk=case.pk)
    attachment = Attachment(
        case=case,
        name=name,
        content_type=KINDS[kind],
        size=upload.size,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # The stored name is ours: never a path or name the client chose.
    attachment.file.save(f"{uuid.uuid4().hex}.{kind}", upload, save=False)
    stored = attachment.file.name
    try:
        attachment.save()
        data = {"id": attachment.pk, "name": name, "size": attachment.size}
        _event(case, actor, "attachment_add", data)
        log(actor, Action.CREATE, attachment, area_path=case.area_path, detail=data)
    except Exception:
        attachment.file.storage.delete(stored)
        raise
    return attachment


@transaction.atomic
def delete_attachment(attachment, *, actor):
    case = Case.objects.select_for_update().get(pk=attachment.case_id)
    current = Attachment.objects.select_for_update().get(pk=attachment.pk)
    data = {"id": current.pk, "name": current.name, "size": current.size}
    stored, storage = current.file.name, current.file.storage
    log(actor, Action.DELETE, current, area_path=case.area_path, detail=data)
    current.delete()
    _event(case, actor, "attachment_delete", data)
    # The file goes only once the deletion is committed.
    transaction.on_commit(lambda: storage.delete(stored))


def record_download(actor, attachment):
    """Each download is in the audit log (who read which file of which case)."""
    log(
        actor,
        Action.VIEW,
        attachment,
        area_path=attachment.case.area_path,
        detail={"download": attachment.name, "case": attachment.case_id},
    )
