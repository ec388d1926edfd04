"""Excel export of any list (R-S3), streamed in constant memory.

A list registers an `ExportSpec`: how to build its filtered, scoped queryset
from the same query string as its page (so the file holds exactly the rows the
page shows), and its columns with Vietnamese headers.

Columns that name their `source` (a `values_list()` path such as
"person__full_name", or a tuple of paths passed to `combine`) let the export
read plain tuples instead of model instances; choice columns name the model
field (`choices="people.Person.gender"`) and are written as its label, looked
up in a dict built once per export in the active language. A spec with a
column that has only a `get(row)` callable is read as model instances.

The file is written by `XlsxStream`, a small streaming .xlsx writer (inline
strings, one worksheet, deflated as it goes), so a million rows never need a
million rows in memory. It writes to a temporary file and renames it only when
complete: a failed export never looks finished.
"""

import datetime
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify
from django.utils.timezone import localtime

from vigil.core.db_router import reads_replica
from vigil.core.masking import mask_id_number, mask_phone

# Column kinds: how a value is written.
TEXT, DATE, DATETIME, NUMBER, ID, PHONE = "text", "date", "datetime", "number", "id", "phone"


@dataclass
class Column:
    header: str
    get: object = None  # callable(model instance) -> value, when there is no `source`
    kind: str = TEXT
    width: int = 18
    source: object = None  # values_list() path, or a tuple of paths for `combine`
    combine: object = None  # callable(*values) -> value, for a tuple `source`
    choices: object = None  # "app_label.Model.field": the value is a choice, written as its label
    # callable(shared) -> combine, made anew for each export: for a `combine`
    # with a cache that lives as long as one export (`shared` is one dict per
    # export, for caches that several columns share).
    per_export: object = None


@dataclass
class ExportSpec:
    key: str
    title: str
    build: object = None  # callable(user, QueryDict) -> (queryset, [filter descriptions])
    columns: list = field(default_factory=list)
    # Who may export the list: a key of vigil.core.permissions (e.g.
    # READ_TESTS), beyond EXPORT itself. A spec without one exports to nobody.
    capability: str = ""


class Rows(list):
    """Rows already computed (a table of figures, not a queryset), exported
    through the same writer: `count()` and `iterator()` as a queryset has,
    read by columns with a `get(row)`. A table whose columns follow its data
    (the statistics table's "Columns") brings them as `columns`, which then
    replace the spec's."""

    def __init__(self, rows=(), columns=None):
        super().__init__(rows)
        self.columns = columns

    def count(self):
        return len(self)

    def iterator(self, chunk_size=None):
        return iter(self)


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


def choice_labels(name):
    """{value: label} of the model field "app_label.Model.field", as plain
    strings in the active language."""
    app_model, field_name = name.rsplit(".", 1)
    model_field = apps.get_model(app_model)._meta.get_field(field_name)
    return {value: str(label) for value, label in model_field.flatchoices}


def _sources(column):
    return (column.source,) if isinstance(column.source, str) else tuple(column.source)


def _follow(row, path):
    """`path` ("person__full_name") read on a model instance; None past a null."""
    for part in path.split("__"):
        if row is None:
            return None
        row = getattr(row, part)
    return row


def _readers(columns, by_values):
    """One callable(row) -> value per column, for tuple rows (`by_values`) or
    model instances; and the values_list() fields the tuple rows hold."""
    fields, readers, shared = [], [], {}
    for column in columns:
        if column.source is None:
            readers.append(column.get)
            continue
        paths = _sources(column)
        combine = column.per_export(shared) if column.per_export else column.combine
        if by_values:
            at = []
            for path in paths:
                if path not in fields:
                    fields.append(path)
                at.append(fields.index(path))
            if len(at) == 1 and combine is None:
                (i,) = at
                read = lambda row, i=i: row[i]  # noqa: E731
            elif len(at) == 1:
                read = lambda row, i=at[0], combine=combine: combine(row[i])  # noqa: E731
            else:
                combine = combine or (lambda *values: values[0])
                read = lambda row, at=tuple(at), combine=combine: combine(*[row[i] for i in at])  # noqa: E731
        elif len(paths) == 1 and combine is None:
            read = lambda row, path=paths[0]: _follow(row, path)  # noqa: E731
        else:
            combine = combine or (lambda *values: values[0])
            read = lambda row, paths=paths, combine=combine: combine(  # noqa: E731
                *[_follow(row, p) for p in paths]
            )
        if column.choices:
            labels = choice_labels(column.choices)
            read = lambda row, read=read, labels=labels: _label(labels, read(row))  # noqa: E731
        readers.append(read)
    return readers, fields


