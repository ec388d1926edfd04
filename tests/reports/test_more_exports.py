""" "Kết xuất" on the approvals, the people registry, the audit log, the
statistics tables, the share of paper and the facility board (issue 16): each
page offers it, and the file holds what the page shows, inside the viewer's
jurisdiction, read back with openpyxl."""

import datetime
import io

import openpyxl
import pytest

from vigil.accounts.models import Task
from vigil.audit.services import Action, log
from vigil.declarations.models import Declaration
from vigil.quarantine import services as quarantine
from vigil.quarantine.models import Facility
from vigil.reports import services
from vigil.verification.models import Registration

from ..scope.samples import build_world


def sheet_of(response):
    assert response.status_code == 200, response
    content = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(content)).active


def records(sheet):
    headers = [c.value for c in sheet[3]]
    return [
        dict(zip(headers, r, strict=True)) for r in sheet.iter_rows(min_row=4, values_only=True)
    ]


def export(client, key, **query):
    return records(sheet_of(client.get("/reports/export/", {"list": key, **query})))


def offers(client, url, key):
    body = client.get(url).content.decode()
    assert f'id="export-{key}"' in body, url
    assert f"list={key}" in body


def register(area, name, id_number):
    return Registration.objects.create(
        full_name=name,
        id_kind="cccd",
        id_number=id_number,
        phone="0912000111",
        birth_year=1990,
        gender="female",
        channel="web",
        submitter_phone="0912000111",
        registration_kind="return_home",
        departure_country_id="VN",
        area=area,
        address="1 Lê Lợi",
        arrival_date=datetime.date.today(),
        transport="car",
    )


def declare(make_person, area, name, channel="web"):
    return Declaration.objects.create(
        person=make_person(area, full_name=name),
        registration_kind="return_home",
        departure_country_id="VN",
        area=area,
        address="1 Lê Lợi",
        transport="car",
        arrival_date=datetime.date(2021, 8, 1),
        channel=channel,
    )


def test_the_approval_queue_exports_its_registrations(client, make_user, places):
    register(places.commune, "Trần Thị Về", "046090000001")
    register(places.commune, "Lê Văn Khác", "046090000002")
    register(places.far, "Bùi Văn Xa", "046090000009")
    client.force_login(make_user("leader.pn", places.commune, tasks=[Task.LEADER]))
    offers(client, "/verification/approvals/", "approvals")
    rows = export(client, "approvals")
    assert {r["Họ và tên"] for r in rows} == {"Trần Thị Về", "Lê Văn Khác"}
    assert all(r["Phường/xã đến"] == places.commune.name for r in rows)
    assert all(r["Quận/huyện đến"] == places.district.name for r in rows)
    assert "046090000001" not in {r["Số CMND/CCCD"] for r in rows}  # masked for leaders
    assert [r["Họ và tên"] for r in export(client, "approvals", q="tran thi")] == ["Trần Thị Về"]


def test_the_people_registry_exports_its_people_and_its_search(
    client, make_user, make_person, places
):
    make_person(places.commune, full_name="Nguyễn Văn Một")
    make_person(places.neighbour, full_name="Trần Thị Hai")
    make_person(places.far, full_name="Bùi Văn Xa")
    client.force_login(make_user("hs.pn", places.district, tasks=[Task.HEALTH_STATION]))
    offers(client, "/people/", "people")
    rows = export(client, "people")
    assert [r["Họ và tên"] for r in rows] == ["Nguyễn Văn Một", "Trần Thị Hai"]
    assert {r["Phường/xã"] for r in rows} == {places.commune.name, places.neighbour.name}
    assert [r["Họ và tên"] for r in export(client, "people", q="tran thi")] == ["Trần Thị Hai"]
    offers(client, "/people/?q=tran+thi", "people")


def test_the_audit_log_exports_its_events_as_sentences(client, make_user, make_person, places):
    admin = make_user("admin.pn", places.commune, tasks=[Task.ADMIN])
    near = make_person(places.commune, full_name="Nguyễn Văn Gần")
    far = make_person(places.far, full_name="Bùi Văn Xa")
    log(admin, Action.VIEW, near)
    log(admin, Action.VIEW, far)
    client.force_login(admin)
    offers(client, "/audit/", "audit")
    rows = export(client, "audit", action="view")
    assert len(rows) == 1
    (row,) = rows
    assert "Nguyễn Văn Gần" in row["Sự kiện"]
    assert "<" not in row["Sự kiện"] and "&" not in row["Sự kiện"]  # text, not HTML
    assert row["Tài khoản"] == "admin.pn"
    assert isinstance(row["Thời điểm"], datetime.datetime)


@pytest.fixture
def arrivals(make_person, places):
    declare(make_person, places.commune, "Một", channel="paper")
    declare(make_person, places.commune, "Hai")
    declare(make_person, places.neighbour, "Ba")
    declare(make_person, places.far, "Xa", channel="paper")


