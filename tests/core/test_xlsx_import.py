"""The flow shared by the Excel imports (vigil.core.xlsx_import) and the
filter-form helpers (vigil.core.forms)."""

import datetime
import io

import openpyxl
import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from vigil.areas.models import AdminUnit
from vigil.core import xlsx_import
from vigil.core.forms import DateOrderMixin, filter_date_range, record_filter, search_filter
from vigil.core.xlsx import FileProblem
from vigil.core.xlsx_import import (
    ImportResult,
    RowError,
    SheetFormat,
    TemplateBook,
    TemplateColumn,
    choice,
    read_rows,
    read_upload,
)

FORMAT = SheetFormat(
    sheet="Dữ liệu",
    headers={"code": "Mã số", "name": "Họ và tên"},
    max_rows=3,
    max_bytes=1024 * 1024,
    max_unpacked=1024 * 1024,
)


def workbook(rows, title="Dữ liệu", first=None):
    book = openpyxl.Workbook()
    if first is not None:
        book.active.title = first
        book.create_sheet(title)
    else:
        book.active.title = title
    for row in rows:
        book[title].append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_rows_are_read_by_header_in_any_order_and_blank_rows_skipped():
    content = workbook([
        ("ho va ten *", "Ghi chú", "MÃ SỐ"),  # case, diacritics and "*" ignored
        ("Lê Văn A", "x", "007"),
        (None, "  ", None),  # blank where it counts and elsewhere: skipped
        ("Trần Thị B",),  # a short row: missing cells are None
    ])  # fmt: skip
    rows = read_rows(content, FORMAT)
    assert rows == [
        (2, {"name": "Lê Văn A", "code": "007"}),
        (4, {"name": "Trần Thị B", "code": None}),
    ]


def test_the_named_sheet_is_read_even_when_it_is_not_the_first():
    content = workbook([("Mã số", "Họ và tên"), ("1", "A")], first="Ghi chú")
    assert read_rows(content, FORMAT) == [(2, {"code": "1", "name": "A"})]


def test_missing_headers_and_too_many_rows_refuse_the_file():
    with pytest.raises(FileProblem, match="Mã số"):
        read_rows(workbook([("Họ và tên",), ("A",)]), FORMAT)
    too_many = workbook([("Mã số", "Họ và tên")] + [(str(n), "A") for n in range(4)])
    with pytest.raises(FileProblem, match="3"):
        read_rows(too_many, FORMAT)


def upload(content):
    return SimpleUploadedFile("x.xlsx", content, content_type=xlsx_import.XLSX_TYPE)


def test_read_upload_sets_the_rows_or_says_why_the_file_is_refused():
    result = ImportResult()
    rows = read_upload(upload(workbook([("Mã số", "Họ và tên"), ("1", "A")])), FORMAT, result, "-")
    assert rows == [(2, {"code": "1", "name": "A"})] and result.rows == 1
    assert not result.file_error

    empty = ImportResult()
    assert read_upload(upload(workbook([("Mã số", "Họ và tên")])), FORMAT, empty, "Empty.") is None
    assert empty.file_error == "Empty." and not empty.ok

    big = ImportResult()
    small = SheetFormat("Dữ liệu", FORMAT.headers, 3, max_bytes=10, max_unpacked=10**6)
    assert read_upload(upload(workbook([("Mã số", "Họ và tên")])), small, big, "-") is None
    assert "MB" in big.file_error

    bogus = ImportResult()
    assert read_upload(upload(b"not a zip"), FORMAT, bogus, "-") is None
    assert ".xlsx" in bogus.file_error


def test_the_result_is_ok_only_with_rows_and_no_error():
    assert not ImportResult().ok
    assert ImportResult(rows=2).ok
    assert not ImportResult(rows=2, errors=[RowError(3, "bad")]).ok
    with translation.override("en"):
        assert str(RowError(3, "bad")) == "Row 3: bad"


def test_choices_match_labels_folded_and_stored_values():
    vocabulary = [("pos", ["Dương tính", "Positive"]), ("neg", ["Âm tính"])]
    assert choice("duong TINH", vocabulary) == "pos"
    assert choice("neg", vocabulary) == "neg"
    assert choice("  Âm   tính ", vocabulary) == "neg"
    assert choice("có lẽ", vocabulary) is None
    assert xlsx_import.cell_text(12.0) == "12" and xlsx_import.cell_text(None) == ""


def test_a_template_has_starred_required_headers_text_columns_and_drop_downs():
    book = TemplateBook()
    columns = [
        TemplateColumn("Mã", 12, "text", required=True),
        TemplateColumn("Kết quả", 16, "text", choices=("Âm tính", "Dương tính")),
        TemplateColumn("Ngày", 14, "date"),
    ]
    book.data_sheet("Dữ liệu", columns, rows=50)
    book.notes_sheet("Hướng dẫn nhập", ["Một dòng một mẫu."], widths=(4, 90))
    sheet = book.list_sheet("Mã", ["Mã", "Tên"], [8, 30])
    sheet.write_string(1, 0, "01")
    loaded = openpyxl.load_workbook(io.BytesIO(book.close()))
    assert loaded.sheetnames == ["Dữ liệu", "Hướng dẫn", "Mã"]
    data = loaded["Dữ liệu"]
    assert [c.value for c in data[1]] == ["Mã *", "Kết quả", "Ngày"]
    assert data.column_dimensions["A"].number_format == "@"
    assert data.column_dimensions["C"].number_format == "dd/mm/yyyy"
    [validation] = data.data_validations.dataValidation
    assert validation.formula1 == '"Âm tính,Dương tính"' and str(validation.sqref) == "B2:B51"
    notes = loaded["Hướng dẫn"]
    assert notes["A1"].value == "Hướng dẫn nhập" and notes["B3"].value == "Một dòng một mẫu."
    assert [c.value for c in loaded["Mã"]["A"]] == ["Mã", "01"]


# Filter forms -------------------------------------------------------------------


class RangeForm(DateOrderMixin, forms.Form):
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    q = search_filter("Keyword", max_length=5)


def test_an_end_date_before_the_start_date_is_refused():
    assert RangeForm({"date_from": "2021-08-02", "date_to": "2021-08-02"}).is_valid()
    assert RangeForm({"date_to": "2021-08-01"}).is_valid()
    form = RangeForm({"date_from": "2021-08-02", "date_to": "2021-08-01"})
    assert not form.is_valid() and "date_to" in form.errors
    assert not RangeForm({"q": "toolong"}).is_valid()
    assert 'type="search"' in str(RangeForm()["q"])


class Recorder:
    """A stand-in queryset that records its filters."""

    def __init__(self, filters=()):
        self.filters = list(filters)

    def filter(self, **kwargs):
        return Recorder([*self.filters, kwargs])


def test_a_date_range_narrows_on_the_given_lookup():
    day, later = datetime.date(2021, 8, 2), datetime.date(2021, 8, 9)
    assert filter_date_range(Recorder(), {"date_from": None}, "at__date").filters == []
    both = filter_date_range(Recorder(), {"date_from": day, "date_to": later}, "at__date")
    assert both.filters == [{"at__date__gte": day}, {"at__date__lte": later}]
    field = record_filter("Unit", AdminUnit.objects.none())
    with translation.override("en"):
        assert not field.required and str(field.empty_label) == "All"
