"""Reading uploaded Excel files safely, for every import (paper forms, lab sheets)."""

import io
import zipfile

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

XLSX_ACCEPT = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FileProblem(Exception):
    """The upload as a whole cannot be read; the message says why."""


class XlsxUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": XLSX_ACCEPT}),
    )


def open_workbook(content, max_unpacked):
    """A read-only openpyxl workbook of `content`, or FileProblem.

    An .xlsx is a zip: one that would unpack to far more than an import can
    hold is refused before openpyxl reads its text into memory.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(item.file_size for item in archive.infolist()) > max_unpacked:
                raise FileProblem(
                    _("The file holds too much data for one import: split it into smaller files.")
                )
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except FileProblem:
        raise
    except Exception:  # openpyxl raises many kinds on a file that is not .xlsx
        raise FileProblem(
            _("This is not an Excel .xlsx file. Save it as .xlsx (Excel Workbook) and try again.")
        ) from None
