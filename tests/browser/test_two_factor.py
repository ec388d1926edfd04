"""An operations-centre account turns on two-step verification at its first
login (it must), scanning the QR code, and gives a code at the next login."""

import io
import time
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
import zxingcpp
from PIL import Image

from vigil.accounts.models import Task

from ..conftest import PASSWORD


@pytest.fixture
def required(settings):
    settings.VIGIL_REQUIRE_2FA_TASKS = ["admin"]


def fill_login(page, site, username):
    page.goto(f"{site}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_an_admin_enrols_at_first_login_and_gives_a_code_at_the_next(
    site, desktop_page, make_user, places, required
):
    make_user("ioc.admin", places.province, tasks=[Task.ADMIN])
    page = desktop_page
    fill_login(page, site, "ioc.admin")
    page.wait_for_url(f"{site}/accounts/2fa/?next=%2F")
    assert page.locator("#two-factor-required").is_visible()
    page.goto(f"{site}/people/")
    assert page.url.startswith(f"{site}/accounts/2fa/")

    secret = page.get_attribute("#two-factor-secret", "data-secret")
    assert page.inner_text("#two-factor-secret").replace(" ", "").strip() == secret
    shot = Image.open(io.BytesIO(page.locator("#two-factor-qr svg").screenshot()))
    decoded = zxingcpp.read_barcode(shot)
    assert decoded is not None, "the QR code on the page does not decode"
    assert parse_qs(urlparse(decoded.text).query)["secret"] == [secret]

    totp = pyotp.TOTP(secret)
    page.fill("#id_code", totp.now())
    page.click("#two-factor-confirm")
    page.wait_for_selector("#recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("#two-factor-done")
    page.wait_for_url(f"{site}/people/")

    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_url(f"{site}/accounts/login/")
    fill_login(page, site, "ioc.admin")
    page.wait_for_url(f"{site}/accounts/2fa/verify/?next=%2F")
    page.goto(f"{site}/people/")
    assert page.url.startswith(f"{site}/accounts/2fa/verify/")
    # The code of the next time step: the one used to enrol is spent.
    page.fill("#id_code", totp.at(time.time() + 30))
    page.click("#two-factor-verify")
    page.wait_for_url(f"{site}/people/")
    assert page.locator("#people").count() == 1
