"""The lab's result sheet (R-T2): results set by test ID from an .xlsx.

The sample rows were entered when the samples were taken (each with its test
ID, result "waiting for the result"); the lab returns a sheet with the columns
"ID xét nghiệm", "Kết quả" and "Ngày xét nghiệm". Every row is checked first;
when any row is bad nothing is saved and every bad row is listed with its row
number and reason. Then `services.apply_lab_results` sets the results, only on
rows of the uploader's jurisdiction: a test ID outside it is reported as
unknown, exactly like one that does not exist.

Headers and accepted values are Vietnamese literals on purpose: they are the
data file's format, not interface text.
"""

import datetime
import io
from dataclasses import dataclass, field

import xlsxwriter
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from vigil.core.text import fold
from vigil.core.xlsx import FileProblem, open_workbook

from . import services
from .models import TestOutcome, TestResult

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# A sheet of 5,000 results unpacks to well under 2 MB.
MAX_UNPACKED = 20 * 1024 * 1024
SHEET = "Kết quả"
TEMPLATE_NAME = "mau-ket-qua-xet-nghiem.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TEST_ID, RESULT, TEST_DATE = "ID xét nghiệm", "Kết quả", "Ngày xét nghiệm"
HEADERS = {"test_id": TEST_ID, "result": RESULT, "test_date": TEST_DATE}
# (stored value, labels): the first label is the template's drop-down value.
OUTCOMES = [
    (TestOutcome.NEGATIVE, ["Âm tính", "Negative", "Âm"]),
    (TestOutcome.POSITIVE, ["Dương tính", "Positive", "Dương"]),
    (TestOutcome.INCONCLUSIVE, ["Không xác định", "Inconclusive"]),
]
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d")


@dataclass
class RowError:
    row: int
    message: str

    def __str__(self):
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class LabImport:
    rows: int = 0
    updated: int = 0
    unknown: list = field(default_factory=list)
    file_error: str = ""
    errors: list = field(default_factory=list)  # [RowError, ...]

    @property
    def ok(self):
        return not self.file_error and not self.errors and self.rows > 0


def import_lab_sheet(file, user):
    """Check every row of an uploaded sheet; then set all the results, or none."""
    result = LabImport()
    if file.size > MAX_BYTES:
        result.file_error = _("The file is larger than %(mb)d MB: split it into smaller files.") % {
            "mb": MAX_BYTES // (1024 * 1024)
        }
        return result
    try:
        rows = _read_rows(file.read())
    except FileProblem as exc:
        result.file_error = str(exc)
        return result
    if not rows:
        result.file_error = _("The file has no filled-in rows: nothing was changed.")
        return result
    result.rows = len(rows)
    scope = TestResult.objects.visible_to(user)
    values = _validate(rows, scope, result)
    if result.errors:
        return result
    try:
        result.updated, result.unknown = services.apply_lab_results(user, scope, values)
    except ValidationError as exc:
        # Checked above already; only a change made meanwhile lands here.
        result.file_error = " ".join(exc.messages)
    return result


# Reading ----------------------------------------------------------------------