def _label(labels, value):
    return labels.get(value, value) if value is not None else None


@reads_replica
def write(spec, user, params, path, *, progress=None, chunk=2000):
    """Write the export to `path`; returns the number of data rows.

    `progress(done)` is called every `chunk` rows (for the progress bar).
    """
    from vigil.core.permissions import SEE_IDENTITY, may

    queryset, filters = spec.build(user, querydict(params))
    columns = (isinstance(queryset, Rows) and queryset.columns) or spec.columns
    whole = may(user, SEE_IDENTITY)
    by_values = all(column.source is not None for column in columns)
    readers, fields = _readers(columns, by_values)
    rows = queryset.values_list(*fields) if by_values else queryset
    tz = timezone.get_current_timezone() if settings.USE_TZ else None
    cells = [
        _cell_writer(column.kind, read, whole, tz)
        for column, read in zip(columns, readers, strict=True)
    ]
    tmp = Path(f"{path}.part")
    book = XlsxStream(tmp, "Danh sách", [column.width for column in columns], frozen_rows=3)
    try:
        exported = localtime().strftime("%d/%m/%Y %H:%M")
        book.row([_text(f"{spec.title} — xuất lúc {exported} — {user.username}", XlsxStream.TITLE)])
        book.row([_text("Bộ lọc: " + ("; ".join(filters) if filters else "không"))])
        book.row([_text(column.header, XlsxStream.HEADER) for column in columns])
        count = 0
        for row in rows.iterator(chunk_size=chunk):
            book.row([cell(row) for cell in cells])
            count += 1
            if progress is not None and count % chunk == 0:
                progress(count)
        book.close()
    except BaseException:
        book.abort()
        raise
    os.replace(tmp, path)
    return count


# --- Cells: each returns the XML of one <c> element ("<c/>" when blank). ---

_BLANK = "<c/>"
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EPOCH = datetime.date(1899, 12, 30).toordinal()


def _text(value, style=0):
    """An inline string cell; XML-escaped, characters illegal in XML removed."""
    if not value:
        return _BLANK
    if _SPECIAL.search(value):
        value = _ILLEGAL.sub("", value).replace("&", "&amp;").replace("<", "&lt;")
        value = value.replace(">", "&gt;")
    s = f' s="{style}"' if style else ""
    if value[0].isspace() or value[-1].isspace():
        return f'<c t="inlineStr"{s}><is><t xml:space="preserve">{value}</t></is></c>'
    return f'<c t="inlineStr"{s}><is><t>{value}</t></is></c>'


def _cell_writer(kind, read, whole, tz):
    text_style = XlsxStream.TEXT

    if kind == DATE:

        def cell(row):
            value = read(row)
            if value is None or value == "":
                return _BLANK
            return f'<c s="{XlsxStream.DATE}"><v>{value.toordinal() - _EPOCH}</v></c>'

    elif kind == DATETIME:

        def cell(row):
            value = read(row)
            if value is None or value == "":
                return _BLANK
            if tz is not None and value.tzinfo is not None:
                value = value.astimezone(tz)
            seconds = value.hour * 3600 + value.minute * 60 + value.second
            serial = value.toordinal() - _EPOCH + seconds / 86400
            return f'<c s="{XlsxStream.DATETIME}"><v>{serial!r}</v></c>'

    elif kind == NUMBER:

        def cell(row):
            value = read(row)
            if value is None or value == "":
                return _BLANK
            return f"<c><v>{value}</v></c>"

    elif kind in (ID, PHONE):
        # As text: no scientific notation, leading zeros kept.
        mask = None if whole else (mask_id_number if kind == ID else mask_phone)

        def cell(row):
            value = read(row)
            if value is None or value == "":
                return _BLANK
            return _text(value if mask is None else mask(value), text_style)

    else:

        def cell(row):
            value = read(row)
            if value is None or value == "":
                return _BLANK
            return _text(value if type(value) is str else str(value))

    return cell


