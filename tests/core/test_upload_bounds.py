"""Uploads are bounded (Vigil issue #12, finding 2): a small crafted .xlsx must
not keep a worker busy. The files are written here by hand, zip and XML, as an
attacker would: openpyxl would never write them.

What is asserted is how far the reader went (`SheetReader.rows_read`), not the
clock; bench/crafted_upload.py prints the time.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext
from openpyxl.utils import get_column_letter

from vigil.accounts.models import ApiToken, Task
from vigil.core import xlsx, xlsx_import
from vigil.core.xlsx import FileProblem, open_workbook
from vigil.core.xlsx_import import ImportResult, SheetFormat, SheetReader, read_upload
from vigil.declarations import imports as paper

FORMAT = SheetFormat(
    sheet="Dữ liệu",
    headers={"code": "Mã số", "name": "Họ và tên"},
    max_rows=1000,
    max_bytes=5 * 1024 * 1024,
    max_unpacked=50 * 1024 * 1024,
)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def cell(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_cells(headers):
    return "".join(cell(f"{get_column_letter(i)}1", h) for i, h in enumerate(headers, start=1))


def crafted_xlsx(body_rows, dimension="A1:XFD1048576", sheet="Dữ liệu", header=None):
    """An .xlsx whose one sheet declares `dimension` and holds the header row
    (cells; by default "Mã số", "Họ và tên") then the `<row>` elements
    `body_rows` yields."""
    header = header or header_cells(FORMAT.headers.values())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(name=sheet))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as out:
            out.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + f'<dimension ref="{dimension}"/><sheetData><row r="1">{header}</row>'.encode()
            )
            chunk = []
            for row in body_rows:
                chunk.append(row)
                if len(chunk) == 10_000:
                    out.write("".join(chunk).encode())
                    chunk = []
            out.write("".join(chunk).encode() + b"</sheetData></worksheet>")
    return buffer.getvalue()


def million_blank_rows(sheet="Dữ liệu", headers=None, count=1_000_000):
    """The finding's file: a header, then 1,000,000 empty `<row/>` elements."""
    header = header_cells(headers) if headers else None
    return crafted_xlsx(
        (f'<row r="{n}"/>' for n in range(2, count + 2)), sheet=sheet, header=header
    )


