"""The API documentation page (/api/v1/docs) in Chromium: the vendored
Swagger UI runs under Vigil's content security policy and lists the
operations, on a phone and on a desktop."""

import pytest

from vigil.accounts.models import Task

from ..conftest import PASSWORD
from .conftest import DESKTOP, log_in

PHONE_390 = {"width": 390, "height": 844}


def watch(page):
    """Console messages and page errors that show something refused or broken."""
    problems = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if m.type == "error" or "Content Security" in m.text else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    return problems


SEEN = """els => els.map(e => {
    const method = e.querySelector('.opblock-summary-method').textContent.toLowerCase();
    const path = e.querySelector('.opblock-summary-path').dataset.path;
    const text = e.querySelector('.opblock-summary-description');
    return [method, path, text ? text.textContent : ''];
})"""


def operations_listed(page):
    """Every operation the page shows, scrolling it to the end (Swagger UI
    renders the tags that come into view)."""
    seen, still = {}, 0
    while still < 3:
        before = page.evaluate("() => window.scrollY")
        page.wait_for_timeout(400)
        for method, path, text in page.eval_on_selector_all(".opblock-summary", SEEN):
            seen[(method, path)] = text
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(200)
        still = still + 1 if page.evaluate("() => window.scrollY") == before else 0
    return seen


@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["phone", "desktop"])
def test_the_docs_list_the_operations_under_the_content_security_policy(site, chromium, viewport):
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(40_000)
    problems = watch(page)
    response = page.goto(f"{site}/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Every script and style of the page comes from Vigil itself.
    sources = page.eval_on_selector_all(
        "script[src], link[rel=stylesheet]", "els => els.map(e => e.src || e.href)"
    )
    assert sources and all(s.startswith(site) for s in sources), sources
    page.locator(".opblock-summary-description").first.wait_for()
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Vigil API")

    listed = operations_listed(page)
    document = page.request.get(f"{site}/api/v1/openapi.json").json()
    expected = {(m, path) for path, ops in document["paths"].items() for m in ops}
    assert len(expected) > 100
    assert set(listed) == expected
    assert listed[("post", "/api/v1/declarations")] == (
        "Declare an arrival (for oneself or on behalf of someone)"
    )
    assert problems == []
    context.close()


def test_try_it_out_calls_the_api_with_the_session(site, desktop_page, make_user, places):
    make_user("cdc.docs", places.district, tasks=[Task.CDC])
    page = desktop_page
    page.set_default_timeout(40_000)
    log_in(page, site, "cdc.docs", PASSWORD)
    problems = watch(page)
    page.goto(f"{site}/api/v1/docs")
    # GET /api/v1/me, in the first tag (accounts).
    block = page.locator("#operations-accounts-vigil_api_accounts_me")
    block.locator(".opblock-summary-control").click()
    block.locator(".try-out__btn").click()
    block.locator(".execute").click()
    body = block.locator(".responses-wrapper .live-responses-table .microlight").first
    body.wait_for()
    assert '"username": "cdc.docs"' in body.inner_text()
    assert problems == [], problems
