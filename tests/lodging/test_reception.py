"""The reception's pages: a guest who declared online is linked (no second
declaration), a guest without one declares at the desk (channel
"establishment") and gets a QR that decodes back, unknown QRs are refused,
a check-out before the check-in is refused, a stale edit keeps the input,
the register is scoped, and its export reads back."""

import datetime
import io

import openpyxl
import pytest
import segno  # noqa: F401  (the QR is made by segno; zxing reads it back)
from django.urls import reverse
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations import services as declarations
from vigil.declarations.models import Declaration
from vigil.lodging import services
from vigil.lodging.models import GuestStay
from vigil.reports import exports

from ..declarations.helpers import form_data
from ..scope.samples import make_declaration

CHECK_IN = reverse("lodging:check-in")


def recent_declaration(person, area):
    declaration = make_declaration(person, area)
    return declaration


def stay_fields(**changes):
    now = timezone.localtime().replace(second=0, microsecond=0)
    data = {"room": "101", "check_in": now.strftime("%Y-%m-%dT%H:%M"), "nights": "2"}
    data.update(changes)
    return data


def test_an_account_without_an_establishment_is_told(login, make_user, places):
    desk = make_user("reception.none", places.commune, tasks=[Task.ESTABLISHMENT])
    response = login(desk).get(CHECK_IN)
    assert response.status_code == 200
    assert b'id="no-establishment"' in response.content


def test_an_online_declaration_is_reused_by_its_qr(login, reception, make_person, places):
    person = make_person(places.commune)
    online = recent_declaration(person, places.commune)
    client = login(reception)
    page = client.get(CHECK_IN, {"payload": declarations.qr_payload(online)})
    assert page.status_code == 200 and b'id="declaration-found"' in page.content
    guest = page.context["stay"].initial["guest"]
    response = client.post(CHECK_IN, {"mode": "link", "guest": guest, **stay_fields()})
    stay = GuestStay.objects.get(person=person)
    assert response.status_code == 302 and response.url.startswith(
        reverse("lodging:guest", args=[stay.pk])
    )
    assert stay.declaration == online and stay.room == "101"
    assert stay.planned_check_out == timezone.localdate() + datetime.timedelta(days=2)
    assert Declaration.objects.filter(person=person).count() == 1


def test_a_forged_reference_names_nobody(login, reception, make_person, places):
    person = make_person(places.commune)
    response = login(reception).post(
        CHECK_IN, {"mode": "link", "guest": f"{person.pk}:forged", **stay_fields()}
    )
    assert response.status_code == 200 and not GuestStay.objects.exists()


@pytest.mark.parametrize("payload", ["VGL1:AAAAAAAA:forged-signature", "hello world", "ZZZZZZZZ"])
def test_an_unknown_or_altered_qr_is_refused(login, reception, payload):
    response = login(reception).get(CHECK_IN, {"payload": payload})
    assert response.status_code == 200
    assert response.context["error"]
    assert b"is-invalid" in response.content


def test_an_altered_signed_qr_is_refused(login, reception, make_person, places):
    online = recent_declaration(make_person(places.commune), places.commune)
    payload = declarations.qr_payload(online)
    altered = payload[:-3] + ("aaa" if not payload.endswith("aaa") else "bbb")
    response = login(reception).get(CHECK_IN, {"payload": altered})
    assert str(declarations.InvalidCode.message) == response.context["error"]


def test_search_by_number_is_exact_and_never_by_name(login, reception, make_person, places):
    person = make_person(places.commune, full_name="Trần Thị Bình", id_number="046190009999")
    client = login(reception)
    found = client.get(CHECK_IN, {"number": "046 190 009 999"})
    assert [m.person for m, _ref in found.context["matches"]] == [person]
    by_name = client.get(CHECK_IN, {"number": "Trần Thị Bình"})
    assert not by_name.context["matches"]


