"""Government SSO (vigil.accounts.sso) against a real OpenID provider.

The provider (tests/oidc_provider, django-oauth-toolkit) runs as a subprocess;
Django's test client plays Vigil's side, `requests` the browser's side on the
provider's login and consent pages.
"""

import pytest
from django.urls import reverse

from vigil.accounts import sso
from vigil.accounts.models import Task, User
from vigil.audit.models import Action, AuditEvent

from ..conftest import PASSWORD
from ..oidc_provider import fixtures
from ..oidc_provider.harness import log_in_and_consent

# The test OpenID provider, and Vigil's settings to use it.
oidc_provider = fixtures.oidc_provider
sso_settings = fixtures.sso_settings

SSO_BUTTON = "Đăng nhập tài khoản SSO công vụ"


def sso_login(client, username, next_url=None):
    """Vigil's SSO button, the provider's pages, and the callback; returns the
    callback's response."""
    url = reverse("accounts:sso-login") + (f"?next={next_url}" if next_url else "")
    response = client.get(url)
    assert response.status_code == 302
    callback = log_in_and_consent(response.url, username)
    assert callback.startswith("http://testserver/accounts/sso/callback/?")
    return client.get(callback.removeprefix("http://testserver"))


@pytest.fixture
def health_worker(make_user, places):
    return make_user("hs.phunhuan", places.commune, tasks=[Task.HEALTH_STATION])


def test_sso_logs_in_the_account_of_the_same_user_name(client, sso_settings, health_worker):
    response = sso_login(client, "hs.phunhuan", next_url="/people/")
    assert response.status_code == 302
    assert response.url == "/people/"
    assert int(client.session["_auth_user_id"]) == health_worker.pk
    home = client.get("/").content.decode()
    assert reverse("people:list") in home
    event = AuditEvent.objects.get(action=Action.LOGIN, actor=health_worker)
    assert event.detail == {"method": "sso"}
    # Vigil's task groups and jurisdiction are untouched.
    health_worker.refresh_from_db()
    assert health_worker.tasks == [Task.HEALTH_STATION]


def test_an_sso_session_ends_when_the_account_is_disabled(client, sso_settings, health_worker):
    assert sso_login(client, "hs.phunhuan").status_code == 302
    assert client.get("/people/").status_code == 200
    health_worker.is_active = False
    health_worker.save()
    assert client.get("/people/").url.startswith("/accounts/login/")


def test_an_unknown_sso_account_is_refused_and_audited(client, sso_settings, health_worker):
    users = User.objects.count()
    response = sso_login(client, "nguoi.la")
    assert response.status_code == 403
    body = response.content.decode()
    assert "nguoi.la" in body
    assert "chưa có tài khoản" in body
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users  # no account is created
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.detail == {"method": "sso", "reason": "unknown", "claim": "nguoi.la"}
    assert event.object_repr == "nguoi.la"


def test_a_disabled_account_is_refused_and_audited(client, sso_settings, make_user, places):
    account = make_user("bi.khoa", places.commune, is_active=False)
    response = sso_login(client, "bi.khoa")
    assert response.status_code == 403
    assert "bị khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.detail["reason"] == "disabled"
    assert event.object_id == str(account.pk)
    assert event.area_path == account.jurisdiction_path


def test_accounts_can_be_matched_by_e_mail(client, sso_settings, make_user, places):
    sso_settings.VIGIL_OIDC_CLAIM = "email"
    sso_settings.VIGIL_OIDC_MATCH = "email"
    account = make_user("tran.thu", places.commune, email="THU.MAIL@sso.example.gov.vn")
    response = sso_login(client, "thu.mail")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == account.pk


def test_matching_by_user_name_ignores_e_mails(client, sso_settings, make_user, places):
    make_user("someone.else", places.commune, email="hs.phunhuan@sso.example.gov.vn")
    response = sso_login(client, "hs.phunhuan")
    assert response.status_code == 403


def test_a_cancelled_consent_is_refused(client, sso_settings, health_worker):
    response = client.get(
        reverse("accounts:sso-callback"), {"error": "access_denied", "state": "x"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED).detail["reason"] == "cancelled"


def test_the_login_page_offers_the_sso_when_configured(client, sso_settings):
    body = client.get("/accounts/login/?next=/people/").content.decode()
    assert SSO_BUTTON in body
    assert reverse("accounts:sso-login") + "?next=/people/" in body
    assert 'id="password-login"' in body  # local logins stay on by default


def test_without_configuration_there_is_no_sso(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    assert not sso.enabled()
    assert SSO_BUTTON not in client.get("/accounts/login/").content.decode()
    assert client.get(reverse("accounts:sso-login")).status_code == 404
    assert client.get(reverse("accounts:sso-callback")).status_code == 404


def test_endpoints_may_be_set_without_an_issuer(settings):
    settings.VIGIL_OIDC_ISSUER = ""
    settings.OIDC_RP_CLIENT_ID = "vigil"
    assert not sso.enabled()
    for name in sso._DISCOVERED:
        setattr(settings, name, f"https://sso.example.gov.vn/{name}")
    assert sso.enabled()
    assert sso.setting("OIDC_OP_TOKEN_ENDPOINT").endswith("/OIDC_OP_TOKEN_ENDPOINT")


def test_switching_local_logins_off_refuses_passwords(client, sso_settings, health_worker):
    sso_settings.VIGIL_LOCAL_LOGIN = False
    page = client.get("/accounts/login/").content.decode()
    assert SSO_BUTTON in page
    assert 'id="password-login"' not in page
    response = client.post("/accounts/login/", {"username": "hs.phunhuan", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    # The SSO still logs the same account in.
    assert sso_login(client, "hs.phunhuan").status_code == 302


def test_break_glass_accounts_keep_their_password(client, sso_settings, make_user, places):
    sso_settings.VIGIL_LOCAL_LOGIN = False
    sso_settings.VIGIL_LOCAL_LOGIN_ACCOUNTS = ["ioc.admin"]
    admin = make_user("ioc.admin", places.province, tasks=[Task.ADMIN])
    page = client.get("/accounts/login/?local=1").content.decode()
    assert 'id="password-login"' in page
    response = client.post("/accounts/login/", {"username": "ioc.admin", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == admin.pk
