"""The forced password change in Chromium, on a phone and a desktop (#16): a
new account signs in with the password the operations centre issued, is held
at the change form whatever it opens until it chooses its own, then lands on
its home; after the operations centre resets its password it is held again."""

import re

import pytest

from vigil.accounts import services
from vigil.accounts.models import Task, User

from ..conftest import PASSWORD
from .conftest import DESKTOP, PHONE, log_in

SIZES = {"phone": PHONE, "desktop": DESKTOP}
CHANGE = "/accounts/password/"
OWN_PASSWORD = "Hoa-chon-mat-khau-2026"


@pytest.fixture(params=sorted(SIZES))
def size(request):
    return request.param


def new_page(chromium, size):
    phone = size == "phone"
    context = chromium.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def sign_in(page, site, username, password):
    """Sign in; an account holding an issued password ends at the change form."""
    page.goto(f"{site}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}{CHANGE}")


def assert_held(page, site):
    """Every other page sends the account back to the change form."""
    for path in ("/", "/people/", "/declarations/new/?channel=paper", "/accounts/tokens/"):
        page.goto(f"{site}{path}")
        assert page.url == f"{site}{CHANGE}", path
        assert page.locator("#must-change-password").is_visible()
    assert page.locator("html").get_attribute("lang") == "vi"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]


def change_password(page, old, new):
    page.fill("#id_old_password", old)
    page.fill("#id_new_password1", new)
    page.fill("#id_new_password2", new)
    page.click(".login-box form button[type=submit]")


def test_an_issued_password_must_be_changed_before_anything_else_and_again_after_a_reset(
    site, chromium, make_user, places, size
):
    admin = make_user("ioc.admin", places.province, tasks=[Task.ADMIN])
    clerk, issued = services.create_account(
        admin,
        username="hoa.phunhuan",
        full_name="Lê Thị Hoa",
        tasks=[Task.DIGITISATION],
        jurisdiction=places.commune,
    )
    context, page = new_page(chromium, size)
    sign_in(page, site, "hoa.phunhuan", issued)
    assert_held(page, site)

    # A wrong current password changes nothing and keeps the account held.
    change_password(page, "not-the-password", OWN_PASSWORD)
    page.wait_for_selector("#id_old_password_error")
    assert page.url == f"{site}{CHANGE}"
    clerk.refresh_from_db()
    assert clerk.must_change_password

    change_password(page, issued, OWN_PASSWORD)
    page.wait_for_url(f"{site}/")
    assert page.locator("#modules").is_visible()
    assert page.locator(".alert-success").count() == 1  # "Your password was changed."
    clerk.refresh_from_db()
    assert not clerk.must_change_password and clerk.check_password(OWN_PASSWORD)
    page.goto(f"{site}/declarations/new/?channel=paper")
    assert page.url.startswith(f"{site}/declarations/new/")
    assert page.locator("#paper-reason").is_visible()

    # The operations centre resets it (in its own browser): the new password
    # is shown once, and the clerk's session has ended.
    admin_context, admin_page = new_page(chromium, size)
    log_in(admin_page, site, "ioc.admin", PASSWORD)
    admin_page.goto(f"{site}/accounts/{clerk.pk}/")
    admin_page.once("dialog", lambda dialog: dialog.accept())
    admin_page.click("form[action$='/reset-password/'] button")
    admin_page.wait_for_url(re.compile(r".*/reset-password/$"))
    reset = admin_page.inner_text("#new-password").strip()
    assert reset and reset not in (issued, OWN_PASSWORD)
    admin_context.close()

    page.goto(f"{site}/people/")
    assert "/accounts/login/" in page.url  # signed out by the reset
    sign_in(page, site, "hoa.phunhuan", reset)
    assert_held(page, site)
    change_password(page, reset, OWN_PASSWORD + "!")
    page.wait_for_url(f"{site}/")
    assert page.locator("#modules").is_visible()
    assert not User.objects.get(pk=clerk.pk).must_change_password
    context.close()