def test_a_guest_without_a_declaration_declares_at_the_reception(
    login, reception, establishment, places
):
    client = login(reception)
    page = client.get(CHECK_IN, {"new": 1, "number": "B 1234567"})
    assert page.context["form"].initial["id_kind"] == "passport"
    data = form_data(
        places.commune,
        full_name="John Smith",
        id_kind="passport",
        id_number="B 123 4567",
        departure_country="GB",
        departure_province="",
        departure_district="",
        departure_commune="",
        phone="0905333444",
    )
    response = client.post(CHECK_IN, {"mode": "declare", "key": "a" * 32, **data, **stay_fields()})
    assert response.status_code == 302, response.context["form"].errors
    stay = GuestStay.objects.get()
    declaration = stay.declaration
    assert declaration.channel == "establishment" and declaration.created_by == reception
    assert stay.person.id_number == "B1234567"  # the spaces went
    assert stay.establishment == establishment
    detail = client.get(response.url)
    assert detail.context["payload"] == declarations.qr_payload(declaration)
    assert b"<svg" in detail.content and b'id="qr-hint"' in detail.content
    # A second post of the same form (double Enter) saves nothing more.
    client.post(CHECK_IN, {"mode": "declare", "key": "a" * 32, **data, **stay_fields()})
    assert GuestStay.objects.count() == 1 and Declaration.objects.count() == 1


def test_the_qr_given_to_the_guest_decodes_back(login, reception, places):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    data = form_data(places.commune, id_number="046090004321")
    client = login(reception)
    response = client.post(CHECK_IN, {"mode": "declare", **data, **stay_fields()})
    stay = GuestStay.objects.get()
    payload = client.get(response.url).context["payload"]
    image = Image.open(io.BytesIO(declarations.qr_png(payload))).convert("L")
    decoded = zxingcpp.read_barcode(image)
    assert decoded.text == payload
    assert declarations.code_from_payload(decoded.text) == stay.declaration.code


def test_declaring_a_guest_who_already_declared_links_it(login, reception, make_person, places):
    person = make_person(places.commune, full_name="Nguyễn Văn Đức", id_number="046090001234")
    online = recent_declaration(person, places.commune)
    data = form_data(places.commune)
    login(reception).post(CHECK_IN, {"mode": "declare", **data, **stay_fields()})
    assert GuestStay.objects.get().declaration == online
    assert Declaration.objects.filter(person=person).count() == 1


def test_a_bad_room_or_date_is_said_next_to_the_field(login, reception, make_person, places):
    online = recent_declaration(make_person(places.commune), places.commune)
    client = login(reception)
    guest = client.get(CHECK_IN, {"payload": online.code}).context["stay"].initial["guest"]
    response = client.post(
        CHECK_IN,
        {"mode": "link", "guest": guest, **stay_fields(room="x" * 40, nights="-1")},
    )
    assert response.status_code == 200
    assert {"room", "nights"} <= set(response.context["stay"].errors)
    assert not GuestStay.objects.exists()


def test_group_check_in_saves_the_good_rows_and_lists_the_others(
    login, reception, make_person, places
):
    first = make_person(places.commune, full_name="Lê Văn Một")
    second = make_person(places.commune, full_name="Lê Văn Hai")
    undeclared = make_person(places.commune, full_name="Lê Văn Ba")
    one = recent_declaration(first, places.commune)
    recent_declaration(second, places.commune)
    post = {
        "group_code": "TOUR-1",
        "check_in": stay_fields()["check_in"],
        "nights": "1",
        "row-0-guest": one.code,
        "row-0-room": "201",
        "row-1-guest": second.id_number,
        "row-1-name": "Someone Else",
        "row-1-room": "202",
        "row-2-guest": undeclared.id_number,
        "row-2-room": "203",
        "row-3-guest": "VGL1:AAAAAAAA:forged",
    }
    response = login(reception).post(reverse("lodging:group-check-in"), post)
    statuses = [outcome["status"] for _i, _row, outcome in response.context["results"]]
    assert statuses == ["saved", "error", "undeclared", "error"]
    stay = GuestStay.objects.get()
    assert stay.person == first and stay.group_code == "TOUR-1" and stay.source == "group"
    assert b"declare-link" in response.content
    assert len([row for _i, row in response.context["lines"] if row["guest"]]) == 3