def zip_bomb(unpacked=64 * 1024 * 1024):
    """A zip of a few hundred kB whose one member unpacks to `unpacked` bytes of zeros."""
    buffer = io.BytesIO()
    block = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out,
    ):
        for _ in range(unpacked // len(block)):
            out.write(block)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def blank_million():
    return million_blank_rows()


def test_a_million_empty_rows_declared_as_the_whole_sheet_stop_at_the_blank_run(blank_million):
    # The finding: 2.4 MB that used to take 30 s and a gunicorn worker.
    assert len(blank_million) < 5 * 1024 * 1024
    reader = SheetReader(FORMAT)
    assert reader.read(blank_million) == []
    # A run of VIGIL_IMPORT_BLANK_RUN blank rows ends the sheet: the rest is never read.
    assert reader.rows_read == 1000

    result = ImportResult()
    upload = SimpleUploadedFile("x.xlsx", blank_million, content_type=xlsx_import.XLSX_TYPE)
    assert read_upload(upload, FORMAT, result, "No rows.") is None
    assert result.file_error == "No rows."


def test_blank_rows_count_against_the_row_limit(settings):
    settings.VIGIL_IMPORT_BLANK_RUN = 5
    small = SheetFormat("Dữ liệu", FORMAT.headers, 3, FORMAT.max_bytes, FORMAT.max_unpacked)

    def rows():  # one filled row, then four blank ones, over and over
        for n in range(2, 100_000):
            yield f'<row r="{n}">{cell(f"A{n}", "x")}</row>' if n % 5 == 2 else f'<row r="{n}"/>'

    reader = SheetReader(small)
    with pytest.raises(FileProblem, match="more than 3 rows"):
        reader.read(crafted_xlsx(rows()))
    # Refused at the 9th row read (3 data rows + the blank run, passed) though
    # only 2 of them held data: not after 100,000.
    assert reader.rows_read == 3 + 5 + 1


def test_a_row_far_below_the_last_ends_the_sheet_at_the_blank_run(settings):
    settings.VIGIL_IMPORT_BLANK_RUN = 50
    rows = [f'<row r="2">{cell("A2", "1")}{cell("B2", "A")}</row>']
    rows.append(f'<row r="1048576">{cell("A1048576", "2")}</row>')
    reader = SheetReader(FORMAT)
    # openpyxl fills the gap with empty rows; the reader stops after 50 of them.
    assert reader.read(crafted_xlsx(rows)) == [(2, {"code": "1", "name": "A"})]
    assert reader.rows_read == 1 + 50


def test_only_the_header_columns_are_read_whatever_the_row_holds():
    far = cell("XFD2", "far right") + cell("A2", "7") + cell("B2", "B")
    header = cell("A1", "Mã số") + cell("B1", "Họ và tên") + cell("XFD1", "Ghi chú")
    rows = SheetReader(FORMAT).read(crafted_xlsx([f'<row r="2">{far}</row>'], header=header))
    assert rows == [(2, {"code": "7", "name": "B"})]


def test_headers_beyond_the_column_limit_are_not_read(settings):
    settings.VIGIL_IMPORT_MAX_COLUMNS = 10
    header = cell("A1", "Mã số") + cell("Z1", "Họ và tên")
    with pytest.raises(FileProblem, match="Họ và tên"):
        SheetReader(FORMAT).read(crafted_xlsx([], header=header))


def test_reading_stops_after_the_time_limit(settings):
    settings.VIGIL_IMPORT_MAX_SECONDS = 3
    ticks = iter(range(1000))
    reader = SheetReader(FORMAT, clock=lambda: next(ticks))  # one second a look at the clock
    content = crafted_xlsx(
        f'<row r="{n}">{cell(f"A{n}", n)}{cell(f"B{n}", "x")}</row>' for n in range(2, 500)
    )
    with pytest.raises(FileProblem, match="more than 3 seconds"):
        reader.read(content)
    # Started at 0, limit 3: the row read at 4 s is the last.
    assert reader.rows_read == 4


def test_a_sheet_of_broken_xml_is_refused_as_not_an_xlsx():
    rows = [f'<row r="2">{cell("A2", "1")}</row>', '<row r="3"><c r="A3" t="inlineStr"><is>']
    with pytest.raises(FileProblem, match="not an Excel .xlsx file"):
        SheetReader(FORMAT).read(crafted_xlsx(rows))


def test_a_zip_bomb_is_refused_from_its_directory_before_openpyxl_reads_it(monkeypatch):
    bomb = zip_bomb()
    assert len(bomb) < 1024 * 1024 and FORMAT.max_unpacked < 64 * 1024 * 1024

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open it")

    monkeypatch.setattr(xlsx, "load_workbook", never)
    with pytest.raises(FileProblem, match="too much data"):
        open_workbook(bomb, FORMAT.max_unpacked)
    result = ImportResult()
    upload = SimpleUploadedFile("x.xlsx", bomb, content_type=xlsx_import.XLSX_TYPE)
    assert read_upload(upload, FORMAT, result, "-") is None
    assert "too much data" in result.file_error


def test_a_zip_of_too_many_members_is_refused(settings, monkeypatch):
    settings.VIGIL_IMPORT_MAX_MEMBERS = 20
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(21):
            archive.writestr(f"part{n}.xml", "<a/>")
    with pytest.raises(FileProblem, match="too much data"):
        open_workbook(buffer.getvalue(), FORMAT.max_unpacked)


def test_the_upload_limit_applies_to_every_import(settings):
    settings.VIGIL_UPLOAD_MAX_BYTES = 1024 * 1024
    result = ImportResult()
    upload = SimpleUploadedFile("x.xlsx", b"x" * (1024 * 1024 + 1))
    assert read_upload(upload, FORMAT, result, "-") is None
    assert "1 MB" in result.file_error


def test_the_upload_form_refuses_a_file_over_the_limit(settings):
    settings.VIGIL_UPLOAD_MAX_BYTES = 1024 * 1024
    form = xlsx.XlsxUploadForm(files={"file": SimpleUploadedFile("x.xlsx", b"x" * 2_000_000)})
    assert not form.is_valid() and "1 MB" in form.errors["file"][0]


# Through the pages and the API --------------------------------------------------


@pytest.fixture
def clerk(make_user, places):
    return make_user("so.hoa.hue", places.district, tasks=[Task.DIGITISATION])


def test_a_crafted_file_is_refused_next_to_the_file_field(client, clerk):
    client.force_login(clerk)
    crafted = million_blank_rows(paper.SHEET, paper.HEADER_OF.values())
    upload = SimpleUploadedFile("x.xlsx", crafted, content_type=xlsx_import.XLSX_TYPE)
    response = client.post("/declarations/import/", {"file": upload})
    assert response.status_code == 200
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        expected = gettext("The file has no filled-in rows: nothing was imported.")
    assert response.context["form"].errors["file"] == [expected]
    assert 'id="import-file-error"' not in response.content.decode()
    bomb = SimpleUploadedFile("x.xlsx", zip_bomb(), content_type=xlsx_import.XLSX_TYPE)
    response = client.post("/declarations/import/", {"file": bomb})
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        expected = gettext(
            "The file holds too much data for one import: split it into smaller files."
        )
    assert response.context["form"].errors["file"] == [expected]


def test_a_file_over_the_upload_limit_is_dropped_while_it_streams_in(
    client, clerk, settings, monkeypatch
):
    settings.VIGIL_UPLOAD_MAX_BYTES = 1024 * 1024
    chunks = []
    monkeypatch.setattr(
        xlsx.BoundedUploadHandler, "file_complete", lambda self, size: chunks.append(size)
    )
    client.force_login(clerk)
    big = SimpleUploadedFile("x.xlsx", b"x" * (3 * 1024 * 1024))
    response = client.post("/declarations/import/", {"file": big})
    assert response.status_code == 200
    # Not "This field is required": the form says why the file is missing.
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        expected = xlsx.too_large_message(1024 * 1024)
    assert response.context["form"].errors["file"] == [expected]
    assert chunks == []  # the file was never completed (nor stored)


def test_the_api_says_the_file_is_too_large(client, clerk, settings):
    settings.VIGIL_UPLOAD_MAX_BYTES = 1024 * 1024
    token = ApiToken.issue(clerk, "test")[1]
    response = client.post(
        "/api/v1/declarations/paper-import",
        {"file": SimpleUploadedFile("x.xlsx", b"x" * (2 * 1024 * 1024))},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        expected = xlsx.too_large_message(1024 * 1024)
    assert response.json()["error"]["fields"]["file"] == [expected]
