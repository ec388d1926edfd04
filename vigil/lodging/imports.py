"""The paper guest register (§II.2.2.2): establishments without a device fill
the province's Excel template and upload it.

Every row is one guest's stay, checked with the PMS API's rules
(vigil.lodging.pms.clean_guest): the same messages for the same mistakes.
All or nothing, like the paper-declaration import: when any row is bad,
nothing of the file is saved and every bad row is reported with its reason;
when all are good, every row is saved in one transaction by
`vigil.lodging.services.check_in` (source "paper"), and checked out when the
row has a check-out time. A guest's declaration is linked by its code, or
the guest's recent one is found (R-P2); a guest without one is registered
without one, for the police to see.

Each row has an idempotency key made of its values: uploading the same file
again (or with rows added) registers nobody twice.

At most MAX_ROWS rows a file, checked and saved in the request (no worker):
an establishment's register of a few days is far smaller.

Column headers are Vietnamese literals on purpose: they are the data file's
format (what a clerk types in Excel), not interface text.
"""

import datetime
import hashlib
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.utils.datetime import from_excel

from vigil.core import xlsx_import
from vigil.core.xlsx_import import TemplateBook, TemplateColumn

from . import pms
from .models import StaySource

MAX_ROWS = 500
MAX_BYTES = 2 * 1024 * 1024
MAX_UNPACKED = 20 * 1024 * 1024
SHEET = "Khách lưu trú"
PAPER = StaySource.PAPER
XLSX_TYPE = xlsx_import.XLSX_TYPE

# (field, header, template kind, required, width)
COLUMNS = (
    ("full_name", "Họ và tên", "text", True, 26),
    ("birth_year", "Năm sinh", "number", False, 10),
    ("gender", "Giới tính", "text", False, 10),
    ("id_number", "Số CMND/CCCD/Hộ chiếu", "text", True, 20),
    ("nationality", "Quốc tịch", "text", False, 14),
    ("phone", "Điện thoại", "text", False, 14),
    ("room", "Phòng", "text", False, 8),
    ("check_in", "Ngày giờ nhận phòng", "text", True, 20),
    ("planned_check_out", "Ngày trả phòng dự kiến", "date", False, 16),
    ("check_out", "Ngày giờ trả phòng", "text", False, 20),
    ("departure_province", "Nơi đi (tỉnh)", "text", False, 18),
    ("declaration_code", "Mã tờ khai", "text", False, 14),
)
HEADER_OF = {name: header for name, header, *_rest in COLUMNS}
GENDER_CHOICES = ("Nam", "Nữ", "Khác")


@dataclass
class ImportResult(xlsx_import.ImportResult):
    created: int = 0
    already: int = 0
    undeclared: int = 0


def sheet_format():
    """Read at each import, so that the limits can be changed (in tests)."""
    return xlsx_import.SheetFormat(SHEET, HEADER_OF, MAX_ROWS, MAX_BYTES, MAX_UNPACKED)


def _empty():
    return _("The file has no filled-in rows: nothing was imported.")


def _row_key(values):
    """The idempotency key of a row: a hash of its cells, not of the file."""
    canonical = "\x1f".join(f"{k}={_canonical(values.get(k))}" for k in sorted(HEADER_OF))
    return "paper:" + hashlib.sha256(canonical.encode()).hexdigest()[:48]


