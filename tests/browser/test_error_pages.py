"""The 403 page in Chromium, on a phone and a desktop: inside the layout, with
the account's menu working, in the interface language (Vietnamese by default,
English once the account switches)."""

import pytest

from vigil.accounts.models import Task

from ..conftest import PASSWORD
from .conftest import DESKTOP, log_in

PHONE_390 = {"width": 390, "height": 844}


def open_user_menu(page, viewport):
    """The layout's menu is there and works: the account's menu opens on Log out."""
    assert page.locator("nav .navbar-brand").is_visible()
    if viewport is PHONE_390:
        page.click(".navbar-toggler")
        # Bootstrap sets "show" once the menu has finished sliding open: a
        # click during the slide could land on a moving or clipped toggle.
        page.wait_for_selector("#nav.show #user-menu", state="visible")
    page.click("#user-menu")
    # The dropdown opens on the click; waited for, not read at once, on a
    # busy machine (a timeout fails the test).
    page.wait_for_selector("#logout", state="visible", timeout=10_000)
    page.keyboard.press("Escape")


def no_sideways_scroll(page, viewport):
    return page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["phone", "desktop"])
def test_the_403_page_has_the_menu_and_speaks_vietnamese_then_english(
    site, chromium, make_user, places, viewport
):
    make_user("cdc.denied", places.district, tasks=[Task.CDC])
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, site, "cdc.denied", PASSWORD)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # The audit log is for the operations centre only.
    response = page.goto(f"{site}/audit/")
    assert response.status == 403
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("#error-page h1").inner_text() == "Không có quyền truy cập"
    assert "403 Forbidden" not in page.content()
    open_user_menu(page, viewport)

    # In English, from the 403 page's own footer: the same page, in English.
    page.click("#lang-en")
    page.wait_for_load_state()
    assert page.url == f"{site}/audit/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#error-page h1").inner_text() == "Access denied"
    assert page.title().startswith("Access denied")
    assert "Không có quyền" not in page.locator("main").inner_text()
    assert no_sideways_scroll(page, viewport)
    open_user_menu(page, viewport)
    page.click("#error-home")
    page.wait_for_url(f"{site}/")
    assert page.locator("#modules").is_visible()
    # The 403 response's own console: only the expected "403" resource error.
    assert all("403" in p for p in problems), problems
    context.close()
