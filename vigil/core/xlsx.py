"""Reading uploaded Excel files safely, for every import (paper forms, lab sheets).

Every bound is checked before the costly step it protects:

- the upload's size while it streams in (`BoundedUploadHandler`, first of
  FILE_UPLOAD_HANDLERS): a file over VIGIL_UPLOAD_MAX_BYTES is dropped, not
  stored, and the form says why;
- the zip's members and the size they unpack to (`open_workbook`), from the
  zip's directory, before openpyxl reads a byte of them;
- rows, columns and time while the sheet is read (vigil.core.xlsx_import).
"""

import io
import zipfile

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

XLSX_ACCEPT = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Set on the request by BoundedUploadHandler when it dropped a file too large.
TOO_LARGE = "vigil_upload_too_large"


class FileProblem(Exception):
    """The upload as a whole cannot be read; the message says why."""


def too_large_message(max_bytes):
    return _("The file is larger than %(mb)d MB: split it into smaller files.") % {
        "mb": max(1, max_bytes // (1024 * 1024))
    }


def upload_limit():
    """The most bytes any uploaded file may have (VIGIL_UPLOAD_MAX_BYTES)."""
    return settings.VIGIL_UPLOAD_MAX_BYTES


class BoundedUploadHandler(FileUploadHandler):
    """Drops an uploaded file as soon as it passes VIGIL_UPLOAD_MAX_BYTES.

    Django stores an upload of any size (in memory, then in a temporary file)
    before a view can look at it. First in FILE_UPLOAD_HANDLERS, this handler
    stops a file at the limit: the handlers after it discard what they got, the
    rest of the file is read and thrown away, and the request is marked so that
    the upload form says the file is too large instead of "no file".
    """

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > upload_limit():
            if self.request is not None:
                setattr(self.request, TOO_LARGE, True)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler makes the file


def refused_upload(request):
    """The message for an upload BoundedUploadHandler dropped; "" when none was."""
    if getattr(request, TOO_LARGE, False):
        return too_large_message(upload_limit())
    return ""


class XlsxUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": XLSX_ACCEPT}),
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        refused = refused_upload(request)
        if refused:
            # The file was dropped while it streamed in: say why, not "required".
            self.fields["file"].error_messages["required"] = refused

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > upload_limit():
            raise forms.ValidationError(too_large_message(upload_limit()))
        return file


def check_archive(content, max_unpacked, max_members):
    """FileProblem unless `content` is a zip of at most `max_members` members
    unpacking to at most `max_unpacked` bytes, read from its directory alone.

    A member cannot unpack to more than the size the directory declares
    (zipfile stops there and fails the checksum), so the sum is a true bound.
    """
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = archive.infolist()
        if len(members) > max_members or sum(m.file_size for m in members) > max_unpacked:
            raise FileProblem(
                _("The file holds too much data for one import: split it into smaller files.")
            )


def open_workbook(content, max_unpacked, max_members=None):
    """A read-only openpyxl workbook of `content`, or FileProblem.

    An .xlsx is a zip: one that would unpack to far more than an import can
    hold, or holds more members than a workbook has, is refused before
    openpyxl reads its text into memory.
    """
    if max_members is None:
        max_members = settings.VIGIL_IMPORT_MAX_MEMBERS
    try:
        check_archive(content, max_unpacked, max_members)
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except FileProblem:
        raise
    except Exception:  # openpyxl raises many kinds on a file that is not .xlsx
        raise FileProblem(not_xlsx_message()) from None


def not_xlsx_message():
    return _("This is not an Excel .xlsx file. Save it as .xlsx (Excel Workbook) and try again.")