def _canonical(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return pms.text_value(value)


def _cell_time(value):
    """A date/time cell as openpyxl gives it; a number Excel did not format is a serial date."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return from_excel(value)
        except (ValueError, OverflowError, TypeError):
            return value
    return value


def _raw(values):
    raw = dict(values)
    for name in ("check_in", "planned_check_out", "check_out"):
        raw[name] = _cell_time(raw.get(name))
    raw["idempotency_key"] = _row_key(values)
    return raw


def import_register(file, user, establishment):
    """Check every row of an uploaded register; save all of them or none
    (`user` records them)."""
    result = ImportResult()
    rows = xlsx_import.read_upload(file, sheet_format(), result, _empty())
    if rows is None:
        return result
    valid = _validate(rows, establishment, result)
    if not result.errors:
        _save(valid, user, establishment, result)
    return result


def _row_error(number, errors):
    problems = []
    for name, messages in errors.items():
        header = HEADER_OF.get(name, "")
        text = " ".join(str(m) for m in messages)
        problems.append(f"{header}: {text}" if header else text)
    return xlsx_import.RowError(number, "; ".join(problems))


def _validate(rows, establishment, result):
    """[(row number, Guest, declaration or None), ...]; bad rows go to result.errors."""
    countries = pms.Countries()
    guests = [(n, pms.clean_guest(_raw(v), establishment, countries)) for n, v in rows]
    declarations = pms.declarations_by_code(g.declaration_code for _n, g in guests)
    valid = []
    for number, guest in guests:
        declaration = pms.check_declaration(guest, declarations)
        if guest.errors:
            result.errors.append(_row_error(number, guest.errors))
        else:
            valid.append((number, guest, declaration))
    return valid


def _save(valid, actor, establishment, result):
    """Every row in one transaction; a row the service refuses is reported
    and then nothing of the file is kept."""
    with transaction.atomic():
        for number, guest, declaration in valid:
            try:
                with transaction.atomic() if guest.check_out else nullcontext():
                    outcome = pms.register(
                        actor, establishment, guest, declaration, StaySource.PAPER
                    )
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                result.errors.append(_row_error(number, errors))
                continue
            if not outcome.created:
                result.already += 1
                continue
            result.created += 1
            result.undeclared += not outcome.declared
        if result.errors:
            result.created = result.already = result.undeclared = 0
            transaction.set_rollback(True)


def summary(result):
    """One sentence for the page after a successful import."""
    text = ngettext(
        "%(count)d guest registered.", "%(count)d guests registered.", result.created
    ) % {"count": result.created}
    if result.undeclared:
        text += " " + ngettext(
            "%(count)d of them has no health declaration.",
            "%(count)d of them have no health declaration.",
            result.undeclared,
        ) % {"count": result.undeclared}
    if result.already:
        text += " " + ngettext(
            "%(count)d row was already imported before.",
            "%(count)d rows were already imported before.",
            result.already,
        ) % {"count": result.already}
    return text


# The template ---------------------------------------------------------------

NOTES = [
    "Mỗi dòng của trang “Khách lưu trú” là một khách. Không đổi tên, không xóa cột.",
    "Các cột có dấu * là bắt buộc.",
    "Ngày giờ ghi dạng dd/mm/yyyy hh:mm (ví dụ 25/08/2021 14:30); ngày ghi dd/mm/yyyy.",
    "Số CMND/CCCD, số điện thoại để dạng văn bản (Text) để giữ số 0 ở đầu. "
    "Số hộ chiếu ghi liền, không có dấu cách.",
    "Quốc tịch để trống là Việt Nam; khách nước ngoài ghi tên hoặc mã nước (ví dụ US, Hàn Quốc).",
    "Mã tờ khai: mã 8 ký tự của tờ khai y tế nếu khách đã khai báo. Để trống: hệ thống tìm "
    "tờ khai gần nhất của khách; khách chưa khai báo vẫn được ghi nhận và Công an xã/phường "
    "sẽ thấy.",
    "Nếu có dòng sai, cả tệp không được lưu và hệ thống liệt kê mọi dòng sai: "
    "sửa rồi tải lên lại. Tải lên lại cùng một tệp không tạo khách trùng.",
    f"Tối đa {MAX_ROWS} dòng và {MAX_BYTES // (1024 * 1024)} MB mỗi tệp.",
]


def template_xlsx():
    """The import template: the register sheet and the instructions."""
    book = TemplateBook()
    columns = [
        TemplateColumn(header, width, kind, required, GENDER_CHOICES if name == "gender" else ())
        for name, header, kind, required, width in COLUMNS
    ]
    book.data_sheet(SHEET, columns, rows=MAX_ROWS, freeze_columns=1)
    book.notes_sheet("Hướng dẫn nhập sổ khách lưu trú", NOTES, widths=(4, 100))
    return book.close()


def template_filename():
    return f"mau-so-khach-luu-tru-{settings.VIGIL_HOME_PROVINCE}.xlsx"
