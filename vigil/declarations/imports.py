"""Excel bulk import of paper declaration forms (§II.4.2.1, R-P3).

The digitisation team types paper forms into a spreadsheet made from
`template_xlsx()` and uploads it. Every row is validated through the same form
as the staff-entry page (`StaffDeclarationForm`, channel "paper"), so a value
refused there is refused here, jurisdiction included.

All or nothing: when any row is bad nothing of the file is saved and every bad
row is reported ("row 7: Số CMND/CCCD: ..."); the clerk fixes the file and
uploads it again. When every row is good, all are saved in one transaction,
each with an idempotency key made of the row's values, so uploading the same
file twice (or again after adding rows to it, or after Excel re-saved it) does
not declare anybody twice.

Column headers and accepted values are Vietnamese literals on purpose: they are
the data file's format (what a clerk types in Excel), not interface text.
"""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task
from openpyxl.utils.datetime import from_excel

from vigil.areas.models import AdminUnit, Country, Level
from vigil.core import xlsx_import
from vigil.core.text import fold
from vigil.core.xlsx_import import TemplateBook, TemplateColumn, blank, cell_text
from vigil.jobs import imports as import_jobs
from vigil.jobs import services as jobs

from . import questions, services
from .forms import StaffDeclarationForm
from .models import Channel

MAX_BYTES = 5 * 1024 * 1024
# ~3 ms a row to check, ~6 ms to save (SQLite): up to VIGIL_IMPORT_SYNC_ROWS
# rows are imported in the request (gunicorn's timeout: 30 s), more by the
# worker. Every file is read in the request first (~1 s for 1,000 rows).
MAX_ROWS = 1000
# The template unpacks to 2.5 MB (mostly its code lists), and a thousand rows
# add about 3 MB: a file unpacking to far more is not a filled-in template.
MAX_UNPACKED = 50 * 1024 * 1024
SHEET = "Tờ khai"
XLSX_TYPE = xlsx_import.XLSX_TYPE

YES, NO = "Có", "Không"
_YES = {"co", "c", "x", "1", "yes", "y", "true"}
_NO = {"khong", "k", "0", "no", "n", "false", ""}

QUESTION_HEADERS = {
    "exp_case_contact": "Tiếp xúc với trường hợp bệnh hoặc nghi ngờ mắc COVID-19",
    "exp_from_epidemic_area": "Đi về từ vùng có dịch COVID-19",
    "exp_epidemic_area_contact": "Tiếp xúc với trường hợp đi về từ vùng dịch",
    "sym_fever": "Sốt",
    "sym_cough": "Ho",
    "sym_breathing": "Khó thở",
    "sym_pneumonia": "Viêm phổi / vết mờ phổi",
    "sym_sore_throat": "Đau họng",
    "sym_fatigue": "Mệt mỏi",
    "cond_liver": "Bệnh gan mãn tính",
    "cond_blood": "Bệnh máu mãn tính",
    "cond_lung": "Bệnh phổi mãn tính",
    "cond_kidney": "Bệnh thận mãn tính",
    "cond_heart": "Bệnh tim mạch",
    "cond_hypertension": "Huyết áp cao",
    "cond_immunodeficiency": "HIV hoặc suy giảm miễn dịch",
    "cond_transplant": "Người nhận ghép tạng, tủy, xương",
    "cond_diabetes": "Tiểu đường",
    "cond_cancer": "Ung thư",
    "cond_pregnancy": "Có thai",
}

# Accepted values: (stored value, [labels]); the first label is the one the
# template offers in its drop-down, the others are common spellings. Matching
# ignores case and diacritics, and the stored value itself is accepted too.
ID_KINDS = [
    ("cccd", ["CCCD", "Căn cước công dân"]),
    ("cmnd", ["CMND", "Chứng minh nhân dân"]),
    ("passport", ["Hộ chiếu", "Passport"]),
    ("birth_cert", ["Giấy khai sinh"]),
    ("other", ["Khác", "Không có"]),
]
GENDERS = [("male", ["Nam"]), ("female", ["Nữ"]), ("other", ["Khác"])]
REGISTRATION_KINDS = [
    ("return_home", ["Về địa phương", "Về quê"]),
    ("student", ["Sinh viên về học", "Về học"]),
    ("medical", ["Về khám bệnh", "Khám bệnh"]),
    ("work", ["Công tác", "Đi công tác"]),
    ("transit", ["Quá cảnh"]),
    ("other", ["Khác"]),
]
TRANSPORTS = [
    ("car", ["Ô tô", "Xe ô tô"]),
    ("motorbike", ["Xe máy"]),
    ("coach", ["Xe khách"]),
    ("train", ["Tàu hỏa"]),
    ("plane", ["Máy bay"]),
    ("other", ["Khác"]),
]


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    kind: str = "text"  # text, id, year, choice, country, unit, village, date, yesno
    vocabulary: tuple = ()
    level: int = 0  # for "unit": the level of the administrative unit
    width: int = 16


