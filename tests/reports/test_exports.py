import io
import tracemalloc

import openpyxl
import pytest

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel
from vigil.declarations.services import submit_declaration
from vigil.jobs.models import Job
from vigil.reports import exports
from vigil.reports.registry import declaration_columns

from ..declarations.helpers import form_data


def declare(area, **changes):
    form = DeclarationForm(form_data(area, **changes))
    assert form.is_valid(), form.errors
    return submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration


@pytest.fixture
def declarations(places):
    one = {"full_name": "Nguyễn Văn Một", "id_number": "001090000001", "phone": "0905000001"}
    two = {"full_name": "Trần Thị Hai", "id_number": "001090000002", "phone": "0905000002"}
    far = {"full_name": "Bùi Văn Xa", "id_number": "046099999999", "phone": "0905999999"}
    return [
        declare(places.commune, **one),
        declare(places.commune, transport="plane", transport_number="VN1541", **two),
        declare(places.far, **far),
    ]


def read(response):
    content = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(content)).active


def test_an_export_holds_exactly_the_filtered_rows_with_typed_cells(
    client, make_user, places, declarations
):
    client.force_login(make_user("hs.pn", places.commune, tasks=[Task.HEALTH_STATION]))
    response = client.get("/reports/export/", {"list": "declarations", "q": "tran thi"})
    assert response["Content-Disposition"].startswith("attachment")
    sheet = read(response)
    assert sheet["A1"].value.startswith("Danh sách người khai báo")
    assert "tran thi" in sheet["A2"].value
    headers = [c.value for c in sheet[3]]
    assert headers[:4] == ["Mã tờ khai", "Họ và tên", "Số CMND/CCCD", "Số điện thoại"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 1
    row = dict(zip(headers, rows[0], strict=True))
    assert row["Họ và tên"] == "Trần Thị Hai"
    assert row["Số CMND/CCCD"] == "001090000002"  # text, leading zeros kept
    arrival = sheet.cell(row=4, column=headers.index("Ngày đến") + 1)
    assert arrival.is_date
    assert arrival.value.date() == declarations[1].arrival_date
    event = AuditEvent.objects.get(action="export")
    assert event.detail["rows"] == 1 and event.detail["list"] == "declarations"


def test_an_export_never_leaves_the_jurisdiction_and_masks_for_leaders(
    client, make_user, places, declarations
):
    client.force_login(make_user("leader.pn", places.commune, tasks=[Task.LEADER]))
    sheet = read(client.get("/reports/export/", {"list": "declarations"}))
    values = [v for row in sheet.iter_rows(min_row=4, values_only=True) for v in row]
    assert "Bùi Văn Xa" not in values
    assert "046099999999" not in values
    assert "00•••••••001" in values  # masked: leaders read numbers, not identities
    assert "001090000001" not in values


def test_a_large_export_runs_in_the_background_and_is_found_later(
    client, make_user, places, declarations, settings
):
    settings.VIGIL_EXPORT_SYNC_ROWS = 1
    user = make_user("hs.pn", places.commune, tasks=[Task.HEALTH_STATION])
    client.force_login(user)
    response = client.get("/reports/export/", {"list": "declarations"})
    assert response.status_code == 302 and response.url == "/reports/exports/"
    export = Job.objects.get(kind="export", created_by=user)
    assert (export.state, export.done, export.total) == ("done", 2, 2)
    page = client.get("/reports/exports/").content.decode()
    assert f'href="/reports/exports/{export.pk}/"' in page
    assert len(list(read(client.get(f"/reports/exports/{export.pk}/")).iter_rows(min_row=4))) == 2


def test_a_failed_export_says_so_and_leaves_no_file(
    client, make_user, places, declarations, monkeypatch, settings
):
    settings.VIGIL_EXPORT_SYNC_ROWS = 1

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exports.XlsxStream, "close", disk_full)
    user = make_user("hs.pn", places.commune, tasks=[Task.HEALTH_STATION])
    client.force_login(user)
    client.get("/reports/export/", {"list": "declarations"})
    export = Job.objects.get(kind="export", created_by=user)
    assert export.state == "failed"
    assert "No space left" in export.error
    assert client.get(f"/reports/exports/{export.pk}/").status_code == 404
    assert "No space left" in client.get("/reports/exports/").content.decode()


