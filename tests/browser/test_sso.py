"""Logging in through the government SSO in Chromium: Vigil's login page, the
SSO button, the provider's login form and consent page (a real OpenID provider,
tests/oidc_provider, in a subprocess), and back to Vigil as the same account."""

from vigil.accounts.models import Task
from vigil.audit.models import Action, AuditEvent

from ..oidc_provider import fixtures

# The test OpenID provider, and Vigil's settings to use it.
oidc_provider = fixtures.oidc_provider
sso_settings = fixtures.sso_settings


def sso_pages(page, site, provider, username):
    page.goto(f"{site}/accounts/login/")
    page.get_by_role("link", name="Đăng nhập tài khoản SSO công vụ").click()
    page.wait_for_url(provider.issuer.removesuffix("/o") + "/login/**")
    page.fill("#id_username", username)
    page.fill("#id_password", provider.password)
    page.click("#op-login-button")
    # The provider asks for consent to share the name and e-mail with Vigil.
    page.click("input[name=allow]")


def test_staff_log_in_with_the_government_sso(
    site, desktop_page, oidc_provider, sso_settings, make_user, places
):
    user = make_user(
        "hs.phunhuan", places.commune, tasks=[Task.HEALTH_STATION], full_name="Trần Thị Hoa"
    )
    page = desktop_page
    sso_pages(page, site, oidc_provider, "hs.phunhuan")
    page.wait_for_url(f"{site}/")
    assert page.locator("#user-menu").inner_text() == "Trần Thị Hoa"
    assert "Tra cứu người" in page.locator("#modules").inner_text()
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor=user).exists()


def test_an_sso_account_unknown_to_vigil_is_refused(
    site, desktop_page, oidc_provider, sso_settings, make_user, places
):
    page = desktop_page
    sso_pages(page, site, oidc_provider, "nguoi.la")
    page.wait_for_url(f"{site}/accounts/sso/callback/**")
    assert "chưa có tài khoản" in page.locator("#sso-reason").inner_text()
    assert page.locator("#user-menu").count() == 0
