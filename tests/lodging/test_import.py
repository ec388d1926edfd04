"""The paper guest register: the template is a real .xlsx with the province's
headers; a filled-in file registers every guest (declaration linked by code
or found, undeclared ones too), bad rows are all reported and nothing is
saved, the same file twice registers nobody twice, and the police import for
an establishment of their area only."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from vigil.accounts.models import ApiToken
from vigil.lodging import imports
from vigil.lodging.models import GuestStay, StaySource
from vigil.people.models import Person

from ..scope.samples import make_declaration

HEADERS = [header for _name, header, *_rest in imports.COLUMNS]
URL = "/lodging/import/"


def xlsx(rows, headers=HEADERS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = imports.SHEET
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, None) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("so-khach.xlsx", out.getvalue(), content_type=imports.XLSX_TYPE)


def row(n, **extra):
    arrived = timezone.localtime() - datetime.timedelta(days=1)
    values = {
        "Họ và tên": f"Khách Giấy {n}",
        "Năm sinh": 1985,
        "Giới tính": "Nữ",
        "Số CMND/CCCD/Hộ chiếu": f"0467{n:08d}",
        "Quốc tịch": "",
        "Điện thoại": f"0935{n:06d}",
        "Phòng": str(200 + n),
        "Ngày giờ nhận phòng": arrived.replace(tzinfo=None, microsecond=0),
        "Ngày trả phòng dự kiến": arrived.strftime("%d/%m/%Y"),
        "Nơi đi (tỉnh)": "Hà Nội",
    }
    values.update(extra)
    return values


def upload(client, user, file, **data):
    client.force_login(user)
    return client.post(URL, {"file": file, **data})


def test_the_template_has_the_provinces_headers(client, reception):
    client.force_login(reception)
    response = client.get(reverse("lodging:import-template"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book[imports.SHEET][1]]
    assert header[0] == "Họ và tên *"
    assert "Số CMND/CCCD/Hộ chiếu *" in header and "Mã tờ khai" in header
    assert "Hướng dẫn" in book.sheetnames


def test_a_register_creates_the_stays(client, reception, establishment, make_person, places):
    coded = make_person(places.commune, full_name="Trần Thị Bình")
    declaration = make_declaration(coded, places.commune)
    found = make_person(places.commune, full_name="Lê Văn Cường")
    recent = make_declaration(found, places.commune)
    left = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%d/%m/%Y %H:%M")
    rows = [
        row(1, **{"Họ và tên": coded.full_name, "Số CMND/CCCD/Hộ chiếu": coded.id_number,
                  "Mã tờ khai": declaration.code}),
        row(2, **{"Họ và tên": found.full_name, "Số CMND/CCCD/Hộ chiếu": found.id_number}),
        row(3, **{"Ngày giờ trả phòng": left}),
        row(4, **{"Quốc tịch": "Hàn Quốc", "Số CMND/CCCD/Hộ chiếu": "M12345678",
                  "Điện thoại": ""}),
    ]  # fmt: skip
    response = upload(client, reception, xlsx(rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    stays = GuestStay.objects.filter(establishment=establishment).order_by("room")
    assert stays.count() == 4
    assert set(stays.values_list("source", flat=True)) == {StaySource.PAPER}
    assert [s.declaration for s in stays] == [declaration, recent, None, None]
    assert stays[2].check_out is not None and stays[0].check_out is None
    assert stays[3].person.id_kind == "passport"
    assert all(s.created_by == reception for s in stays)


def test_bad_rows_are_reported_and_nothing_is_saved(client, reception):
    future = (timezone.localtime() + datetime.timedelta(days=2)).replace(tzinfo=None)
    rows = [
        row(1),
        row(2, **{"Họ và tên": "", "Năm sinh": "xưa"}),
        row(3, **{"Mã tờ khai": "ZZZZ9999"}),
        row(4, **{"Số CMND/CCCD/Hộ chiếu": "M 123 456", "Quốc tịch": "Pháp"}),
        row(5, **{"Ngày giờ nhận phòng": future}),
    ]
    response = upload(client, reception, xlsx(rows))
    assert response.status_code == 200
    errors = {e.row: str(e) for e in response.context["result"].errors}
    assert sorted(errors) == [3, 4, 5, 6]
    assert "Họ và tên" in errors[3] and "Năm sinh" in errors[3]
    assert "ZZZZ9999" in errors[4]
    assert "Số CMND/CCCD/Hộ chiếu" in errors[5]
    assert "Ngày giờ nhận phòng" in errors[6]
    assert b"import-errors" in response.content
    assert not GuestStay.objects.exists()
    assert not Person.objects.filter(full_name__startswith="Khách Giấy").exists()


def test_the_same_file_twice_registers_nobody_twice(client, reception, establishment):
    rows = [row(1), row(2)]
    upload(client, reception, xlsx(rows))
    response = upload(client, reception, xlsx(rows + [row(3)]))
    assert response.status_code == 302
    assert GuestStay.objects.filter(establishment=establishment).count() == 3


def test_a_file_without_the_template_headers_is_refused(client, reception):
    response = upload(client, reception, xlsx([row(1)], headers=["Tên", "Tuổi"]))
    assert response.status_code == 200
    assert "Họ và tên" in str(response.context["form"].errors["file"])
    assert not GuestStay.objects.exists()


def test_the_police_import_for_an_establishment_of_their_area(
    client, police, establishment, far_establishment
):
    response = upload(client, police, xlsx([row(1)]), establishment=far_establishment.pk)
    assert response.status_code == 200
    assert "establishment" in response.context["form"].errors
    assert not GuestStay.objects.exists()
    response = upload(client, police, xlsx([row(1)]), establishment=establishment.pk)
    assert response.status_code == 302
    assert GuestStay.objects.get().establishment == establishment


def test_the_establishment_imports_only_its_own(
    client, reception, establishment, far_establishment
):
    response = upload(client, reception, xlsx([row(1)]), establishment=far_establishment.pk)
    assert response.status_code == 302
    assert GuestStay.objects.get().establishment == establishment


@pytest.mark.parametrize("who", ["reception", "police"])
def test_the_api_imports_the_register(client, request, who, establishment):
    user = request.getfixturevalue(who)
    secret = ApiToken.issue(user, "t")[1]
    data = {"file": xlsx([row(1), row(2)])}
    if who == "police":
        data["establishment_id"] = establishment.pk
    response = client.post("/api/v1/lodging/import", data, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200, response.content
    assert response.json() == {"rows": 2, "created": 2, "already": 0, "undeclared": 2}
    bad = client.post(
        "/api/v1/lodging/import",
        {"file": xlsx([row(3, **{"Họ và tên": ""})]), "establishment_id": establishment.pk},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"]["rows"][0].split(":")[0].endswith(" 2")
    assert GuestStay.objects.count() == 2


def test_the_page_offers_the_police_their_establishments_only(
    client, police, reception, establishment, far_establishment
):
    client.force_login(police)
    page = client.get(URL).content.decode()
    assert establishment.name in page and far_establishment.name not in page
    client.force_login(reception)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'name="establishment"' not in response.content.decode()
