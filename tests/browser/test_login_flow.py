import re
import struct

from vigil.accounts.models import Task

from ..conftest import PASSWORD
from .conftest import ARTIFACTS, log_in


def make_people(places, make_person):
    make_person(places.commune, "Nguyễn Văn Đức")
    make_person(places.commune, "Trần Thị Mai")
    make_person(places.neighbour, "Lê Văn Hàng Xóm")


def test_a_commune_user_sees_only_its_people_switches_language_and_logs_out(
    site, phone_page, make_user, make_person, places
):
    make_user("hs.phunhuan", places.commune, tasks=[Task.HEALTH_STATION])
    make_people(places, make_person)
    page = phone_page
    log_in(page, site, "hs.phunhuan", PASSWORD)
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("#modules").inner_text().count("Tra cứu người") == 1

    page.goto(f"{site}/people/")
    rows = page.locator("#people tbody tr")
    text = rows.all_inner_texts()
    assert len(text) == 2
    assert any("Nguyễn Văn Đức" in t for t in text)
    assert not any("Hàng Xóm" in t for t in text)

    page.click("#filter-toggle")  # on a phone the filters are folded behind one button
    # "show" once the panel has finished sliding open: a click during the
    # slide can land on a moving button and submit nothing.
    page.wait_for_selector("#filter-panel.show #search-button", state="visible")
    page.fill("#id_q", "nguyen van duc")
    page.click("#search-button")
    # The search is a new page: counted once it has loaded, not at once.
    page.wait_for_url(re.compile(r"/people/\?q="))
    page.wait_for_load_state()
    assert page.locator("#people tbody tr").count() == 1

    page.click("#lang-en")
    # The language switch reloads the page: waited for, not read at once.
    page.wait_for_selector("html[lang='en']", state="attached")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "People registry" in page.locator("h1").inner_text()

    page.click(".navbar-toggler")
    # Bootstrap sets "show" once the phone menu has finished sliding open: a
    # click during the slide can land on a moving toggle and open nothing.
    page.wait_for_selector("#nav.show #user-menu", state="visible")
    page.click("#user-menu")
    page.wait_for_selector("#logout", state="visible")
    page.click("#logout")
    page.wait_for_url(f"{site}/accounts/login/")
    page.goto(f"{site}/people/")
    assert "/accounts/login/" in page.url


def png_size(path):
    with open(path, "rb") as f:
        header = f.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_full_page_screenshots_on_a_phone_and_a_desktop(
    site, phone_page, desktop_page, make_user, make_person, places
):
    # Every task group (the widest menu) and a long name, as the demo's
    # operations centre has: the menu must still fit a 1366 px screen.
    make_user(
        "ioc.admin",
        places.province,
        tasks=list(Task),
        full_name="Trung tâm Giám sát điều hành đô thị thông minh (IOC) tỉnh Thừa Thiên Huế",
    )
    make_people(places, make_person)
    ARTIFACTS.mkdir(exist_ok=True)
    for name, page, width in (("phone", phone_page, 390), ("desktop", desktop_page, 1366)):
        log_in(page, site, "ioc.admin", PASSWORD)
        for path, slug in (("/", "home"), ("/people/", "people"), ("/accounts/", "accounts")):
            page.goto(site + path)
            # Nothing may force sideways scrolling on a 390 px phone.
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"{path} is {scroll_width}px wide on a {width}px screen"
            shot = ARTIFACTS / f"{slug}-{name}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert png_size(shot)[0] == width
