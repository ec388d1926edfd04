"""The flow every Excel import shares (paper forms, lab sheets).

An import reads one uploaded .xlsx made from its template: the first row holds
the template's column headers (in any order, "*" marks ignored), every later
non-blank row is data. The file as a whole can be refused (too large, not an
.xlsx, not the template, too many rows, no rows): `ImportResult.file_error`
says why. Otherwise each app checks its rows and lists the bad ones as
`RowError`s; an import saves all the rows or none. Every bound (size, zip,
rows, columns, time) is checked before the work it protects: see
vigil.core.xlsx and `SheetReader`. A file of many rows is checked here, kept
(`store_upload`) and read again by the worker (`read_stored`).

What differs between imports (sheet name, headers, limits, messages) is passed
in: this module knows no app.
"""

import io
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.utils.translation import gettext as _

from .text import fold
from .xlsx import FileProblem, not_xlsx_message, open_workbook, too_large_message, upload_limit

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class SheetFormat:
    """What an import reads: its data sheet, its columns and its limits."""

    sheet: str  # the data sheet's name; the first sheet when the file has none of that name
    headers: dict  # {field: header}, in the template's order
    max_rows: int
    max_bytes: int
    max_unpacked: int  # bytes the .xlsx (a zip) may unpack to

    @property
    def limit(self):
        """The largest file taken: `max_bytes`, or the upload limit when smaller."""
        return min(self.max_bytes, upload_limit())


@dataclass
class RowError:
    row: int
    message: str

    def __str__(self):
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportResult:
    rows: int = 0
    file_error: str = ""
    errors: list = field(default_factory=list)  # [RowError, ...]
    job: object = None  # the Job checking and saving a large file in the background

    @property
    def ok(self):
        return not self.file_error and not self.errors and self.rows > 0


def read_upload(file, sheet_format, result, empty_message):
    """[(row number, {field: cell value}), ...] of an uploaded file.

    None when the file as a whole is refused: result.file_error says why
    (`empty_message` when it has no data rows). Sets result.rows. The file is
    left at its start, to be stored (`store_upload`) when it goes to the worker.
    """
    if file.size > sheet_format.limit:
        result.file_error = too_large_message(sheet_format.limit)
        return None
    content = file.read(sheet_format.limit + 1)
    file.seek(0)
    return read_content(content, sheet_format, result, empty_message)


def read_content(content, sheet_format, result, empty_message):
    """`read_upload` of the file's bytes (also of a stored file, in the worker)."""
    if len(content) > sheet_format.limit:
        result.file_error = too_large_message(sheet_format.limit)
        return None
    try:
        rows = read_rows(content, sheet_format)
    except FileProblem as exc:
        result.file_error = str(exc)
        return None
    if not rows:
        result.file_error = str(empty_message)
        return None
    result.rows = len(rows)
    return rows


def read_rows(content, sheet_format):
    """[(row number, {field: cell value}), ...] of the non-blank data rows, or FileProblem."""
    return SheetReader(sheet_format).read(content)


class SheetReader:
    """Reads the data rows of one sheet within the import's bounds.

    The sheet's declared dimension is ignored (a file can declare a million
    rows and 16,384 columns it does not hold, and openpyxl would pad every row
    to them): only the header's columns are read, up to VIGIL_IMPORT_MAX_COLUMNS.
    Every row read counts, blank ones too: at most `max_rows` data rows and
    `max_rows` + VIGIL_IMPORT_BLANK_RUN rows in all; VIGIL_IMPORT_BLANK_RUN
    blank rows in a row end the sheet; reading stops after
    VIGIL_IMPORT_MAX_SECONDS. `rows_read` says how far it went.
    """

    def __init__(self, sheet_format, clock=time.monotonic):
        self.format = sheet_format
        self.clock = clock
        self.rows_read = 0
        self.deadline = None

    def read(self, content):
        self.deadline = self.clock() + settings.VIGIL_IMPORT_MAX_SECONDS
        workbook = open_workbook(content, self.format.max_unpacked)
        try:
            return self._read(workbook)
        except FileProblem:
            raise
        except Exception:  # a sheet that is not what it says (bad XML, no worksheet)
            raise FileProblem(not_xlsx_message()) from None
        finally:
            workbook.close()

    def _read(self, workbook):
        sheets = {sheet.title: sheet for sheet in workbook.worksheets}  # no chart sheets
        sheet = sheets.get(self.format.sheet) or workbook.worksheets[0]
        sheet.reset_dimensions()  # read what the file holds, not what it declares
        first = sheet.iter_rows(
            min_row=1, max_row=1, max_col=settings.VIGIL_IMPORT_MAX_COLUMNS, values_only=True
        )
        index = header_index(next(first, None) or (), self.format.headers)
        width = max(index.values()) + 1
        return self._rows(sheet.iter_rows(min_row=2, max_col=width, values_only=True), index)

    def _rows(self, cells, index):
        max_rows = self.format.max_rows
        most = max_rows + settings.VIGIL_IMPORT_BLANK_RUN
        rows, blanks = [], 0
        for number, values in enumerate(cells, start=2):
            self.rows_read += 1
            if self.clock() > self.deadline:
                raise FileProblem(
                    _(
                        "Reading the file took more than %(seconds)d seconds: "
                        "split it into smaller files."
                    )
                    % {"seconds": settings.VIGIL_IMPORT_MAX_SECONDS}
                )
            empty = all(blank(v) for v in values)
            blanks = blanks + 1 if empty else 0
            if blanks >= settings.VIGIL_IMPORT_BLANK_RUN:
                break  # the sheet ends here
            if self.rows_read > most or (not empty and len(rows) >= max_rows):
                raise FileProblem(
                    _("The file has more than %(max)s rows: split it into smaller files.")
                    % {"max": f"{max_rows:,}"}
                )
            if not empty:
                rows.append((number, {f: values[i] for f, i in index.items()}))
        return rows