COLUMNS = (
    Column("full_name", "Họ và tên", width=24),
    Column("id_kind", "Loại giấy tờ", "choice", tuple(ID_KINDS)),
    Column("id_number", "Số CMND/CCCD", "id"),
    Column("phone", "Số điện thoại", "id", width=14),
    Column("birth_year", "Năm sinh", "year", width=10),
    Column("gender", "Giới tính", "choice", tuple(GENDERS), width=10),
    Column("occupation", "Nghề nghiệp"),
    Column("registration_kind", "Loại đăng ký", "choice", tuple(REGISTRATION_KINDS), width=18),
    Column("student_code", "Mã sinh viên"),
    Column("school", "Trường"),
    Column("departure_country", "Quốc gia đi", "country", width=12),
    Column("departure_province", "Mã tỉnh đi", "unit", level=Level.PROVINCE, width=10),
    Column("departure_district", "Mã huyện đi", "unit", level=Level.DISTRICT, width=10),
    Column("departure_commune", "Mã xã đi", "unit", level=Level.COMMUNE, width=10),
    Column("departure_place", "Nơi đi (nước ngoài)"),
    Column("area", "Mã xã đến", "unit", level=Level.COMMUNE, width=10),
    Column("village", "Mã thôn/tổ đến", "village", width=12),
    Column("address", "Địa chỉ", width=28),
    Column("transport", "Phương tiện", "choice", tuple(TRANSPORTS), width=12),
    Column("transport_number", "Số hiệu phương tiện", width=14),
    Column("arrival_date", "Ngày đến (dd/mm/yyyy)", "date", width=14),
    Column("visited_areas", "Nơi đã qua 21 ngày", width=20),
    *(Column(key, QUESTION_HEADERS[key], "yesno", width=12) for key in questions.KEYS),
    Column("paper_form_number", "Số tờ khai giấy", "id", width=14),
    Column("paper_form_date", "Ngày tờ khai giấy", "date", width=14),
)
HEADER_OF = {c.field: c.header for c in COLUMNS}
# Width of GSO codes, to put back the leading zeros Excel drops from numbers.
CODE_WIDTH = {Level.PROVINCE: 2, Level.DISTRICT: 3, Level.COMMUNE: 5}


# Reading --------------------------------------------------------------------


class RowError(xlsx_import.RowError):
    """A bad row, with its problems cell by cell."""

    def __init__(self, row, problems):
        # problems: [(column header or field label, message), ...]
        super().__init__(
            row,
            "; ".join(
                f"{column}: {message}" if column else message for column, message in problems
            ),
        )
        self.problems = problems


@dataclass
class ImportResult(xlsx_import.ImportResult):
    created: int = 0
    already: int = 0
    declarations: list = field(default_factory=list)


def sheet_format():
    """Read at each import, so that the limits can be changed (in tests)."""
    return xlsx_import.SheetFormat(SHEET, HEADER_OF, MAX_ROWS, MAX_BYTES, MAX_UNPACKED)


def _empty():
    return _("The file has no filled-in rows: nothing was imported.")


def import_paper_forms(file, user, request=None):
    """Validate every row of an uploaded .xlsx; save all of them or none. A
    file of more than VIGIL_IMPORT_SYNC_ROWS rows goes to the worker, which
    does the same: `result.job` (vigil.jobs.imports)."""
    result = ImportResult()
    rows = xlsx_import.read_upload(file, sheet_format(), result, _empty())
    if rows is None:
        return result
    if len(rows) > settings.VIGIL_IMPORT_SYNC_ROWS:
        result.job = import_jobs.queue(JOB_KIND, user, file, len(rows), paper_import_task)
        return result
    valid = _validate(rows, user, result)
    if not result.errors:
        _save(valid, user, result, request)
    return result


def _save(valid, user, result, request=None):
    with transaction.atomic():
        for row in valid:
            submission = services.submit_declaration(
                row.identity,
                row.declaration,
                channel=Channel.PAPER,
                actor=user,
                idempotency_key=row.key,
                request=request,
            )
            result.declarations.append(submission.declaration)
            if submission.created:
                result.created += 1
            else:
                result.already += 1