class XlsxStream:
    """A minimal .xlsx writer: one worksheet of inline strings, numbers and
    dates, its XML deflated into the zip as rows arrive (constant memory).

    `row(cells)` takes the cells' XML (see `_text` and `_cell_writer`); call
    `close()` to finish the file, or `abort()` to drop it.
    """

    # Style indexes (cellXfs in styles.xml).
    DATE, DATETIME, TEXT, HEADER, TITLE = 1, 2, 3, 4, 5
    FLUSH = 1 << 20  # characters of sheet XML buffered before each write

    def __init__(self, path, sheet_name, widths, *, frozen_rows=0, compresslevel=1):
        self.path = Path(path)
        self.sheet_name = sheet_name
        self.widths = widths
        self.frozen_rows = frozen_rows
        self.compresslevel = compresslevel
        # The rows are spooled uncompressed (like XlsxWriter's constant_memory)
        # because the sheet's <dimension>, before them, needs the row count.
        self.body = tempfile.TemporaryFile(dir=self.path.parent, prefix=".xlsx-rows-")  # noqa: SIM115 - closed by close()/abort()
        self.buffer = []
        self.buffered = 0
        self.rows = 0
        self.columns = 0

    def _flush(self):
        self.body.write("".join(self.buffer).encode())
        self.buffer.clear()
        self.buffered = 0

    def row(self, cells):
        self.rows += 1
        self.columns = max(self.columns, len(cells))
        text = f'<row r="{self.rows}">{"".join(cells)}</row>'
        self.buffer.append(text)
        self.buffered += len(text)
        if self.buffered >= self.FLUSH:
            self._flush()

    def _head(self):
        last = f"{_column_letter(max(self.columns, 1))}{max(self.rows, 1)}"
        head = [
            _XML_HEAD,
            f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">',
            f'<dimension ref="A1:{last}"/>' if self.rows else '<dimension ref="A1"/>',
            '<sheetViews><sheetView workbookViewId="0">',
        ]
        if self.frozen_rows:
            head.append(
                f'<pane ySplit="{self.frozen_rows}" topLeftCell="A{self.frozen_rows + 1}" '
                'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/>'
            )
        head.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
        if self.widths:
            head.append("<cols>")
            for n, width in enumerate(self.widths, 1):
                head.append(
                    f'<col min="{n}" max="{n}" width="{width + 0.7109375}" customWidth="1"/>'
                )
            head.append("</cols>")
        head.append("<sheetData>")
        return "".join(head).encode()

    def close(self):
        """Write the workbook: its parts, and the sheet from the spooled rows."""
        self._flush()
        self.body.seek(0)
        name = self.sheet_name.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
        with zipfile.ZipFile(
            self.path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=self.compresslevel
        ) as book:
            for part, xml in (
                ("[Content_Types].xml", _CONTENT_TYPES),
                ("_rels/.rels", _ROOT_RELS),
                ("xl/workbook.xml", _WORKBOOK.format(name=name)),
                ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
                ("xl/styles.xml", _STYLES),
            ):
                book.writestr(part, _XML_HEAD + xml)
            size = self.body.seek(0, os.SEEK_END)
            self.body.seek(0)
            # Past 2 GiB of XML the entry needs ZIP64.
            with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=size > 1 << 30) as sheet:
                sheet.write(self._head())
                shutil.copyfileobj(self.body, sheet, self.FLUSH)
                sheet.write(b"</sheetData></worksheet>")
        self.body.close()

    def abort(self):
        """Close quietly and remove the unfinished file."""
        self.body.close()
        self.path.unlink(missing_ok=True)


def _column_letter(n):
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels"'
    ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
    "<bookViews><workbookView/></bookViews>"
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_WORKBOOK_RELS = (
    f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2">'
    '<numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/>'
    "</numFmts>"
    '<fonts count="3">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="13"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="3">'
    '<fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>'
    "</patternFill></fill>"
    "</fills>"
    '<borders count="2">'
    "<border><left/><right/><top/><bottom/><diagonal/></border>"
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/>'
    '</right><top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/>'
    "</bottom><diagonal/></border>"
    "</borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1"'
    ' applyBorder="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def now():
    return timezone.now()
