"""The outbreak map and the transmission chain graph in a desktop Chromium,
under the Content-Security-Policy: markers drawn, the form's map filling in
the coordinates, and the chain graph with the right node count."""

import datetime
import re
from decimal import Decimal

from vigil.accounts.models import Task
from vigil.investigation import outbreaks, services
from vigil.investigation.models import CaseKind, Outbreak

from ..conftest import PASSWORD
from .conftest import log_in

DAY0 = datetime.date(2021, 7, 1)


def watch_csp(page):
    refused = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security" in m.text else None,
    )
    page.on("pageerror", lambda exc: refused.append(str(exc)))
    return refused


def make_case(actor, person, area, kind=CaseKind.CONTACT, sources=(), **fields):
    values = {"residence": area, "detection": area, **fields}
    if kind == CaseKind.CONTACT:
        values.setdefault("contact_type", "household")
    return services.create_case(
        actor, person=person, kind=kind, fields=values, sources=[(s, DAY0) for s in sources]
    )


def test_the_map_shows_the_outbreaks_and_the_chain_renders(
    site, desktop_page, make_user, make_person, places
):
    cdc = make_user("cdc.hue", places.district, tasks=[Task.CDC])
    market = outbreaks.create_outbreak(
        cdc,
        {
            "name": "Chợ Đông Ba",
            "area": places.commune,
            "longitude": Decimal("107.5886"),
            "latitude": Decimal("16.4735"),
            "opened_on": DAY0,
        },
    )
    outbreaks.create_outbreak(
        cdc,
        {
            "name": "Quán Hòa",
            "area": places.neighbour,
            "longitude": Decimal("107.6000"),
            "latitude": Decimal("16.4600"),
            "opened_on": DAY0,
        },
    )
    people = iter(make_person(places.commune, f"Người {n}") for n in range(10))
    f0 = make_case(cdc, next(people), places.commune, CaseKind.CONFIRMED, code="BN0001",
                   outbreak=market)  # fmt: skip
    f1s = [make_case(cdc, next(people), places.commune, sources=[f0]) for _ in range(3)]
    make_case(cdc, next(people), places.commune, sources=[f1s[0]])
    # Someone of another district, recorded by the province: a grey node here.
    province = make_user("cdc.tinh", places.province, tasks=[Task.CDC])
    make_case(province, next(people), places.far, sources=[f1s[1]])

    page = desktop_page
    refused = watch_csp(page)
    log_in(page, site, "cdc.hue", PASSWORD)

    page.goto(f"{site}/investigation/map/")
    page.wait_for_selector("#outbreak-map[data-rendered-markers]")
    assert page.get_attribute("#outbreak-map", "data-rendered-markers") == "2"
    assert page.locator("#outbreak-map path.leaflet-interactive").count() == 2
    page.locator("#outbreak-map path.leaflet-interactive").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Chợ Đông Ba" in popup.inner_text() or "Quán Hòa" in popup.inner_text()

    page.goto(f"{site}/investigation/outbreaks/{market.pk}/chain/")
    page.wait_for_selector("#chain-graph[data-rendered-nodes]")
    assert page.get_attribute("#chain-graph", "data-rendered-nodes") == "6"
    assert page.inner_text("#node-count") == "6"
    assert page.locator("#chain-graph canvas").count() > 0

    assert refused == []


def test_clicking_the_forms_map_fills_in_the_coordinates(site, desktop_page, make_user, places):
    make_user("cdc.hue", places.district, tasks=[Task.CDC])
    page = desktop_page
    refused = watch_csp(page)
    log_in(page, site, "cdc.hue", PASSWORD)
    page.goto(f"{site}/investigation/outbreaks/")
    page.click("#add-outbreak summary")
    page.wait_for_selector("#pick-map[data-ready]")
    page.fill("#id_name", "Bến xe phía Nam")
    page.select_option("#id_area", str(places.commune.pk))
    page.locator("#pick-map").click()  # the middle of the province
    lon = page.input_value("#id_longitude")
    lat = page.input_value("#id_latitude")
    assert re.fullmatch(r"10[78]\.\d{6}", lon) and re.fullmatch(r"1[56]\.\d{6}", lat)
    page.click("#save")
    page.wait_for_selector("#outbreaks")
    assert page.locator(".invalid-feedback").all_inner_texts() == []
    outbreak = Outbreak.objects.get(name="Bến xe phía Nam")
    assert str(outbreak.longitude) == lon and str(outbreak.latitude) == lat
    assert refused == []