JOB_KIND = "paper_import"  # checked and saved by the worker


@task()
def paper_import_task(job_id):
    """Check and save the paper forms of a kept file; run by the worker."""
    jobs.run(job_id, _run_job)


def _run_job(job):
    result = ImportResult()
    rows = import_jobs.check_and_save(job, sheet_format(), result, _empty(), _validate, _save)
    outcome = {"rows": result.rows, "created": result.created, "already": result.already}
    return {"done": rows, "result": outcome}


def _row_key(data):
    """The idempotency key of one row: a hash of its values as the form read them.

    Not of the file's bytes: Excel rewrites a file's metadata on every save,
    and a clerk who adds rows to an imported file and uploads it again must
    get only the new rows saved. Two rows with the same values, paper form
    number included, are the same paper form.
    """
    canonical = "\x1f".join(f"{k}={data.get(k, '')}" for k in sorted(data))
    return "paper-import:" + hashlib.sha256(canonical.encode()).hexdigest()[:48]


# Validation -----------------------------------------------------------------


class Lookups:
    """Codes of the file resolved in a few queries, not a few per row."""

    def __init__(self, rows):
        units = AdminUnit.objects.active_tree()
        codes = set()
        for _number, values in rows:
            for column in COLUMNS:
                if column.kind == "unit":
                    code = _code(values[column.field], column.level)
                    if code:
                        codes.add(code)
        self.units = {}
        codes = sorted(codes)
        for start in range(0, len(codes), 500):
            for unit in units.filter(code__in=codes[start : start + 500]):
                self.units[unit.code] = unit
        self.countries = {}
        for country in Country.objects.all():
            for key in (country.code, country.name, country.name_en):
                self.countries.setdefault(fold(key), country.code)
        self.villages = {}

    def village(self, commune, code):
        if commune is None:
            return None
        if commune.pk not in self.villages:
            self.villages[commune.pk] = {
                v.code: v for v in AdminUnit.objects.filter(parent=commune, level=Level.VILLAGE)
            }
        known = self.villages[commune.pk]
        return known.get(f"{commune.code}-{code}") or known.get(code)


@dataclass
class ValidRow:
    number: int
    identity: dict
    declaration: dict
    key: str


class RowForms:
    """One bound StaffDeclarationForm per row, built cheaply.

    Building a DeclarationForm costs ~20 ms (it lists the province's communes
    and reads the chosen places to narrow the dependent selects), checking one
    ~2 ms. Its fields depend on the data only through the departure province,
    departure district and destination commune (DeclarationForm.__init__), so
    rows sharing those three reuse one form, re-bound to each row's data: a
    file of a commune's paper forms needs a handful of forms, not thousands.
    Keep DEPENDS_ON in step with DeclarationForm.__init__.
    """

    DEPENDS_ON = ("departure_province", "departure_district", "area")

    def __init__(self, user):
        self.user = user
        self.forms = {}

    def bound(self, data):
        key = tuple(data.get(name, "") for name in self.DEPENDS_ON)
        form = self.forms.get(key)
        if form is None:
            form = StaffDeclarationForm(
                data, user=self.user, channel=Channel.PAPER, for_display=False
            )
            self.forms[key] = form
        else:
            form.data = data
            form._errors = None  # Django re-validates on the next .errors / .is_valid()
        return form


def _validate(rows, user, result, progress=lambda checked: None):
    """[ValidRow, ...]; bad rows go to result.errors."""
    lookups = Lookups(rows)
    row_forms = RowForms(user)
    valid = []
    for checked, (number, values) in enumerate(rows, start=1):
        progress(checked)
        data, problems = _form_data(values, lookups)
        form = row_forms.bound(data)
        if form.is_valid() and not problems:
            valid.append(ValidRow(number, form.identity(), form.declaration_data(), _row_key(data)))
            continue
        for name, errors in form.errors.items():
            if name in problems:
                continue  # the cell's own message says it better
            label = HEADER_OF.get(name) or (form.fields[name].label if name in form.fields else "")
            # label is "" for errors of the whole row (NON_FIELD_ERRORS).
            message = " ".join(str(e) for e in errors)
            if name == "id_number" and isinstance(values.get("id_number"), int | float):
                message += " " + _("(The cell is a number: format the column as text.)")
            problems[name] = (str(label), message)
        ordered = [problems[c.field] for c in COLUMNS if c.field in problems]
        ordered += [p for f, p in problems.items() if f not in HEADER_OF]
        result.errors.append(RowError(number, ordered))
    return valid