def test_an_unknown_list_is_404(client, make_user, places):
    client.force_login(make_user("hs.pn", places.commune, tasks=[Task.HEALTH_STATION]))
    assert client.get("/reports/export/", {"list": "nope"}).status_code == 404


class FakeRows:
    """A queryset stand-in that yields rows one by one, like
    .values_list(...).iterator()."""

    def __init__(self, count):
        self.count = count
        self.fields = ()

    def values_list(self, *fields):
        self.fields = fields
        return self

    def iterator(self, chunk_size):
        import datetime

        created = datetime.datetime(2021, 8, 1, 8, 0, tzinfo=datetime.UTC)
        values = {
            "person__full_name": "Nguyễn Văn Dài Tên Để Thử Bộ Nhớ",
            "person__id_number": "046090001234",
            "person__phone": "0905111222",
            "person__birth_year": 1985,
            "person__gender": "male",
            "registration_kind": "home",
            "departure_unit__name": None,
            "departure_place": "Hà Nội",
            "area__name": "Phú Nhuận",
            "transport": "car",
            "transport_number": "75A",
            "arrival_date": datetime.date(2021, 8, 1),
            "channel": "web",
            "risk_colour": "green",
            "verification_state": "pending",
            "surveillance": "",
            "created_at": created,
        }
        for n in range(self.count):
            row = {**values, "code": f"C{n:07d}", "address": f"{n} Lê Lợi"}
            yield tuple(row.get(f) for f in self.fields)  # unlisted paths: blank


def test_the_writer_streams_in_constant_memory(tmp_path, make_user, places):
    user = make_user("cdc", places.province, tasks=[Task.CDC])
    spec = exports.ExportSpec("bench", "Bench", lambda u, q: (FakeRows(N), []),
                              declaration_columns())  # fmt: skip

    def peak(rows):
        global N
        N = rows
        tracemalloc.start()
        exports.write(spec, user, {}, tmp_path / f"{rows}.xlsx")
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(1_000), peak(20_000)
    # Twenty times the rows, about the same memory: nothing grows with the row count.
    assert large < small * 1.5 + 2_000_000, (small, large)
    sheet = openpyxl.load_workbook(tmp_path / "20000.xlsx", read_only=True).active
    assert sheet.max_row == 20_000 + 3


N = 0


