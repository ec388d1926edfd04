"""The 403 page in Chromium, on a phone and a desktop: inside the layout, with
the account's menu working, in the interface language."""

import pytest

from vigil.accounts.models import Task

from ..conftest import PASSWORD
from .conftest import DESKTOP, log_in

PHONE_390 = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["phone", "desktop"])
def test_the_403_page_has_the_menu_and_speaks_vietnamese(
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
    if viewport is PHONE_390:
        page.click(".navbar-toggler")
    page.click("#user-menu")
    assert page.locator("#logout").is_visible()
    page.click("#error-home")
    page.wait_for_url(f"{site}/")
    assert page.locator("#modules").is_visible()
    # The 403 response's own console: only the expected "403" resource error.
    assert all("403" in p for p in problems), problems
    context.close()
