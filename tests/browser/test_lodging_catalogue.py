"""The establishment catalogue in a desktop Chromium: the commune police add
a hotel, its reception issues a key for its software (shown once) and
revokes it; no CSP refusal on the way."""

from vigil.accounts.models import Task
from vigil.lodging.models import Establishment, PmsToken

from ..conftest import PASSWORD
from .conftest import log_in


def watch_errors(page):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda exc: refused.append(str(exc)))
    return refused


def test_police_add_a_hotel_and_its_reception_issues_a_key(site, desktop_page, make_user, places):
    make_user("police.pn", places.commune, tasks=[Task.POLICE])
    page = desktop_page
    refused = watch_errors(page)
    log_in(page, site, "police.pn", PASSWORD)
    page.goto(f"{site}/lodging/establishments/")
    page.click("#new-establishment")
    page.fill("#id_name", "Khách sạn Hương Giang")
    page.select_option("#id_kind", "hotel")
    page.fill("#id_licence_number", " GP-01 ")
    page.select_option("#id_area", str(places.commune.pk))
    page.fill("#id_address", "51 Lê Lợi")
    page.fill("#id_rooms", "0")
    page.fill("#id_phone", "0905 123 456")
    page.click("#save")
    assert "is-invalid" in page.locator("#id_rooms").get_attribute("class")
    assert not Establishment.objects.exists()
    page.fill("#id_rooms", "40")
    page.click("#save")
    page.wait_for_url("**/lodging/establishments/*/")
    hotel = Establishment.objects.get()
    assert (hotel.licence_number, hotel.phone, hotel.rooms) == ("GP-01", "0905123456", 40)
    assert "0905123456" in page.locator("#establishment-info").inner_text()

    make_user("reception.hg", places.commune, tasks=[Task.ESTABLISHMENT], establishment=hotel)
    page.context.clear_cookies()
    log_in(page, site, "reception.hg", PASSWORD)
    page.goto(f"{site}/lodging/establishments/{hotel.pk}/")
    page.fill("#id_name", "SmartHotel")
    page.click("#token-issue")
    secret = page.locator("#secret").inner_text()
    assert secret.startswith("vgp_")
    token = PmsToken.objects.get()
    page.goto(f"{site}/lodging/establishments/{hotel.pk}/")
    assert secret not in page.content()
    page.on("dialog", lambda dialog: dialog.accept())
    page.click(f"#revoke-{token.pk}")
    page.wait_for_selector(f"#token-{token.pk} .text-bg-secondary")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not refused, refused
