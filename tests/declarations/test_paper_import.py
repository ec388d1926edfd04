"""Excel bulk import of paper forms (§II.4.2.1): all rows or none, idempotent per file."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations import imports
from vigil.declarations.imports import COLUMNS, HEADER_OF, import_paper_forms
from vigil.declarations.models import Channel, Declaration
from vigil.jobs.models import NOTHING_SAVED, Job
from vigil.people.models import Person

from ..jobs.conftest import db_queue, run_worker  # noqa: F401  (fixtures)

NAMES = ["Trần Văn Giấy", "Lê Thị Tờ", "Phạm Văn Khai", "Hoàng Thị Báo", "Võ Văn Nhập"]


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


def row(commune, n=0, **changes):
    values = {
        "full_name": NAMES[n % len(NAMES)],
        "id_number": f"04609{n:07d}",  # text: the leading zero must survive
        "phone": f"0905{n:06d}",
        "birth_year": 1980 + n,
        "gender": "Nam",
        "registration_kind": "Về địa phương",
        "departure_province": "01",
        "departure_district": "001",
        "departure_commune": "00001",
        "area": commune.code,
        "address": f"{n + 1} Trần Hưng Đạo",
        "transport": "Ô tô",
        "transport_number": "75A-123.45",
        "arrival_date": yesterday(),  # an Excel date cell
        "paper_form_number": f"GT-{n:04d}",
        "paper_form_date": yesterday().strftime("%d/%m/%Y"),  # or text
        "sym_fever": "Có" if n == 0 else "Không",
    }
    values.update(changes)
    return values


def xlsx(rows, headers=None, name="to-khai.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tờ khai"
    sheet.append(headers or [c.header for c in COLUMNS])
    for values in rows:
        sheet.append([values.get(c.field) for c in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=imports.XLSX_TYPE)


@pytest.fixture
def clerk(make_user, places):
    return make_user("so.hoa.hue", places.district, tasks=[Task.DIGITISATION])


def test_the_template_downloads_with_the_vietnamese_headers(client, clerk):
    client.force_login(clerk)
    response = client.get("/declarations/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == imports.XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames[0] == "Tờ khai"
    assert "Hướng dẫn" in book.sheetnames
    header = next(book["Tờ khai"].iter_rows(max_row=1, values_only=True))
    headers = [h.rstrip(" *") for h in header]
    for expected in ["Họ và tên", "Số CMND/CCCD", "Mã xã đến", "Ngày đến (dd/mm/yyyy)", "Sốt"]:
        assert expected in headers
    assert headers == [c.header for c in COLUMNS]
    # The commune codes of the province are listed for the clerk.
    communes = [
        r for r in book["Mã xã đến"].iter_rows(values_only=True) if r[3] == "Phường Phú Nhuận"
    ]
    assert communes and communes[0][2].isdigit()


def test_the_template_keeps_id_columns_as_text(places):
    book = openpyxl.load_workbook(io.BytesIO(imports.template_xlsx()))
    sheet = book["Tờ khai"]
    for field in ("id_number", "phone", "area", "paper_form_number"):
        index = [c.field for c in COLUMNS].index(field) + 1
        # Adjacent columns of the same format share one <col> element.
        [dimension] = [d for d in sheet.column_dimensions.values() if d.min <= index <= d.max]
        assert dimension.number_format == "@", field


def test_a_good_file_saves_every_row_and_a_second_upload_saves_nothing_new(clerk, places):
    rows = [row(places.commune, 0), row(places.neighbour, 1), row(places.commune, 2)]
    result = import_paper_forms(xlsx(rows), clerk)
    assert result.ok, [str(e) for e in result.errors] or result.file_error
    assert (result.rows, result.created, result.already) == (3, 3, 0)
    declarations = Declaration.objects.order_by("paper_form_number")
    assert [d.channel for d in declarations] == [Channel.PAPER] * 3
    first = declarations[0]
    assert first.person.id_number == "046090000000"  # leading zero kept
    assert first.person.full_name == "Trần Văn Giấy"
    assert first.sym_fever is True and first.cond_cancer is False
    assert first.arrival_date == yesterday()
    assert first.paper_form_date == yesterday()
    assert first.departure_unit.code == "00001"
    assert first.created_by == clerk
    assert declarations[1].area == places.neighbour

    again = import_paper_forms(xlsx(rows), clerk)
    assert (again.created, again.already) == (0, 3)
    assert Declaration.objects.count() == 3
    assert Person.objects.count() == 3


def test_one_bad_row_saves_nothing_and_names_the_row_and_the_reason(clerk, places):
    rows = [
        row(places.commune, 0),
        row(places.commune, 1, phone="12345", area="99999"),
        row(places.commune, 2),
        row(places.commune, 3, sym_cough="Hình như có"),
    ]
    result = import_paper_forms(xlsx(rows), clerk)
    assert not result.ok
    assert not Declaration.objects.exists()
    assert not Person.objects.exists()
    assert [e.row for e in result.errors] == [3, 5]
    columns = [column for column, _message in result.errors[0].problems]
    assert columns == [HEADER_OF["phone"], HEADER_OF["area"]]
    assert "99999" in result.errors[0].problems[1][1]
    line = str(result.errors[0])
    assert "3" in line and HEADER_OF["phone"] in line and HEADER_OF["area"] in line
    assert result.errors[1].problems[0][0] == HEADER_OF["sym_cough"]


def test_a_row_for_a_commune_outside_the_jurisdiction_is_refused(clerk, places):
    result = import_paper_forms(xlsx([row(places.far, 0)]), clerk)
    assert [e.row for e in result.errors] == [2]
    assert result.errors[0].problems[0][0] == HEADER_OF["area"]
    assert not Declaration.objects.exists()


def test_an_id_number_typed_as_a_number_is_refused_with_a_hint(clerk, places):
    result = import_paper_forms(xlsx([row(places.commune, 0, id_number=46090001234)]), clerk)
    [error] = result.errors
    assert error.problems[0][0] == HEADER_OF["id_number"]
    assert "12" in error.problems[0][1]  # "a CCCD number has exactly 12 digits"


def test_codes_typed_as_numbers_get_their_leading_zeros_back(clerk, places):
    codes = {"departure_province": 1, "departure_district": 1, "departure_commune": 1}
    result = import_paper_forms(
        xlsx([row(places.commune, 0, **codes, area=int(places.commune.code))]), clerk
    )
    assert result.ok, [str(e) for e in result.errors]
    assert Declaration.objects.get().departure_unit.code == "00001"


def test_the_kind_of_id_is_guessed_from_the_number_when_left_empty(clerk, places):
    rows = [row(places.commune, 0), row(places.commune, 1, id_number="191529325")]
    assert import_paper_forms(xlsx(rows), clerk).ok
    kinds = dict(Person.objects.values_list("id_number", "id_kind"))
    assert kinds == {"046090000000": "cccd", "191529325": "cmnd"}


def test_a_file_that_is_not_the_template_is_refused_whole(clerk, places):
    result = import_paper_forms(xlsx([row(places.commune)], headers=["Tên", "Tuổi"]), clerk)
    assert "Họ và tên" in result.file_error
    not_excel = SimpleUploadedFile("x.xlsx", b"name,phone\n", content_type="text/csv")
    assert import_paper_forms(not_excel, clerk).file_error
    empty = import_paper_forms(xlsx([]), clerk)
    assert empty.file_error and not empty.ok


def test_files_too_large_or_too_long_are_refused(clerk, places, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    result = import_paper_forms(xlsx([row(places.commune, n) for n in range(3)]), clerk)
    assert "2" in result.file_error
    monkeypatch.setattr(imports, "MAX_UNPACKED", 1000)
    result = import_paper_forms(xlsx([row(places.commune)]), clerk)
    assert result.file_error
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    result = import_paper_forms(xlsx([row(places.commune)]), clerk)
    assert result.file_error
    assert not Declaration.objects.exists()


def test_the_page_imports_a_file_and_lists_bad_rows(client, clerk, places):
    client.force_login(clerk)
    bad = xlsx([row(places.commune, 0), row(places.commune, 1, birth_year=1500)])
    response = client.post("/declarations/import/", {"file": bad})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="import-errors"' in body
    assert 'data-row="3"' in body
    assert not Declaration.objects.exists()

    good = xlsx([row(places.commune, 0), row(places.commune, 1)])
    response = client.post("/declarations/import/", {"file": good})
    assert response.status_code == 302
    assert Declaration.objects.filter(channel=Channel.PAPER).count() == 2
    assert any("2" in str(m) for m in get_messages(response.wsgi_request))
    response = client.post("/declarations/import/", {})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_rows_sharing_a_form_are_still_checked_one_by_one(clerk, places):
    # Rows 2 and 4 have the same places and share one bound form (RowForms);
    # row 3's district is not in its province and must be refused alone.
    rows = [
        row(places.commune, 0, departure_province="01", departure_district="001"),
        row(places.commune, 1, departure_province="79", departure_district="001"),
        row(places.commune, 2, departure_province="01", departure_district="001", phone="1"),
        row(
            places.commune,
            3,
            departure_province="79",
            departure_district="760",
            departure_commune="26734",
        ),
    ]
    result = import_paper_forms(xlsx(rows), clerk)
    assert [(e.row, [c for c, _m in e.problems]) for e in result.errors] == [
        (3, [HEADER_OF["departure_district"]]),
        (4, [HEADER_OF["phone"]]),
    ]
    rows[1].update(departure_district="760", departure_commune="26734")
    rows[2]["phone"] = "0905000002"
    result = import_paper_forms(xlsx(rows), clerk)
    assert result.ok, [str(e) for e in result.errors]
    units = Declaration.objects.order_by("paper_form_number").values_list(
        "departure_unit__code", flat=True
    )
    assert list(units) == ["00001", "26734", "00001", "26734"]


# Large files: checked and saved by the worker ----------------------------------------


@pytest.fixture
def large(settings, tmp_path):
    """Files of more than two rows go to the worker; its files are kept in tmp_path."""
    settings.VIGIL_IMPORT_SYNC_ROWS = 2
    settings.VIGIL_IMPORT_DIR = str(tmp_path)
    return tmp_path


def test_a_large_file_is_saved_by_the_worker_while_the_page_shows_progress(
    client, clerk, places, large
):
    client.force_login(clerk)
    rows = [row(places.commune, n) for n in range(3)]
    response = client.post("/declarations/import/", {"file": xlsx(rows)})
    job = Job.objects.get(kind=imports.JOB_KIND, created_by=clerk)
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/?back=paper_import"
    # Tests run the queue inline: the job is over by now.
    assert (job.state, job.total, job.done) == (Job.State.DONE, 3, 3)
    assert job.result == {"rows": 3, "created": 3, "already": 0}
    assert Declaration.objects.filter(channel=Channel.PAPER, created_by=clerk).count() == 3
    assert list(large.iterdir()) == []  # the stored file is gone
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-done"' in page and 'href="/declarations/import/"' in page


def test_a_large_file_with_a_bad_row_saves_nothing_and_its_job_lists_the_rows(
    client, clerk, places, large
):
    client.force_login(clerk)
    rows = [row(places.commune, 0), row(places.commune, 1, phone="12345"), row(places.commune, 2)]
    response = client.post("/declarations/import/", {"file": xlsx(rows)})
    job = Job.objects.get(kind=imports.JOB_KIND)
    assert job.state == Job.State.FAILED
    assert job.error == NOTHING_SAVED and job.result["rows"] == 3
    [error] = job.result["errors"]
    assert HEADER_OF["phone"] in error
    assert not Declaration.objects.exists() and not Person.objects.exists()
    assert list(large.iterdir()) == []
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-error-list"' in page and HEADER_OF["phone"] in page


def test_a_large_file_waits_for_the_worker_and_nothing_is_saved_before(
    clerk,
    places,
    large,
    db_queue,  # noqa: F811  (fixtures)
    run_worker,  # noqa: F811
):
    result = import_paper_forms(xlsx([row(places.commune, n) for n in range(3)]), clerk)
    job = result.job
    assert (job.state, job.total, job.path) == (Job.State.QUEUED, 3, job.path)
    assert not Declaration.objects.exists()
    assert [p.name for p in large.iterdir()] == [job.path.rsplit("/", 1)[-1]]
    run_worker()
    job.refresh_from_db()
    assert (job.state, job.done) == (Job.State.DONE, 3)
    assert Declaration.objects.count() == 3


def test_a_small_file_is_still_saved_in_the_request(clerk, places, large):
    result = import_paper_forms(xlsx([row(places.commune, n) for n in range(2)]), clerk)
    assert result.job is None and result.created == 2
    assert not Job.objects.exists()
