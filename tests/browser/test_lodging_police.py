"""The police view in a desktop Chromium: a commune police user finds, from
the police view, the guest who checked in without a health declaration."""

from vigil.accounts.models import Task
from vigil.lodging import services
from vigil.lodging.models import Establishment
from vigil.people.models import Person

from ..conftest import PASSWORD
from ..scope.samples import make_declaration
from .conftest import log_in


def watch_errors(page):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda exc: refused.append(str(exc)))
    return refused


def test_a_commune_police_user_finds_the_undeclared_guest(
    site, desktop_page, make_user, make_person, places
):
    hotel = Establishment.objects.create(
        name="Khách sạn Hương Giang", kind="hotel", area=places.commune
    )
    desk = make_user(
        "reception.hg", places.commune, tasks=[Task.ESTABLISHMENT], establishment=hotel
    )
    declared = make_person(places.commune, full_name="Trần Đã Khai")
    services.check_in(desk, hotel, declaration=make_declaration(declared, places.commune), room="1")
    services.check_in(
        desk,
        hotel,
        identity={
            "full_name": "Lê Chưa Khai",
            "id_number": "046201234567",
            "id_kind": "cccd",
            "area": places.commune,
        },
        room="2",
    )
    assert Person.objects.filter(full_name="Lê Chưa Khai").exists()
    make_user("police.pn", places.commune, tasks=[Task.POLICE])

    page = desktop_page
    refused = watch_errors(page)
    log_in(page, site, "police.pn", PASSWORD)
    page.goto(f"{site}/lodging/police/")
    assert page.locator("#card-guests .stat").get_attribute("data-n") == "2"
    assert page.locator("#card-undeclared .stat").get_attribute("data-n") == "1"
    page.click("#card-undeclared a")
    page.wait_for_url("**/lodging/guests/**")
    body = page.locator("body").inner_text()
    assert "Lê Chưa Khai" in body
    assert "Trần Đã Khai" not in body
    # The drill-down's establishment row opens the establishment's guests.
    page.goto(f"{site}/lodging/police/")
    row = page.locator(f'#police-table tr[data-establishment="{hotel.pk}"]')
    assert row.locator('td[data-col="undeclared"] .stat').get_attribute("data-n") == "1"
    assert refused == []