@pytest.mark.parametrize(
    ("list_key", "tasks", "expected"),
    [
        ("verification_pending", [Task.COMMUNITY], {"Nguyễn Văn Một", "Trần Thị Hai"}),
        ("triage", [Task.CDC], {"Trần Thị Hai"}),
    ],
)
def test_the_queues_export_what_they_show(client, make_user, places, list_key, tasks, expected):
    declare(places.commune, full_name="Nguyễn Văn Một", id_number="001090000001")
    declare(places.commune, full_name="Trần Thị Hai", id_number="001090000002", sym_fever="1")
    declare(places.far, full_name="Bùi Văn Xa", id_number="046099999999", sym_fever="1")
    client.force_login(make_user("u.pn", places.commune, tasks=tasks))
    page = client.get(
        "/verification/" if list_key.startswith("verification") else "/triage/"
    ).content.decode()
    assert f'id="export-{list_key}"' in page
    sheet = read(client.get("/reports/export/", {"list": list_key}))
    names = {row[1] for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert names == expected


def test_the_quarantine_and_test_lists_export_what_they_show(
    client, make_user, make_person, places
):
    import datetime

    from vigil.quarantine import services as quarantine
    from vigil.quarantine.models import Facility
    from vigil.testing import services as testing

    today = datetime.date.today()
    facility = Facility.objects.create(kind="concentrated", name="KCL A", area=places.commune)
    far_facility = Facility.objects.create(kind="concentrated", name="KCL Xa", area=places.far)
    inside = make_person(places.commune, "Lê Văn Trong", id_number="001090000777")
    quarantine.take_in(None, person=inside, facility=facility, start_date=today)
    quarantine.take_in(None, person=make_person(places.far, "Xa Lắm"), facility=far_facility,
                       start_date=today)  # fmt: skip
    testing.add_results(None, inside, [{"sample_date": today, "test_date": today,
                                        "test_type": "pcr", "result": "negative"}])  # fmt: skip
    client.force_login(make_user("cdc.pn", places.commune, tasks=[Task.CDC]))
    assert 'id="export-quarantine_open"' in client.get("/quarantine/").content.decode()
    sheet = read(client.get("/reports/export/", {"list": "quarantine_open"}))
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [(r[0], r[1]) for r in rows] == [("Lê Văn Trong", "001090000777")]
    headers = [c.value for c in sheet[3]]
    assert rows[0][headers.index("Số lần XN")] == 1
    assert 'id="export-tests"' in client.get("/tests/?tab=tested").content.decode()
    sheet = read(client.get("/reports/export/", {"list": "tests", "tab": "tested"}))
    assert [r[0] for r in sheet.iter_rows(min_row=4, values_only=True)] == ["Lê Văn Trong"]


class Rows:
    """Tuples for .values_list(...).iterator()."""

    def __init__(self, rows):
        self.rows = rows

    def values_list(self, *fields):
        self.fields = fields
        return self

    def iterator(self, chunk_size):
        return iter(self.rows)


def test_every_column_kind_reads_back_typed_and_special_characters_are_safe(
    tmp_path, make_user, places
):
    import datetime

    from vigil.declarations.models import Declaration

    user = make_user("cdc.kinds", places.province, tasks=[Task.CDC])
    created = datetime.datetime(2021, 8, 1, 1, 30, tzinfo=datetime.UTC)  # 08:30 in Vietnam
    rows = Rows(
        [
            ("A & B <c> \x01end", datetime.date(2021, 8, 2), created, 1985, "001090000001",
             "0905000001", "plane", None, None, " spaced "),
            ("", None, None, None, None, None, "", None, "Huế", None),
        ]
    )  # fmt: skip
    columns = [
        exports.Column("Văn bản", source="text"),
        exports.Column("Ngày", source="day", kind=exports.DATE),
        exports.Column("Lúc", source="at", kind=exports.DATETIME),
        exports.Column("Số", source="number", kind=exports.NUMBER),
        exports.Column("CCCD", source="id", kind=exports.ID),
        exports.Column("Điện thoại", source="phone", kind=exports.PHONE),
        exports.Column(
            "Phương tiện", source="transport", choices="declarations.Declaration.transport"
        ),
        exports.Column("Nơi", source=("unit", "place"), combine=lambda u, p: u or p),
        exports.Column("Khoảng trắng", source="space"),
    ]  # fmt: skip
    spec = exports.ExportSpec("kinds", "Kiểu & <ô>", lambda u, q: (rows, []), columns)
    path = tmp_path / "kinds.xlsx"
    assert exports.write(spec, user, {}, path) == 2
    assert rows.fields == ("text", "day", "at", "number", "id", "phone", "transport", "unit",
                           "place", "space")  # fmt: skip
    assert not (tmp_path / "kinds.xlsx.part").exists()
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == "Danh sách"
    assert sheet.freeze_panes == "A4"
    assert sheet["A1"].value.startswith("Kiểu & <ô>")
    assert [c.value for c in sheet[3]] == [c.header for c in columns]
    text, day, at, number, id_number, phone, transport, place, spaced = sheet[4]
    assert text.value == "A & B <c> end"  # the control character is dropped
    assert day.is_date and day.value == datetime.datetime(2021, 8, 2)
    assert day.number_format == "dd/mm/yyyy"
    assert at.is_date and at.value == datetime.datetime(2021, 8, 1, 8, 30)
    assert at.number_format == "dd/mm/yyyy hh:mm"
    assert number.value == 1985 and number.data_type == "n"
    assert id_number.value == "001090000001" and id_number.number_format == "@"
    assert phone.value == "0905000001" and phone.data_type == "s"
    assert transport.value == str(dict(Declaration._meta.get_field("transport").choices)["plane"])
    assert place.value is None
    assert spaced.value == " spaced "
    assert [c.value for c in sheet[5]] == [None] * 7 + ["Huế", None]
    assert sheet.max_row == 5 and sheet.max_column == len(columns)
    read_only = openpyxl.load_workbook(path, read_only=True).active
    assert (read_only.max_row, read_only.max_column) == (5, len(columns))


def test_a_failed_write_removes_its_partial_file(tmp_path, make_user, places):
    class Broken(Rows):
        def iterator(self, chunk_size):
            yield ("one",)
            raise OSError(28, "No space left on device")

    user = make_user("cdc.broken", places.province, tasks=[Task.CDC])
    spec = exports.ExportSpec("broken", "Broken", lambda u, q: (Broken([]), []),
                              [exports.Column("Văn bản", source="text")])  # fmt: skip
    with pytest.raises(OSError, match="No space"):
        exports.write(spec, user, {}, tmp_path / "broken.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_a_spec_without_sources_reads_model_instances(client, make_user, places, declarations):
    """Columns with only a `get(row)` (older specs) still export, from instances."""
    from vigil.reports import registry

    columns = [
        *registry.declaration_columns(),
        exports.Column("Họ tên (get)", lambda d: d.person.full_name),
    ]
    spec = exports.ExportSpec("mixed", "Mixed", registry.build_declarations, columns)
    user = make_user("cdc.mixed", places.province, tasks=[Task.CDC])
    import pathlib
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "mixed.xlsx"
        assert exports.write(spec, user, {}, path) == 3
        sheet = openpyxl.load_workbook(path).active
        headers = [c.value for c in sheet[3]]
        rows = [
            dict(zip(headers, r, strict=True)) for r in sheet.iter_rows(min_row=4, values_only=True)
        ]
    assert {r["Họ tên (get)"] for r in rows} == {"Nguyễn Văn Một", "Trần Thị Hai", "Bùi Văn Xa"}
    assert all(r["Họ và tên"] == r["Họ tên (get)"] for r in rows)
    assert all(r["Phương tiện"] and r["Mức nguy cơ"] for r in rows)


def test_a_spec_is_exported_by_who_holds_its_capability(make_user, places):
    from vigil.core.permissions import READ_DECLARATIONS, READ_STATISTICS, TRIAGE
    from vigil.reports import services

    leader = make_user("leader.pn", places.commune, tasks=[Task.LEADER])
    assert services.allowed(leader, exports.ExportSpec("a", "A", capability=READ_STATISTICS))
    assert not services.allowed(leader, exports.ExportSpec("b", "B", capability=TRIAGE))
    assert not services.allowed(leader, exports.ExportSpec("c", "C"))  # names nobody
    hotel = make_user("hotel.pn", places.commune, tasks=[Task.ESTABLISHMENT])
    spec = exports.ExportSpec("d", "D", capability=READ_DECLARATIONS)
    assert not services.allowed(hotel, spec)  # no EXPORT


def test_the_export_pages_need_the_export_capability(client, make_user, places, declarations):
    # An establishment exports its own guest register, and no other list.
    client.force_login(make_user("hotel.pn", places.commune, tasks=[Task.ESTABLISHMENT]))
    assert client.get("/reports/export/", {"list": "declarations"}).status_code == 403
    assert client.get("/reports/exports/").status_code == 200
    assert client.get("/reports/export/", {"list": "guests"}).status_code != 403
    Job.objects.all().delete()  # that export: the refusals below must start none
    # A school may export, but only the lists it may read.
    client.force_login(make_user("school.pn", places.commune, tasks=[Task.SCHOOL]))
    assert client.get("/reports/exports/").status_code == 200
    assert client.get("/reports/export/", {"list": "declarations"}).status_code == 403
    client.force_login(make_user("leader.pn", places.commune, tasks=[Task.LEADER]))
    assert client.get("/reports/export/", {"list": "triage"}).status_code == 403
    assert not Job.objects.exists()
