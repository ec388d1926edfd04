"""Every place in an export is unambiguous (issue 16): its commune, district
and province in their own columns, read back with openpyxl."""

import datetime
import io

import openpyxl
import pytest

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit
from vigil.declarations.models import Declaration
from vigil.quarantine.models import Facility


def unit(code, tree=AdminUnit.TREE_PRE2025):
    return AdminUnit.objects.get(tree=tree, code=code)


def sheet_of(response):
    assert response.status_code == 200, response
    content = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(content)).active


def records(sheet):
    headers = [c.value for c in sheet[3]]
    return [
        dict(zip(headers, r, strict=True)) for r in sheet.iter_rows(min_row=4, values_only=True)
    ]


def declare(make_person, area, name, **journey):
    journey.setdefault("departure_country_id", "VN")
    return Declaration.objects.create(
        person=make_person(area, full_name=name),
        registration_kind="return_home",
        area=area,
        address="1 Lê Lợi",
        transport="car",
        arrival_date=datetime.date(2021, 8, 1),
        channel="web",
        **journey,
    )


@pytest.fixture
def two_hương_phong(make_person):
    """The two communes named "Xã Hương Phong" of the home province (districts
    480 and 481), one arrival each: from Quận Liên Chiểu (Đà Nẵng) and from
    Bangkok."""
    first, second = unit("20002"), unit("20080")
    assert first.name == second.name == "Xã Hương Phong"
    declare(make_person, first, "Người Một", departure_unit=unit("490"))
    declare(
        make_person,
        second,
        "Người Hai",
        departure_country_id="TH",
        departure_place="Bangkok",
    )
    return first, second


def test_the_declaration_export_names_commune_district_and_province(
    client, make_user, places, two_hương_phong
):
    first, second = two_hương_phong
    client.force_login(make_user("cdc", places.province, tasks=[Task.CDC]))
    rows = {
        r["Họ và tên"]: r
        for r in records(sheet_of(client.get("/reports/export/", {"list": "declarations"})))
    }
    one, two = rows["Người Một"], rows["Người Hai"]
    # Where to: same commune name, told apart by the district.
    assert one["Phường/xã đến"] == two["Phường/xã đến"] == "Xã Hương Phong"
    assert one["Quận/huyện đến"] == first.parent.name
    assert two["Quận/huyện đến"] == second.parent.name
    assert one["Quận/huyện đến"] != two["Quận/huyện đến"]
    assert one["Tỉnh/thành phố đến"] == two["Tỉnh/thành phố đến"] == places.province.name
    # Where from: the district keeps its city; abroad names the place and the country.
    assert one["Nơi đi (quận/huyện)"] == "Quận Liên Chiểu"
    assert one["Nơi đi (tỉnh/thành phố)"] == "Thành phố Đà Nẵng"
    assert one["Nơi đi (phường/xã)"] is None
    assert one["Nơi đi (nước ngoài)"] is None
    assert two["Nơi đi (tỉnh/thành phố)"] is None
    assert two["Nơi đi (nước ngoài)"].startswith("Bangkok, ")
    assert "Nơi đi" not in rows  # no bare, ambiguous column left


def test_a_unit_of_the_two_level_tree_has_no_district(client, make_user, make_person, places):
    current = AdminUnit.TREE_CURRENT
    province = AdminUnit.objects.create(
        tree=current, level=1, code="T46", name="Thành phố Huế", path="T46/"
    )
    commune = AdminUnit.objects.create(
        tree=current, level=3, code="T19900", name="Phường Mới", parent=province, path="T46/T19900/"
    )
    declare(make_person, places.commune, "Người Ba", departure_unit=commune)
    client.force_login(make_user("cdc", places.province, tasks=[Task.CDC]))
    (row,) = records(sheet_of(client.get("/reports/export/", {"list": "declarations"})))
    assert row["Nơi đi (phường/xã)"] == commune.name
    assert row["Nơi đi (quận/huyện)"] is None
    assert row["Nơi đi (tỉnh/thành phố)"] == "Thành phố Huế"


def test_the_people_registry_and_the_case_list_name_the_district(
    client, make_user, make_person, places
):
    from vigil.investigation.models import Case

    first, second = unit("20002"), unit("20080")
    one = make_person(first, full_name="Người Một")
    make_person(second, full_name="Người Hai")
    Case.objects.create(person=one, code="BN1", kind="confirmed", level=0, residence=first,
                        detection=second)  # fmt: skip
    client.force_login(make_user("cdc", places.province, tasks=[Task.CDC]))
    people = records(sheet_of(client.get("/reports/export/", {"list": "people"})))
    districts = {r["Họ và tên"]: r["Quận/huyện"] for r in people}
    assert districts == {"Người Một": first.parent.name, "Người Hai": second.parent.name}
    (case,) = records(sheet_of(client.get("/reports/export/", {"list": "cases"})))
    assert (case["Phường/xã"], case["Quận/huyện"]) == ("Xã Hương Phong", first.parent.name)
    assert case["Nơi phát hiện (quận/huyện)"] == second.parent.name
    assert case["Tỉnh/thành phố"] == places.province.name


def test_the_facility_board_names_the_district(client, make_user, places):
    Facility.objects.create(kind="concentrated", name="KCL Hương Phong", area=unit("20002"))
    client.force_login(make_user("cdc", places.province, tasks=[Task.CDC]))
    body = client.get("/quarantine/board/").content.decode()
    row = body.split('id="board"', 1)[1].split("KCL Hương Phong", 1)[1].split("</tr>", 1)[0]
    assert unit("20002").parent.name in row


def test_the_approval_queue_names_the_district_and_the_departure_city(client, make_user, places):
    from vigil.verification.models import Registration

    for n, area in enumerate((unit("20002"), unit("20080"))):
        Registration.objects.create(
            full_name=f"Người {n}",
            id_kind="cccd",
            id_number=f"04609000000{n}",
            phone="0912000111",
            birth_year=1990,
            gender="female",
            channel="web",
            submitter_phone="0912000111",
            registration_kind="return_home",
            departure_country_id="VN",
            departure_unit=unit("490"),
            area=area,
            address="1 Lê Lợi",
            arrival_date=datetime.date.today(),
            transport="car",
        )
    client.force_login(make_user("leader", places.province, tasks=[Task.LEADER]))
    body = client.get("/verification/approvals/").content.decode()
    assert body.count("Quận Liên Chiểu, Thành phố Đà Nẵng") == 2
    assert unit("20002").parent.name in body and unit("20080").parent.name in body