def _read_rows(content):
    """[(row number, {test_id, result, test_date: cell value}), ...], blank rows skipped."""
    workbook = open_workbook(content, MAX_UNPACKED)
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        index = _header_index(next(cells, None) or ())
        rows = []
        for number, values in enumerate(cells, start=2):
            if all(_blank(v) for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise FileProblem(
                    _("The file has more than %(max)s rows: split it into smaller files.")
                    % {"max": f"{MAX_ROWS:,}"}
                )
            rows.append(
                (number, {f: values[i] if i < len(values) else None for f, i in index.items()})
            )
        return rows
    finally:
        workbook.close()


def _header_index(header):
    wanted = {fold(h): name for name, h in HEADERS.items()}
    index = {}
    for i, cell in enumerate(header):
        name = wanted.get(fold(cell.replace("*", ""))) if isinstance(cell, str) else None
        if name is not None and name not in index:
            index[name] = i
    missing = [h for name, h in HEADERS.items() if name not in index]
    if missing:
        raise FileProblem(
            _(
                "The first row must hold the column headers of the template. Missing: "
                "%(missing)s. Download the template and copy the data into it."
            )
            % {"missing": ", ".join(missing)}
        )
    return index


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _outcome(value):
    key = fold(_text(value))
    for stored, labels in OUTCOMES:
        if key == stored or key in (fold(label) for label in labels):
            return stored
    return None


def _date(value):
    """A date from a date cell, an Excel serial number or dd/mm/yyyy text; None if not one."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return from_excel(value).date()
        except (ValueError, OverflowError, TypeError, AttributeError):
            return None
    text = _text(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# Validation -------------------------------------------------------------------


def _validate(rows, scope, result):
    """{test ID: (result, test date)}; bad rows go to result.errors."""
    today = timezone.localdate()
    values, first_row = {}, {}
    checked = []
    for number, cells in rows:
        problems = []
        test_id = _text(cells.get("test_id"))
        if not test_id:
            problems.append(_("%(column)s is empty.") % {"column": TEST_ID})
        elif len(test_id) > TestResult._meta.get_field("test_id").max_length:
            problems.append(_("%(column)s is too long.") % {"column": TEST_ID})
        outcome = _outcome(cells.get("result"))
        if outcome is None:
            problems.append(
                _("%(column)s “%(value)s” is not accepted; use one of: %(accepted)s.")
                % {
                    "column": RESULT,
                    "value": _text(cells.get("result")),
                    "accepted": ", ".join(labels[0] for _s, labels in OUTCOMES),
                }
            )
        day = _date(cells.get("test_date"))
        if day is None:
            problems.append(
                _("%(column)s “%(value)s” is not a date (dd/mm/yyyy).")
                % {"column": TEST_DATE, "value": _text(cells.get("test_date"))}
            )
        elif day > today:
            problems.append(_("The test date cannot be in the future."))
        if not problems and test_id in values:
            if values[test_id] == (outcome, day):
                continue  # the same line twice: harmless
            problems.append(
                _("test ID %(id)s is already on row %(row)d with another result or date.")
                % {"id": test_id, "row": first_row[test_id]}
            )
        if problems:
            result.errors.append(RowError(number, " ".join(problems)))
            continue
        values[test_id] = (outcome, day)
        first_row[test_id] = number
        checked.append((number, test_id))
    # The service refuses a test date before the sample date: say which row
    # before saving anything (only rows in scope are read).
    earliest = {}
    for test_id, sampled in scope.filter(test_id__in=list(values)).values_list(
        "test_id", "sample_date"
    ):
        if test_id not in earliest or sampled > earliest[test_id]:
            earliest[test_id] = sampled
    for number, test_id in checked:
        sampled = earliest.get(test_id)
        if sampled and values[test_id][1] < sampled:
            result.errors.append(
                RowError(
                    number,
                    _("the test date is before the sample date (%(date)s).")
                    % {"date": sampled.strftime("%d/%m/%Y")},
                )
            )
    result.errors.sort(key=lambda e: e.row)
    return values


def summary(result):
    return _("%(updated)d results updated; %(unknown)d test IDs not found.") % {
        "updated": result.updated,
        "unknown": len(result.unknown),
    }


# The template -------------------------------------------------------------------

NOTES = [
    "Mỗi dòng của trang “Kết quả” là kết quả của một mẫu, theo ID xét nghiệm đã nhập "
    "khi lấy mẫu. Không đổi tên, không xóa cột.",
    "Kết quả ghi một trong: Âm tính, Dương tính, Không xác định.",
    "Ngày xét nghiệm ghi theo dạng dd/mm/yyyy (ví dụ 25/08/2021), không sau hôm nay "
    "và không trước ngày lấy mẫu.",
    "ID xét nghiệm để dạng văn bản (Text) để giữ số 0 ở đầu.",
    "Nếu có dòng sai, không kết quả nào được lưu và hệ thống liệt kê mọi dòng sai: "
    "sửa rồi tải lên lại. ID xét nghiệm không tìm thấy được liệt kê sau khi lưu.",
    f"Tối đa {MAX_ROWS:,} dòng và {MAX_BYTES // (1024 * 1024)} MB mỗi tệp.".replace(",", "."),
]


def template_xlsx():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "valign": "top"})
    text = book.add_format({"num_format": "@"})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet = book.add_worksheet(SHEET)
    sheet.freeze_panes(1, 0)
    for i, (header, width, cell_format) in enumerate(
        [(TEST_ID, 20, text), (RESULT, 16, text), (TEST_DATE, 16, date)]
    ):
        sheet.write_string(0, i, header + " *", bold)
        sheet.set_column(i, i, width, cell_format)
    sheet.data_validation(
        1, 1, MAX_ROWS, 1, {"validate": "list", "source": [labels[0] for _s, labels in OUTCOMES]}
    )
    notes = book.add_worksheet("Hướng dẫn")
    notes.set_column(0, 0, 4)
    notes.set_column(1, 1, 100)
    notes.write_string(0, 1, "Hướng dẫn nhập kết quả xét nghiệm", bold)
    for row, note in enumerate(NOTES, start=2):
        notes.write_string(row, 0, "•")
        notes.write_string(row, 1, note)
    book.close()
    return buffer.getvalue()
