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
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from openpyxl.utils.datetime import from_excel

from vigil.core import xlsx_import
from vigil.core.xlsx_import import RowError, TemplateBook, TemplateColumn
from vigil.core.xlsx_import import cell_text as _text
from vigil.jobs import imports as import_jobs
from vigil.jobs import services as jobs

from . import services
from .models import TestOutcome, TestResult

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# A sheet of 5,000 results unpacks to well under 2 MB.
MAX_UNPACKED = 20 * 1024 * 1024
SHEET = "Kết quả"
TEMPLATE_NAME = "mau-ket-qua-xet-nghiem.xlsx"
XLSX_TYPE = xlsx_import.XLSX_TYPE

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
class LabImport(xlsx_import.ImportResult):
    updated: int = 0
    unknown: list = field(default_factory=list)


def sheet_format():
    """Read at each import, so that the limits can be changed (in tests)."""
    return xlsx_import.SheetFormat(SHEET, HEADERS, MAX_ROWS, MAX_BYTES, MAX_UNPACKED)


def _empty():
    return _("The file has no filled-in rows: nothing was changed.")


def import_lab_sheet(file, user):
    """Check every row of an uploaded sheet; then set all the results, or none.
    A sheet of more than VIGIL_IMPORT_SYNC_ROWS rows goes to the worker, which
    does the same: `result.job` (vigil.jobs.imports)."""
    result = LabImport()
    rows = xlsx_import.read_upload(file, sheet_format(), result, _empty())
    if rows is None:
        return result
    if len(rows) > settings.VIGIL_IMPORT_SYNC_ROWS:
        result.job = import_jobs.queue(JOB_KIND, user, file, len(rows), lab_import_task)
        return result
    _check_and_apply(rows, user, result)
    return result


def _check_and_apply(rows, user, result):
    scope = TestResult.objects.visible_to(user)
    values = _validate(rows, scope, result)
    if result.errors:
        return
    try:
        result.updated, result.unknown = services.apply_lab_results(user, scope, values)
    except ValidationError as exc:
        # Checked above already; only a change made meanwhile lands here.
        result.file_error = " ".join(exc.messages)


# In the background --------------------------------------------------------------

JOB_KIND = "lab_import"


@task()
def lab_import_task(job_id):
    """Check and apply the results of a stored lab sheet; run by the worker."""
    jobs.run(job_id, _run_job)


def _run_job(job):
    result = LabImport()
    rows = import_jobs.read(job, sheet_format(), result, _empty())
    _check_and_apply(rows, job.created_by, result)
    if result.file_error:
        raise jobs.Refused(result.file_error)
    if result.errors:
        import_jobs.refuse_rows(result)
    outcome = {"rows": result.rows, "updated": result.updated, "unknown": list(result.unknown)}
    return {"done": len(rows), "result": outcome}


# Reading ----------------------------------------------------------------------


def _outcome(value):
    return xlsx_import.choice(value, OUTCOMES)


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
        test_id, outcome, day, problems = _check_row(cells, today)
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
    _check_sample_dates(scope, values, checked, result)
    result.errors.sort(key=lambda e: e.row)
    return values


def _check_row(cells, today):
    """(test ID, outcome, test date, [problems]) of one row's cells."""
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
    return test_id, outcome, day, problems


def _check_sample_dates(scope, values, checked, result):
    """The service refuses a test date before the sample date: say which row
    before saving anything (only rows in scope are read)."""
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
    book = TemplateBook()
    choices = tuple(labels[0] for _s, labels in OUTCOMES)
    columns = [
        TemplateColumn(TEST_ID, 20, "text", required=True),
        TemplateColumn(RESULT, 16, "text", required=True, choices=choices),
        TemplateColumn(TEST_DATE, 16, "date", required=True),
    ]
    book.data_sheet(SHEET, columns, rows=MAX_ROWS)
    book.notes_sheet("Hướng dẫn nhập kết quả xét nghiệm", NOTES, widths=(4, 100))
    return book.close()