def test_check_out_before_check_in_is_refused(login, reception, establishment, make_person, places):
    person = make_person(places.commune)
    stay = services.check_in(reception, establishment, person=person, room="1").stay
    client = login(reception)
    before = timezone.localtime(stay.check_in) - datetime.timedelta(days=1)
    client.post(
        reverse("lodging:check-out", args=[stay.pk]),
        {"version": stay.version, "check_out": before.strftime("%Y-%m-%dT%H:%M")},
    )
    stay.refresh_from_db()
    assert stay.check_out is None
    client.post(reverse("lodging:check-out", args=[stay.pk]), {"version": stay.version})
    stay.refresh_from_db()
    assert stay.check_out is not None and stay.events.last().action == "check_out"


def test_a_stale_edit_keeps_the_input_and_overwrites_nothing(
    login, reception, establishment, make_person, places
):
    stay = services.check_in(
        reception, establishment, person=make_person(places.commune), room="1"
    ).stay
    services.update_stay(stay, actor=reception, version=stay.version, room="2")
    response = login(reception).post(
        reverse("lodging:guest-edit", args=[stay.pk]), {"version": 1, "room": "9"}
    )
    assert response.status_code == 200 and response.context["stale"]
    assert response.context["form"]["room"].value() == "9"
    stay.refresh_from_db()
    assert stay.room == "2"
    saved = login(reception).post(
        reverse("lodging:guest-edit", args=[stay.pk]), response.context["form"].data
    )
    stay.refresh_from_db()
    assert saved.status_code == 302 and stay.room == "9"


@pytest.fixture
def stays(reception, establishment, far_establishment, make_user, make_person, places):
    far_desk = make_user(
        "reception.far", places.far, tasks=[Task.ESTABLISHMENT], establishment=far_establishment
    )
    mine = services.check_in(
        reception, establishment, person=make_person(places.commune, full_name="Khách Của Tôi")
    ).stay
    theirs = services.check_in(
        far_desk, far_establishment, person=make_person(places.far, full_name="Khách Nơi Khác")
    ).stay
    return mine, theirs


def test_reception_sees_only_its_guests_and_far_police_get_404(
    login, reception, police, make_user, stays, places
):
    mine, theirs = stays
    client = login(reception)
    listed = client.get(reverse("lodging:guests"))
    assert [s.pk for s in listed.context["page"].object_list] == [mine.pk]
    assert b"alert-row" in listed.content  # no declaration: highlighted
    assert client.get(reverse("lodging:guest", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("lodging:guest-edit", args=[theirs.pk])).status_code == 404
    far_police = make_user("police.far", places.far, tasks=[Task.POLICE])
    client = login(far_police)
    assert client.get(reverse("lodging:guest", args=[mine.pk])).status_code == 404
    client = login(police)
    assert client.get(reverse("lodging:guest", args=[mine.pk])).status_code == 200
    listed = client.get(reverse("lodging:guests"), {"declared": "no", "tab": "in_house"})
    assert [s.pk for s in listed.context["page"].object_list] == [mine.pk]


def test_the_register_filters(login, police, stays):
    mine, _theirs = stays
    client = login(police)
    guests = reverse("lodging:guests")
    assert not client.get(guests, {"tab": "out"}).context["page"].object_list
    assert not client.get(guests, {"declared": "yes"}).context["page"].object_list
    assert client.get(guests, {"q": "khach cua"}).context["total"] == 1
    assert client.get(guests, {"establishment": mine.establishment_id}).context["total"] == 1


def test_the_export_reads_back(police, stays, tmp_path):
    mine, _theirs = stays
    spec = exports.REGISTRY["guests"]
    path = tmp_path / "guests.xlsx"
    assert exports.write(spec, police, {"tab": ["in_house"]}, path) == 1
    sheet = openpyxl.load_workbook(path).active
    headers = [c.value for c in sheet[3]]
    row = dict(zip(headers, [c.value for c in sheet[4]], strict=True))
    assert row["Họ và tên"] == "Khách Của Tôi"
    assert row["Phường/xã"] == mine.establishment.area.name
    assert row["Quận/huyện"] == mine.establishment.area.parent.name
    assert row["Khai báo y tế"] == "Chưa khai báo y tế"
