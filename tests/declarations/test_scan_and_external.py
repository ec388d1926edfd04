import json

import pytest

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.declarations import external, services
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Declaration
from vigil.people.models import Person

from .helpers import form_data


def declare(area, **changes):
    form = DeclarationForm(form_data(area, **changes))
    assert form.is_valid(), form.errors
    return services.submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration


@pytest.fixture
def staff(make_user, places):
    return make_user("community.pn", places.commune, tasks=[Task.COMMUNITY])


def test_a_scanned_payload_opens_the_declaration_and_is_logged(client, staff, places):
    declaration = declare(places.commune)
    client.force_login(staff)
    response = client.get("/declarations/scan/", {"payload": services.qr_payload(declaration)})
    assert response.status_code == 302
    assert response.url == f"/declarations/{declaration.pk}/"
    page = client.get(response.url).content.decode()
    assert 'id="declaration-name">Nguyễn Văn Đức<' in page
    assert AuditEvent.objects.filter(object_id=str(declaration.pk), action="view").count() == 2


def test_a_typed_short_code_works_too(client, staff, places):
    declaration = declare(places.commune)
    client.force_login(staff)
    code = declaration.code.lower()
    response = client.get("/declarations/scan/", {"payload": f"{code[:4]}-{code[4:]}"})
    assert response.url == f"/declarations/{declaration.pk}/"