def by_label(rows):
    """{row label (the first column, headed in the interface language): row}."""
    return {next(iter(r.values())): r for r in rows}


def test_the_statistics_table_exports_its_rows_and_total(client, make_user, places, arrivals):
    client.force_login(make_user("leader.hue", places.district, tasks=[Task.LEADER]))
    offers(client, "/reports/stats/", "stats_area")
    rows = by_label(export(client, "stats_area"))
    assert rows[places.commune.name]["Tổng"] == 2
    assert rows[places.neighbour.name]["Tổng"] == 1
    assert rows[places.commune.name]["Thuộc"] == places.district.full_name()
    assert rows["Tổng cộng"]["Tổng"] == 3
    assert sum(r["Tổng"] for name, r in rows.items() if name != "Tổng cộng") == 3
    # With columns: one per channel, each row adding up to its total.
    by_channel = by_label(export(client, "stats_area", cols="channel"))
    commune = by_channel[places.commune.name]
    channels = list(commune)[3:]
    assert sorted(n for c in channels if (n := commune[c])) == [1, 1]  # paper, web
    assert sum(by_channel["Tổng cộng"][c] for c in channels) == 3
    offers(client, "/reports/stats/departure/", "stats_departure")
    (departure, total) = export(client, "stats_departure")
    assert total["Tổng"] == departure["Tổng"] == 3


def test_the_share_of_paper_exports_its_ranking(client, make_user, places, arrivals):
    client.force_login(make_user("leader.hue", places.district, tasks=[Task.LEADER]))
    offers(client, "/reports/stats/paper/", "stats_paper")
    (row,) = export(client, "stats_paper")
    assert (row["Phường/xã"], row["Quận/huyện"], row["Tỉnh/thành phố"]) == (
        places.commune.name,
        places.district.name,
        places.province.name,
    )
    assert (row["Tờ khai giấy"], row["Tất cả kênh"], row["Tỷ lệ giấy (%)"]) == (1, 2, 50)
    # Why paper was used (§II.12): every paper form under one reason or "not recorded".
    reasons = [h for h in row if h.startswith("Lý do: ")]
    assert len(reasons) >= 2
    assert sum(row[h] for h in reasons) == 1
    assert "Chậm số hóa: lâu nhất (ngày)" in row


def test_the_facility_board_exports_its_facilities_and_total(
    client, make_user, make_person, places
):
    near = Facility.objects.create(kind="concentrated", name="KCL Gần", area=places.commune)
    far = Facility.objects.create(kind="concentrated", name="KCL Xa", area=places.far)
    for facility in (near, far):
        quarantine.add_rooms(None, facility, building="A", floors=[1], rooms=[1, 2],
                             beds_per_room=2)  # fmt: skip
    quarantine.take_in(None, person=make_person(places.commune), facility=near,
                       start_date=datetime.date.today())  # fmt: skip
    client.force_login(make_user("cdc.hue", places.district, tasks=[Task.CDC]))
    offers(client, "/quarantine/board/", "quarantine_board")
    rows = export(client, "quarantine_board")
    assert [r["Khu cách ly"] for r in rows] == ["KCL Gần", "Tổng cộng"]
    facility, total = rows
    assert (facility["Phường/xã"], facility["Quận/huyện"]) == (
        places.commune.name,
        places.district.name,
    )
    assert (facility["Số giường"], facility["Đang cách ly"], facility["Tiếp nhận hôm nay"]) == (
        4,
        1,
        1,
    )
    assert total["Số giường"] == 4


# Scope: the export route takes its list as a query parameter, which the route
# harness (tests/scope/test_every_route.py) does not enumerate; every list
# registered is walked here the same way, as the harness's outsiders.


@pytest.fixture
def world(places, make_user, make_person):
    return build_world(places, make_user, make_person)


@pytest.mark.parametrize("who", ["neighbour_user", "reception_user"])
@pytest.mark.parametrize("key", sorted(services.specs()))
def test_no_export_shows_anything_from_outside_scope(client, world, key, who):
    outsider = getattr(world, who)
    client.force_login(outsider)
    markers = world.markers + (world.near_markers if who == "reception_user" else [])
    if who == "neighbour_user":
        # The neighbour's own declaration (samples.lodging_world) has the same
        # street address as the far one: inside its scope, not a marker there.
        markers = [m for m in markers if m != world.far_declaration.address]
    for query in ({}, {"q": "bui thi bimat"}, {"q": "046999888777"}):
        response = client.get("/reports/export/", {"list": key, **query})
        if who == "reception_user" and response.status_code == 403:
            continue  # an establishment's account exports its guests only
        assert response.status_code == 200, (key, who, response.status_code)
        sheet = sheet_of(response)
        # Rows 1-2 are the title and the filters, which echo the query itself.
        values = {str(v) for row in sheet.iter_rows(min_row=3, values_only=True) for v in row if v}
        for marker in markers:
            assert not any(marker in v for v in values), (key, who, query, marker)
