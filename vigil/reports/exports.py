"""Excel export of any list (R-S3), streamed in constant memory.

A list registers an `ExportSpec`: how to build its filtered, scoped queryset
from the same query string as its page (so the file holds exactly the rows the
page shows), and its columns with Vietnamese headers. The writer uses
XlsxWriter's constant_memory mode and reads rows with `.iterator()`, so a
million rows never need a million rows in memory. It writes to a temporary
file and renames it only when complete: a failed export never looks finished.
"""

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify
from django.utils.timezone import localtime

from vigil.core.masking import mask_id_number, mask_phone

# Column kinds: how a value is written.
TEXT, DATE, DATETIME, NUMBER, ID, PHONE = "text", "date", "datetime", "number", "id", "phone"


@dataclass
class Column:
    header: str
    get: object  # callable(row) -> value
    kind: str = TEXT
    width: int = 18


@dataclass
class ExportSpec:
    key: str
    title: str
    tasks: tuple
    build: object  # callable(user, QueryDict) -> (queryset, [filter descriptions])
    columns: list = field(default_factory=list)


REGISTRY = {}


def register(spec):
    REGISTRY[spec.key] = spec
    return spec


def params_of(query):
    """A JSON-safe copy of a query string (lists kept)."""
    return {key: query.getlist(key) for key in query if key not in ("page", "list")}


def querydict(params):
    q = QueryDict(mutable=True)
    for key, values in (params or {}).items():
        q.setlist(key, values)
    return q


def export_dir():
    path = Path(settings.VIGIL_EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_name(spec):
    return f"{slugify(spec.key)}-{localtime():%Y%m%d-%H%M%S}.xlsx"


def write(spec, user, params, path, *, progress=None, chunk=2000):
    """Write the export to `path`; returns the number of data rows.

    `progress(done)` is called every `chunk` rows (for the progress bar).
    """
    from vigil.people.permissions import may_see_identity

    queryset, filters = spec.build(user, querydict(params))
    whole = may_see_identity(user)
    tmp = Path(f"{path}.part")
    workbook = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False})
    try:
        sheet = workbook.add_worksheet("Danh sách")
        bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        title = workbook.add_format({"bold": True, "font_size": 13})
        date = workbook.add_format({"num_format": "dd/mm/yyyy"})
        stamp = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        text = workbook.add_format({"num_format": "@"})
        for n, column in enumerate(spec.columns):
            sheet.set_column(n, n, column.width)
        exported = localtime().strftime("%d/%m/%Y %H:%M")
        sheet.write_string(0, 0, f"{spec.title} — xuất lúc {exported} — {user.username}", title)
        sheet.write_string(1, 0, "Bộ lọc: " + ("; ".join(filters) if filters else "không"))
        for n, column in enumerate(spec.columns):
            sheet.write_string(2, n, column.header, bold)
        row_number = 3
        count = 0
        for row in queryset.iterator(chunk_size=chunk):
            for n, column in enumerate(spec.columns):
                value = column.get(row)
                _write_cell(sheet, row_number, n, column.kind, value, whole, date, stamp, text)
            row_number += 1
            count += 1
            if progress is not None and count % chunk == 0:
                progress(count)
        sheet.freeze_panes(3, 0)
    finally:
        workbook.close()
    os.replace(tmp, path)
    return count


def _write_cell(sheet, r, c, kind, value, whole, date, stamp, text):
    if value is None or value == "":
        sheet.write_blank(r, c, None)
    elif kind == DATE:
        sheet.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), date)
    elif kind == DATETIME:
        sheet.write_datetime(r, c, localtime(value).replace(tzinfo=None), stamp)
    elif kind == NUMBER:
        sheet.write_number(r, c, value)
    elif kind == ID:
        # As text: no scientific notation, leading zeros kept.
        sheet.write_string(r, c, value if whole else mask_id_number(value), text)
    elif kind == PHONE:
        sheet.write_string(r, c, value if whole else mask_phone(value), text)
    else:
        sheet.write_string(r, c, str(value))


def now():
    return timezone.now()