@pytest.mark.parametrize("mutate", [
    lambda p: p[:-2] + ("AA" if not p.endswith("AA") else "BB"),  # altered signature
    lambda p: p.replace(p.split(":")[1], "ZZZZZZZZ"),  # another code, same signature
    lambda p: "VGL1:ZZZZZZZZ:forgedsignature",
])  # fmt: skip
def test_an_altered_or_forged_qr_shows_nothing(client, staff, places, mutate):
    declaration = declare(places.commune)
    client.force_login(staff)
    response = client.get(
        "/declarations/scan/", {"payload": mutate(services.qr_payload(declaration))}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="scan-error"' in body
    assert "Nguyễn Văn Đức" not in body


def test_a_valid_code_of_another_area_answers_as_an_unknown_one(client, staff, places):
    """As the API: 404, "Not found.", no area named (tests/declarations/test_scan_scope.py)."""
    declaration = declare(places.far)
    client.force_login(staff)
    response = client.get("/declarations/scan/", {"payload": services.qr_payload(declaration)})
    body = response.content.decode()
    assert response.status_code == 404
    assert 'id="scan-elsewhere"' not in body
    assert places.far.name not in body
    assert "Nguyễn Văn Đức" not in body and "12 Lê Lợi" not in body


def test_the_qr_payload_survives_a_real_qr_image():
    from io import BytesIO

    import zxingcpp
    from PIL import Image

    payload = "VGL1:ABCD2345:" + "x" * 43
    decoded = zxingcpp.read_barcode(Image.open(BytesIO(services.qr_png(payload))))
    assert decoded.text == payload


# External QR (R-D5) -------------------------------------------------------


def test_it_reads_the_national_json_payload():
    parsed = external.parse(json.dumps({
        "hoTen": "Trần Thị Mai", "CCCD": "046 190 002 345", "sdt": "+84 912 345 678",
        "namSinh": "1990", "gioiTinh": "Nữ", "diaChi": "Hà Nội",
    }))  # fmt: skip
    assert parsed.fields == {
        "full_name": "Trần Thị Mai",
        "id_number": "046190002345",
        "phone": "0912345678",
        "birth_year": 1990,
        "gender": "female",
        "address": "Hà Nội",
    }
    assert parsed.initial()["id_kind"] == "cccd"
    assert "area" in parsed.missing()


def test_it_reads_a_chip_id_card_qr():
    parsed = external.parse(
        "046090001234|191234567|Nguyễn Văn Đức|15081985|Nam|12 Lê Lợi, Huế|10052021"
    )
    assert parsed.fields["full_name"] == "Nguyễn Văn Đức"
    assert parsed.fields["birth_year"] == 1985
    assert parsed.fields["gender"] == "male"


def test_it_reads_key_value_lines():
    parsed = external.parse("Họ tên: Lê Văn Tám\nSố CMND: 191234567\nNăm sinh: 1970")
    assert parsed.initial() == {
        "full_name": "Lê Văn Tám", "id_number": "191234567", "birth_year": 1970, "id_kind": "cmnd"
    }  # fmt: skip


GARBAGE = ["", "hello world", "{}", "[1,2]", "a|b|c", "x" * 5000, '{"foo": "bar"}', "name=",
           "https://example.com/?q=1"]  # fmt: skip


@pytest.mark.parametrize("garbage", GARBAGE)
def test_it_rejects_garbage(garbage):
    assert external.parse(garbage) is None


def test_garbage_in_the_scanner_is_not_a_valid_code(client, staff):
    client.force_login(staff)
    body = client.get("/declarations/scan/", {"payload": "hello world"}).content.decode()
    assert 'id="scan-error"' in body


def test_an_external_qr_is_completed_and_saved(client, staff, places):
    payload = json.dumps({"hoTen": "Trần Thị Mai", "cccd": "046190002345", "namSinh": 1990,
                          "gioiTinh": "Nữ", "sdt": "0912345678"})  # fmt: skip
    client.force_login(staff)
    response = client.get("/declarations/scan/", {"payload": payload})
    assert response.url == "/declarations/external/"
    page = client.get(response.url)
    body = page.content.decode()
    assert 'value="Trần Thị Mai"' in body
    assert 'id="external-missing"' in body
    assert body.count("missing") >= 3  # destination commune, village, address marked
    data = form_data(
        places.commune, full_name="Trần Thị Mai", id_number="046190002345", phone="0912345678",
        birth_year="1990", gender="female", idempotency_key="k1",
    )  # fmt: skip
    response = client.post("/declarations/external/", data)
    declaration = Declaration.objects.get(person__id_number="046190002345")
    assert response.url == f"/declarations/{declaration.pk}/"
    assert declaration.channel == Channel.EXTERNAL_QR
    assert declaration.external_payload == payload
    assert declaration.area == places.commune


def test_an_external_qr_missing_the_destination_is_refused_next_to_the_field(client, staff, places):
    client.force_login(staff)
    client.get("/declarations/scan/", {"payload": "Họ tên: Lê Văn Tám\nCMND: 191234567"})
    data = form_data(places.commune, full_name="Lê Văn Tám", id_number="191234567", id_kind="cmnd")
    data["area"] = ""
    data["address"] = ""
    response = client.post("/declarations/external/", data)
    assert set(response.context["form"].errors) == {"area", "address"}
    assert not Person.objects.filter(full_name="Lê Văn Tám").exists()


# Matching (R-P2) ----------------------------------------------------------


def test_the_same_person_declared_twice_stays_one_person(places):
    first = declare(places.commune)
    second = declare(places.commune, phone="0912000000")
    assert first.person_id == second.person_id
    assert Person.objects.count() == 1


def test_phone_name_and_birth_year_match_without_an_id(places):
    first = declare(places.commune, id_kind="other", id_number="")
    second = declare(places.commune, id_kind="other", id_number="", full_name="NGUYEN VAN DUC")
    assert first.person_id == second.person_id


def test_the_same_id_under_another_name_is_flagged_not_merged(places):
    first = declare(places.commune)
    second = declare(places.commune, full_name="Hoàng Thị Khác")
    assert second.person_id != first.person_id
    assert second.identity_conflict
    assert not first.identity_conflict


def test_an_online_declaration_cannot_take_over_a_known_persons_phone(places):
    from vigil.declarations.forms import DeclarationForm

    staff_entered = DeclarationForm(form_data(places.commune, phone="0905111222"))
    assert staff_entered.is_valid()
    victim = services.submit_declaration(
        staff_entered.identity(), staff_entered.declaration_data(), channel=Channel.WALK_IN
    ).declaration
    # Someone types the victim's ID number and name with their own phone.
    form = DeclarationForm(form_data(places.commune, phone="0987000111"))
    assert form.is_valid()
    services.submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB,
        submitter_phone="0987000111",
    )  # fmt: skip
    victim.person.refresh_from_db()
    assert victim.person.phone == "0905111222"
    assert not Declaration.objects.from_phone("0987000111").filter(pk=victim.pk).exists()
