"""The reception in a desktop Chromium: a receptionist checks in a guest by
a typed QR payload (the online declaration is linked), and another without a
declaration (declares on the spot, the QR is shown)."""

from vigil.accounts.models import Task
from vigil.declarations import services as declarations
from vigil.declarations.models import Declaration
from vigil.lodging.models import Establishment, GuestStay

from ..conftest import PASSWORD
from ..scope.samples import make_declaration
from .conftest import log_in


def watch_errors(page):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda exc: refused.append(str(exc)))
    return refused


def test_a_receptionist_checks_in_by_qr_and_declares_on_the_spot(
    site, desktop_page, make_user, make_person, places
):
    hotel = Establishment.objects.create(
        name="Khách sạn Hương Giang", kind="hotel", area=places.commune, address="5 Lê Lợi"
    )
    make_user("reception.hg", places.commune, tasks=[Task.ESTABLISHMENT], establishment=hotel)
    online = make_declaration(make_person(places.commune, full_name="Trần Đã Khai"), places.commune)

    page = desktop_page
    refused = watch_errors(page)
    log_in(page, site, "reception.hg", PASSWORD)
    page.goto(f"{site}/lodging/check-in/")
    page.fill("#id_payload", declarations.qr_payload(online))
    page.click("#scan-submit")
    page.wait_for_selector("#declaration-found")
    page.fill("#id_room", "101")
    page.fill("#id_nights", "2")
    page.click("#checkin-submit")
    page.wait_for_selector("#qr svg")
    assert page.locator("#code").inner_text() == online.code
    stay = GuestStay.objects.get(person=online.person)
    assert stay.declaration == online and stay.room == "101"

    # A foreign guest with no declaration: declared at the desk.
    page.goto(f"{site}/lodging/check-in/")
    page.click("#new-guest")
    page.wait_for_selector("#declare-here")
    page.fill("#id_full_name", "John Smith")
    page.fill("#id_birth_year", "1980")
    page.select_option("#id_gender", "male")
    page.select_option("#id_id_kind", "passport")
    page.fill("#id_id_number", "C 765 4321")
    page.fill("#id_phone", "0905333444")
    page.select_option("#id_registration_kind", "return_home")
    page.select_option("#id_departure_country", "GB")
    page.select_option("#id_transport", "car")
    page.fill("#id_room", "102")
    page.click("#checkin-submit")
    page.wait_for_selector("#qr-hint")
    stay = GuestStay.objects.get(room="102")
    declaration = stay.declaration
    assert declaration.channel == "establishment"
    assert stay.person.id_number == "C7654321"
    assert page.locator("#qr").get_attribute("data-payload") == declarations.qr_payload(declaration)
    assert Declaration.objects.count() == 2
    assert refused == []