def _text(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return cell_text(value)


def _code(value, level):
    """A GSO code, with the leading zeros Excel drops from a number put back."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)).zfill(CODE_WIDTH.get(level, 0))
    return _text(value)


def _date(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return from_excel(value).strftime("%d/%m/%Y")
        except (ValueError, OverflowError, TypeError):
            return str(value)
    return _text(value)


class Cells:
    """Reads the cells of one row into StaffDeclarationForm data.

    `read` gives (the form's value, or None to leave the field out; the
    cell's problem or None), by the column's kind.
    """

    def __init__(self, lookups):
        self.lookups = lookups
        self.units = {}  # {field: AdminUnit or None} of the row's "unit" columns read so far

    def read(self, column, value):
        return getattr(self, column.kind, self.text)(column, value)

    def text(self, column, value):
        return _text(value), None

    def date(self, column, value):
        return _date(value), None

    def choice(self, column, value):
        if blank(value):
            return "", None
        stored = xlsx_import.choice(value, column.vocabulary)
        if stored is None:
            return "", _unknown(value, [labels[0] for _s, labels in column.vocabulary])
        return stored, None

    def yesno(self, column, value):
        key = fold(_text(value))
        if key in _YES:
            return "1", None
        if key in _NO:
            return "0", None  # an unticked box on the paper form
        return None, _unknown(value, [YES, NO])

    def country(self, column, value):
        if blank(value):
            return "VN", None
        code = self.lookups.countries.get(fold(_text(value)))
        if code is None:
            return None, _("unknown country “%(value)s”.") % {"value": _text(value)}
        return code, None

    def unit(self, column, value):
        code = _code(value, column.level)
        unit = self.lookups.units.get(code) if code else None
        problem = None
        if code and (unit is None or unit.level != column.level):
            problem = _("unknown code “%(value)s”.") % {"value": code}
            unit = None
        self.units[column.field] = unit
        return (str(unit.pk) if unit else ""), problem

    def village(self, column, value):
        code = _text(value)
        village = self.lookups.village(self.units.get("area"), code) if code else None
        problem = None
        if code and village is None:
            problem = _("unknown village code “%(value)s” in the destination commune.") % {
                "value": code
            }
        return (str(village.pk) if village else ""), problem


def _form_data(values, lookups):
    """(bound data for StaffDeclarationForm, {field: (column, problem)})."""
    data, problems = {}, {}
    cells = Cells(lookups)
    for column in COLUMNS:
        value, problem = cells.read(column, values.get(column.field))
        if value is not None:
            data[column.field] = value
        if problem is not None:
            problems[column.field] = (column.header, problem)
    if not data.get("id_kind") and "id_kind" not in problems:
        data["id_kind"] = _guess_id_kind(data.get("id_number", ""))
    return data, problems


def _guess_id_kind(number):
    """A paper form rarely says which card: 12 digits is a CCCD, 9 a CMND.

    Other lengths of digits are guessed too, so that the clerk reads what is
    wrong with the number rather than "choose the kind of ID".
    """
    digits = number.replace(" ", "")
    if not digits:
        return "other"
    if digits.isdigit():
        return "cccd" if len(digits) > 9 else "cmnd"
    return ""


def _unknown(value, accepted):
    return _("“%(value)s” is not accepted; use one of: %(accepted)s.") % {
        "value": _text(value),
        "accepted": ", ".join(accepted),
    }


def summary(result):
    """One sentence for the page after a successful import."""
    text = ngettext(
        "%(count)d paper form saved.", "%(count)d paper forms saved.", result.created
    ) % {"count": result.created}
    if result.already:
        text += " " + ngettext(
            "%(count)d row was already imported from this file before.",
            "%(count)d rows were already imported from this file before.",
            result.already,
        ) % {"count": result.already}
    return text


# The template ---------------------------------------------------------------

NOTES = [
    "Mỗi dòng của trang “Tờ khai” là một tờ khai giấy. Không đổi tên, không xóa cột.",
    "Các cột có dấu * là bắt buộc. Ngày ghi theo dạng dd/mm/yyyy (ví dụ 25/08/2021).",
    "Số CMND/CCCD, số điện thoại và các mã để dạng văn bản (Text) để giữ số 0 ở đầu.",
    "Các câu hỏi ghi “Có” hoặc “Không”; để trống được hiểu là “Không”.",
    "Loại giấy tờ để trống: 12 chữ số là CCCD, 9 chữ số là CMND.",
    "Quốc gia đi để trống là Việt Nam; khi đi từ Việt Nam phải ghi Mã tỉnh đi.",
    "Mã xã đến là mã xã/phường/thị trấn trong tỉnh (trang “Mã xã đến”); "
    "mã các tỉnh, huyện, xã cả nước ở trang “Mã địa danh”.",
    "Nếu có dòng sai, cả tệp không được lưu và hệ thống liệt kê mọi dòng sai: "
    "sửa rồi tải lên lại. Tải lên lại cùng một tệp không tạo tờ khai trùng.",
    f"Tối đa {MAX_ROWS:,} dòng và {MAX_BYTES // (1024 * 1024)} MB mỗi tệp.".replace(",", "."),
]
REQUIRED = {
    "full_name", "phone", "birth_year", "gender", "registration_kind", "area", "address",
    "transport", "arrival_date", "paper_form_number", "paper_form_date", *questions.KEYS,
}  # fmt: skip


def _choices(column):
    """The values a column's drop-down offers: the first label of each accepted value."""
    if column.kind == "choice":
        return tuple(labels[0] for _s, labels in column.vocabulary)
    if column.kind == "yesno":
        return (YES, NO)
    return ()


def template_xlsx():
    """The import template: the form sheet, the instructions and the code lists."""
    book = TemplateBook()
    kinds = {"date": "date", "year": "number"}
    columns = [
        TemplateColumn(
            c.header, c.width, kinds.get(c.kind, "text"), c.field in REQUIRED, _choices(c)
        )
        for c in COLUMNS
    ]
    book.data_sheet(SHEET, columns, rows=MAX_ROWS, freeze_columns=1)
    _write_notes(book)
    units = AdminUnit.objects.active_tree()
    _write_destinations(book, units)
    _write_codes(book, units)
    _write_countries(book)
    return book.close()


def _write_notes(book):
    """The instructions, then the accepted values of the drop-down columns."""
    notes, row = book.notes_sheet("Hướng dẫn nhập tờ khai giấy", NOTES, widths=(28, 90))
    row += 1
    notes.write_string(row, 0, "Cột", book.bold)
    notes.write_string(row, 1, "Giá trị được chấp nhận", book.bold)
    for column in COLUMNS:
        if choices := _choices(column):
            row += 1
            notes.write_string(row, 0, column.header)
            notes.write_string(row, 1, ", ".join(choices))


def _write_destinations(book, units):
    """The communes of the home province and their villages: where one can arrive."""
    headers = ["Mã huyện", "Tên huyện", "Mã xã", "Tên xã", "Mã thôn/tổ", "Tên thôn/tổ"]
    places = book.list_sheet("Mã xã đến", headers, [12, 28] * 3)
    home = AdminUnit.objects.home_province()
    below = units.under(home).filter(level__gt=Level.PROVINCE).select_related("parent")
    row, commune = 1, None
    for unit in below.order_by("path"):
        if unit.level == Level.COMMUNE:
            commune = unit
            # The current (two-level) tree has no districts.
            district = unit.parent if unit.parent.level == Level.DISTRICT else None
            cells = [district.code, district.name] if district else ["", ""]
            cells += [unit.code, unit.name]
        elif unit.level == Level.VILLAGE and commune is not None and unit.parent_id == commune.pk:
            cells = ["", "", commune.code, commune.name, unit.code.split("-", 1)[-1], unit.name]
        else:
            continue
        for i, value in enumerate(cells):
            places.write_string(row, i, value)
        row += 1


def _write_codes(book, units):
    """Every province, district and commune of the country, for the departure columns."""
    codes = book.list_sheet("Mã địa danh", ["Cấp", "Mã", "Tên", "Thuộc"], [10, 10, 32, 32])
    level_names = {Level.PROVINCE: "Tỉnh", Level.DISTRICT: "Huyện", Level.COMMUNE: "Xã"}
    names = {}
    every = units.filter(level__lte=Level.COMMUNE).order_by("path")
    rows = every.values_list("pk", "level", "code", "name", "parent_id")
    for row, (pk, level, code, name, parent_id) in enumerate(rows, start=1):
        names[pk] = name
        for i, value in enumerate([level_names[level], code, name, names.get(parent_id, "")]):
            codes.write_string(row, i, value)


def _write_countries(book):
    countries = book.list_sheet("Quốc gia", ["Mã", "Tên", "Tên tiếng Anh"], [8, 32, 32])
    for row, country in enumerate(Country.objects.all(), start=1):
        countries.write_string(row, 0, country.code)
        countries.write_string(row, 1, country.name)
        countries.write_string(row, 2, country.name_en)


def template_filename():
    return f"mau-to-khai-giay-{settings.VIGIL_HOME_PROVINCE}.xlsx"