# Files checked in the request and read again by the worker ----------------------


def store_upload(file):
    """Keep an uploaded file for the worker: its path under VIGIL_IMPORT_DIR."""
    folder = Path(settings.VIGIL_IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.xlsx"
    file.seek(0)
    with open(path, "wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    return path


def read_stored(path, sheet_format, result, empty_message):
    """`read_upload` of a file kept by `store_upload`; the file is then removed."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError:
        result.file_error = _("The uploaded file is gone: upload it again.")
        return None
    finally:
        path.unlink(missing_ok=True)
    return read_content(content, sheet_format, result, empty_message)


def header_index(header, headers):
    """{field: column index} of a header row; FileProblem naming the missing headers."""
    wanted = {fold(h): name for name, h in headers.items()}
    index = {}
    for i, cell in enumerate(header):
        # Templates mark required columns with "*".
        name = wanted.get(fold(cell.replace("*", ""))) if isinstance(cell, str) else None
        if name is not None and name not in index:
            index[name] = i
    missing = [h for name, h in headers.items() if name not in index]
    if missing:
        raise FileProblem(
            _(
                "The first row must hold the column headers of the template. Missing: "
                "%(missing)s. Download the template and copy the data into it."
            )
            % {"missing": ", ".join(missing)}
        )
    return index


# Cells ----------------------------------------------------------------------------


def blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value):
    """A cell as text: whole numbers without ".0", runs of spaces made one."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def choice(value, vocabulary):
    """The stored value a cell names, or None.

    vocabulary: [(stored value, [labels]), ...]; matching ignores case and
    diacritics, and the stored value itself is accepted too.
    """
    key = fold(cell_text(value))
    for stored, labels in vocabulary:
        if key == stored or key in (fold(label) for label in labels):
            return stored
    return None


# Templates -----------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    width: int
    kind: str = "text"  # text (kept as typed: leading zeros), date, number
    required: bool = False
    choices: tuple = ()  # the values the cell's drop-down offers


class TemplateBook:
    """An import template being written: its sheets share these cell formats."""

    def __init__(self):
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"in_memory": True})
        self.bold = self.book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"}
        )
        self.text = self.book.add_format({"num_format": "@"})
        self.date = self.book.add_format({"num_format": "dd/mm/yyyy"})
        self.title = self.book.add_format({"bold": True, "font_size": 13})

    def data_sheet(self, name, columns, rows, freeze_columns=0):
        """The sheet to fill in: headers ("*" when required), formats, drop-downs on `rows` rows."""
        sheet = self.book.add_worksheet(name)
        sheet.freeze_panes(1, freeze_columns)
        formats = {"text": self.text, "date": self.date}
        for i, column in enumerate(columns):
            sheet.write_string(0, i, column.header + (" *" if column.required else ""), self.bold)
            sheet.set_column(i, i, column.width, formats.get(column.kind))
            if column.choices:
                sheet.data_validation(
                    1, i, rows, i, {"validate": "list", "source": list(column.choices)}
                )
        return sheet

    def notes_sheet(self, title, notes, widths):
        """The instructions: a title and one bullet a note. (sheet, first free row)."""
        sheet = self.book.add_worksheet("Hướng dẫn")
        sheet.set_column(0, 0, widths[0])
        sheet.set_column(1, 1, widths[1])
        sheet.write_string(0, 0, title, self.title)
        row = 2
        for note in notes:
            sheet.write_string(row, 0, "•")
            sheet.write_string(row, 1, note)
            row += 1
        return sheet, row

    def list_sheet(self, name, headers, widths):
        """A sheet of reference rows (codes and names) with a bold header row."""
        sheet = self.book.add_worksheet(name)
        for i, (header, width) in enumerate(zip(headers, widths, strict=True)):
            sheet.write_string(0, i, header, self.bold)
            sheet.set_column(i, i, width)
        return sheet

    def close(self):
        """The .xlsx file's bytes."""
        self.book.close()
        return self.buffer.getvalue()
