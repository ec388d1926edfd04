# ruff: noqa: F811  (fixtures imported from other test modules)
"""Lists on a phone (390×844) and a desktop (1366×900): a sorted and paged
declaration list, the filter panel folded behind one button on phones with
the active filters as removable chips, and record cards labelled on phones."""

import pytest

from vigil.accounts.models import Task
from vigil.declarations.views import records

from ..conftest import PASSWORD
from ..declarations.test_lists import declare  # noqa: F401  (a fixture)
from .conftest import DESKTOP, PHONE, log_in

NAMES = [
    "Trần Văn Lâm",
    "Lê Thị Bích",
    "Phạm Văn Khoa",
    "Hoàng Thị Yến",
    "Nguyễn Văn An",
    "Võ Thị Hoa",
    "Đặng Văn Minh",
    "Bùi Thị Cúc",
    "Đỗ Văn Giang",
    "Hồ Thị Đào",
    "Ngô Văn Sơn",
    "Dương Thị Ê",
]


@pytest.fixture
def listed(site, make_user, places, declare, monkeypatch):
    """12 declarations of the district of Huế, 5 a page; 3 of them in Vĩnh Ninh."""
    monkeypatch.setattr(records, "PAGE_SIZE", 5)
    make_user("cdc.hue", places.district, tasks=[Task.CDC])
    rows = []
    for n, name in enumerate(NAMES):
        area = places.neighbour if n % 4 == 0 else places.commune
        rows.append(declare(area, full_name=name, days_ago=n))
    return rows


def names(page):
    return page.locator("#declarations tbody tr td:nth-child(2)").all_inner_texts()


def folded(name):
    from vigil.core.text import fold

    return fold(name)


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways ({width}px)"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_sorted_list_pages_forward_and_back_in_order(
    size, listed, site, phone_page, desktop_page
):
    page = phone_page if size == "phone" else desktop_page
    assert page.viewport_size == (PHONE if size == "phone" else DESKTOP)
    log_in(page, site, "cdc.hue", PASSWORD)
    page.goto(f"{site}/declarations/")
    # Newest first: the declarations as they were made, 5 a page.
    assert names(page)[0].endswith(NAMES[0]) or NAMES[0] in names(page)[0]
    assert "1–5" in page.locator("#page-range").inner_text()
    assert "12" in page.locator("#page-range").inner_text()

    if size == "phone":
        # The header row is hidden on phones: the orders are a menu.
        assert not page.locator("#sort-name").is_visible()
        page.click("#sort-menu-button")
        page.click("#sort-menu-name")
    else:
        assert not page.locator("#sort-menu").is_visible()
        page.click("#sort-name")
    page.wait_for_url("**/declarations/?sort=name")
    by_name = sorted(NAMES, key=folded)
    assert names(page) == by_name[:5]
    if size == "desktop":
        header = page.locator("th:has(#sort-name)")
        assert header.get_attribute("aria-sort") == "ascending"
    no_sideways_scroll(page)

    page.click("#page-next")
    page.wait_for_url("**after=*")
    assert names(page) == by_name[5:10]
    assert "6–10" in page.locator("#page-range").inner_text()
    page.click("#page-next")
    page.wait_for_function("document.querySelectorAll('#declarations tbody tr').length == 2")
    assert names(page) == by_name[10:]
    assert "11–12" in page.locator("#page-range").inner_text()
    assert page.locator("#page-next").count() == 0

    page.click("#page-previous")
    page.wait_for_url("**before=*")
    assert names(page) == by_name[5:10]
    page.click("#page-first")
    page.wait_for_function("!location.search.includes('before=')")
    assert names(page) == by_name[:5]
    assert page.locator("#page-previous").count() == 0
    no_sideways_scroll(page)


def test_the_phone_filter_panel_folds_filters_and_shows_removable_chips(
    listed, site, phone_page, places
):
    page = phone_page
    log_in(page, site, "cdc.hue", PASSWORD)
    page.goto(f"{site}/declarations/")
    # Folded: one button, and the first record above the fold.
    assert page.locator("#filter-toggle").is_visible()
    assert not page.locator("#filter-form").is_visible()
    assert page.locator("#filter-count").count() == 0
    first = page.locator("#declarations tbody tr").first.bounding_box()
    assert first["y"] + 40 < PHONE["height"], first
    no_sideways_scroll(page)

    page.click("#filter-toggle")
    page.wait_for_selector("#filter-form", state="visible")
    page.select_option("#id_commune", str(places.neighbour.pk))
    page.click("#filter-button")
    page.wait_for_function("location.search.includes('commune=')")
    # The filter is applied, the panel folded again, and shown as a chip.
    assert not page.locator("#filter-form").is_visible()
    assert page.locator("#filter-count").inner_text() == "1"
    chip = page.locator("#filter-chips .filter-chip")
    assert chip.count() == 1
    assert places.neighbour.name in chip.inner_text()
    assert str(places.neighbour.pk) not in chip.locator(".filter-chip-text").inner_text()
    assert len(names(page)) == 3
    no_sideways_scroll(page)

    page.click("#remove-filter-commune")
    page.wait_for_function("!location.search.includes('commune=')")
    assert page.locator("#filter-chips").count() == 0
    assert page.locator("#filter-count").count() == 0
    assert len(names(page)) == 5


def test_the_desktop_shows_the_form_and_the_chips_keep_the_other_filters(
    listed, site, desktop_page, places
):
    page = desktop_page
    log_in(page, site, "cdc.hue", PASSWORD)
    page.goto(f"{site}/declarations/?sort=name")
    assert page.locator("#filter-form").is_visible()
    assert not page.locator("#filter-toggle").is_visible()
    page.select_option("#id_commune", str(places.neighbour.pk))
    page.select_option("#id_channel", "web")
    page.click("#filter-button")
    page.wait_for_function("location.search.includes('channel=web')")
    assert "sort=name" in page.url  # the order survives a filter
    assert page.locator("#filter-chips .filter-chip").count() == 2
    assert len(names(page)) == 3
    page.click("#remove-filter-commune")
    page.wait_for_function("!location.search.includes('commune=')")
    assert "channel=web" in page.url and "sort=name" in page.url
    assert page.locator("#filter-chips .filter-chip").count() == 1
    assert len(names(page)) == 5


def test_record_cards_on_a_phone_say_what_each_value_is(listed, site, phone_page):
    page = phone_page
    log_in(page, site, "cdc.hue", PASSWORD)
    page.goto(f"{site}/declarations/")
    headers = page.evaluate(
        "[...document.querySelectorAll('#declarations thead th')]"
        ".map(th => th.textContent.replace(/[▲▼↕]/g, '').replace(/\\s+/g, ' ').trim())"
    )
    cells = page.locator("#declarations tbody tr").first.locator("td")
    assert cells.count() == len(headers)
    for i in (1, 4, 8):  # name, commune, declared at
        cell = cells.nth(i)
        assert cell.get_attribute("data-label") == headers[i]
        before = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert headers[i] in before
        # One card per row: the label sits above or beside its value, on the page.
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    no_sideways_scroll(page)
