"""The flow every Excel import shares (paper forms, lab sheets).

An import reads one uploaded .xlsx made from its template: the first row holds
the template's column headers (in any order, "*" marks ignored), every later
non-blank row is data. The file as a whole can be refused (too large, not an
.xlsx, not the template, too many rows, no rows): `ImportResult.file_error`
says why. Otherwise each app checks its rows and lists the bad ones as
`RowError`s; an import saves all the rows or none.

What differs between imports (sheet name, headers, limits, messages) is passed
in: this module knows no app.
"""

import io
from dataclasses import dataclass, field

import xlsxwriter
from django.utils.translation import gettext as _

from .text import fold
from .xlsx import FileProblem, open_workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class SheetFormat:
    """What an import reads: its data sheet, its columns and its limits."""

    sheet: str  # the data sheet's name; the first sheet when the file has none of that name
    headers: dict  # {field: header}, in the template's order
    max_rows: int
    max_bytes: int
    max_unpacked: int  # bytes the .xlsx (a zip) may unpack to


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

    @property
    def ok(self):
        return not self.file_error and not self.errors and self.rows > 0


def read_upload(file, sheet_format, result, empty_message):
    """[(row number, {field: cell value}), ...] of an uploaded file.

    None when the file as a whole is refused: result.file_error says why
    (`empty_message` when it has no data rows). Sets result.rows.
    """
    if file.size > sheet_format.max_bytes:
        result.file_error = _("The file is larger than %(mb)d MB: split it into smaller files.") % {
            "mb": sheet_format.max_bytes // (1024 * 1024)
        }
        return None
    try:
        rows = read_rows(file.read(), sheet_format)
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
    workbook = open_workbook(content, sheet_format.max_unpacked)
    try:
        name = sheet_format.sheet
        sheet = workbook[name] if name in workbook.sheetnames else workbook.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        index = header_index(next(cells, None) or (), sheet_format.headers)
        rows = []
        for number, values in enumerate(cells, start=2):
            if all(blank(v) for v in values):
                continue
            if len(rows) >= sheet_format.max_rows:
                raise FileProblem(
                    _("The file has more than %(max)s rows: split it into smaller files.")
                    % {"max": f"{sheet_format.max_rows:,}"}
                )
            rows.append(
                (number, {f: values[i] if i < len(values) else None for f, i in index.items()})
            )
        return rows
    finally:
        workbook.close()


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
