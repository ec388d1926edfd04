"""Two-step verification (issue #12): a TOTP authenticator, required of the
operations centre, optional for everybody else, with single-use recovery codes.

Tests run with VIGIL_REQUIRE_2FA_TASKS empty (settings: off under
VIGIL_TESTING, so that the many tests that `force_login` an administrator go
on testing their own pages); the tests here turn it on where they need it.
"""

import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image, ImageDraw

from vigil.accounts import twofactor
from vigil.accounts.models import ApiToken, RecoveryCode, Task, TwoFactorDevice
from vigil.audit.models import Action, AuditEvent

from ..conftest import PASSWORD

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def required(settings):
    settings.VIGIL_REQUIRE_2FA_TASKS = ["admin"]


def password_login(client, user, next_url=""):
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:400]
    return response


def code_at(offset_steps=0, secret=SECRET):
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def enrolled(user, secret=SECRET, recovery=("aaaaa-bbbbb",)):
    """An account with an authenticator (as `twofactor.enrol` leaves it).

    The tests compute codes for the current and previous 30 s steps, then
    post them: started in a step's last seconds, a test could see its codes
    age by a step on a busy machine, so it starts in the next step instead."""
    from django.contrib.auth.hashers import make_password

    into_step = time.time() % 30
    if into_step > 24:
        time.sleep(30.2 - into_step)
    TwoFactorDevice.objects.create(user=user, secret=secret)
    for code in recovery:
        RecoveryCode.objects.create(user=user, code_hash=make_password(code.replace("-", "")))
    return user


def shown_codes(response):
    return re.findall(r'<li class="col">([a-z2-9]{5}-[a-z2-9]{5})</li>', response.content.decode())


def svg_to_image(svg):
    """Draw segno's inline SVG path ("M x y", "m dx dy", "h n" on module rows)."""
    size = int(re.search(r'width="(\d+)"', svg).group(1))
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1))
    path = re.search(r' d="([^"]+)"', svg).group(1)
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            top = (y - 0.5) * scale
            draw.rectangle([x * scale, top, (x + float(a)) * scale - 1, top + scale - 1], fill=0)
            x += float(a)
    return image


# Required of the operations centre -------------------------------------------


def test_tests_run_with_no_task_group_required_by_default(settings):
    assert settings.VIGIL_REQUIRE_2FA_TASKS == []


def test_an_admin_without_an_authenticator_must_enrol_before_anything_else(
    client, admin_user, required
):
    response = password_login(client, admin_user, next_url="/people/")
    assert client.get(response.url).url == "/accounts/2fa/?next=%2Fpeople%2F"
    for path in ("/", "/accounts/", "/accounts/tokens/", "/audit/"):
        assert client.get(path).url.startswith("/accounts/2fa/?next="), path
    # The API does not take the session either (personal tokens are made from it).
    assert client.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/tokens", {"name": "x"}, "application/json").status_code == 401
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200
    assert 'id="two-factor-required"' in page.content.decode()
    # The menu (and its worklists' counts) stays hidden meanwhile.
    assert page.context["menu"] == []
    assert client.post("/accounts/logout/").status_code == 302


def test_the_enrolment_page_shows_its_secret_as_a_qr_code_and_as_text(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/accounts/2fa/").content.decode()
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    shown = re.search(r'id="two-factor-secret"[^>]*>([^<]+)<', html).group(1)
    assert shown.replace(" ", "") == secret
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    decoded = zxingcpp.read_barcode(svg_to_image(svg))
    assert decoded is not None, "the QR code on the page does not decode"
    uri = urlparse(decoded.text)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert parse_qs(uri.query)["secret"] == [secret]
    assert admin_user.username in uri.path
    # Reloading keeps the secret the phone may already have scanned.
    assert f'data-secret="{secret}"' in client.get("/accounts/2fa/").content.decode()


def test_enrolment_confirms_a_code_then_shows_ten_recovery_codes_once(client, admin_user, required):
    password_login(client, admin_user)
    html = client.get("/accounts/2fa/?next=/people/").content.decode()
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    refused = client.post(
        "/accounts/2fa/", {"code": "000000" if code_at(0, secret) != "000000" else "111111"}
    )
    assert 'id="id_code_error"' in refused.content.decode()
    assert not TwoFactorDevice.objects.filter(user=admin_user).exists()

    response = client.post("/accounts/2fa/", {"code": code_at(0, secret), "next": "/people/"})
    codes = shown_codes(response)
    assert len(set(codes)) == 10
    assert TwoFactorDevice.objects.get(user=admin_user).secret == secret
    hashes = list(RecoveryCode.objects.filter(user=admin_user).values_list("code_hash", flat=True))
    assert len(hashes) == 10 and not any(c.replace("-", "") in h for c in codes for h in hashes)
    assert AuditEvent.objects.filter(
        actor=admin_user, action=Action.CHANGE, detail__two_factor="enabled"
    ).exists()
    # The session is verified; the codes are not shown again.
    assert client.get("/people/").status_code == 200
    page = client.get("/accounts/2fa/").content.decode()
    assert codes[0] not in page and 'id="two-factor-state"' in page


def test_an_account_with_an_authenticator_gives_a_code_after_its_password(
    client, make_user, places
):
    user = enrolled(make_user("cdc.user", places.commune, tasks=[Task.CDC]))
    response = password_login(client, user, next_url="/people/")
    assert client.get(response.url).url == "/accounts/2fa/verify/?next=%2Fpeople%2F"
    assert client.get("/api/v1/me").status_code == 401
    page = client.get("/accounts/2fa/verify/?next=/people/")
    assert page.status_code == 200 and page.context["menu"] == []
    response = client.post("/accounts/2fa/verify/", {"code": code_at(), "next": "/people/"})
    assert response.url == "/people/"
    assert client.get("/people/").status_code == 200
    assert client.get("/api/v1/me").json()["username"] == "cdc.user"
    assert AuditEvent.objects.filter(
        actor=user, action=Action.LOGIN, detail__second_factor="totp"
    ).exists()


def test_the_code_page_sends_nowhere_else(client, make_user, places):
    user = enrolled(make_user("cdc.user", places.commune, tasks=[Task.CDC]))
    password_login(client, user)
    response = client.post(
        "/accounts/2fa/verify/", {"code": code_at(), "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_a_code_is_good_once(client, make_user, places):
    user = enrolled(make_user("cdc.user", places.commune, tasks=[Task.CDC]))
    code = code_at()
    password_login(client, user)
    assert client.post("/accounts/2fa/verify/", {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    password_login(client, user)
    response = client.post("/accounts/2fa/verify/", {"code": code})
    assert response.status_code == 200 and 'id="id_code_error"' in response.content.decode()


def test_wrong_codes_are_refused_logged_and_throttled(client, make_user, places, settings):
    settings.VIGIL_2FA_MAX_ATTEMPTS = 5
    user = enrolled(make_user("cdc.user", places.commune, tasks=[Task.CDC]))
    password_login(client, user)
    wrong = "000000" if code_at() != "000000" and code_at(-1) != "000000" else "999999"
    for _i in range(4):
        html = client.post("/accounts/2fa/verify/", {"code": wrong}).content.decode()
        assert 'id="id_code_error"' in html and "quá nhiều lần" not in html
    html = client.post("/accounts/2fa/verify/", {"code": wrong}).content.decode()
    assert "Nhập sai mã quá nhiều lần" in html
    # Even the right code waits now.
    html = client.post("/accounts/2fa/verify/", {"code": code_at()}).content.decode()
    assert "Nhập sai mã quá nhiều lần" in html
    assert client.get("/people/").status_code == 302
    failed = AuditEvent.objects.filter(actor=user, action=Action.LOGIN_FAILED)
    assert failed.filter(detail__reason="wrong_code").count() == 5
    assert failed.filter(detail__reason="locked").count() == 1
    # Once the wait is over, the right code opens the session.
    device = TwoFactorDevice.objects.get(user=user)
    assert device.locked_until > timezone.now() + timedelta(minutes=14)
    TwoFactorDevice.objects.filter(pk=device.pk).update(locked_until=timezone.now())
    assert client.post("/accounts/2fa/verify/", {"code": code_at()}).status_code == 302
    assert client.get("/people/").status_code == 200


def test_a_recovery_code_opens_the_account_once(client, make_user, places):
    user = enrolled(make_user("cdc.user", places.commune, tasks=[Task.CDC]))
    password_login(client, user)
    response = client.post("/accounts/2fa/verify/", {"code": "AAAAA BBBBB"})
    assert response.status_code == 302
    assert client.get("/people/").status_code == 200
    assert RecoveryCode.objects.get(user=user).used_at is not None
    client.post("/accounts/logout/")
    password_login(client, user)
    response = client.post("/accounts/2fa/verify/", {"code": "aaaaa-bbbbb"})
    assert response.status_code == 200 and 'id="id_code_error"' in response.content.decode()


# Optional for everybody else ------------------------------------------------


def test_other_accounts_may_go_without_and_turn_it_on_themselves(
    client, make_user, places, required
):
    user = make_user("cdc.user", places.commune, tasks=[Task.CDC])
    password_login(client, user)
    assert client.get("/people/").status_code == 200
    html = client.get("/accounts/2fa/").content.decode()
    assert 'id="two-factor-required"' not in html and 'id="two-factor-qr"' in html


def test_turning_it_off_needs_a_current_code_and_is_refused_where_required(
    client, make_user, places, settings
):
    user = enrolled(make_user("cdc.user", places.commune, tasks=[Task.CDC]))
    client.force_login(user)
    client.post("/accounts/2fa/verify/", {"code": code_at(-1)})
    client.post("/accounts/2fa/disable/", {"code": "aaaaa-bbbbc"})
    assert TwoFactorDevice.objects.filter(user=user).exists()
    settings.VIGIL_REQUIRE_2FA_TASKS = ["cdc"]
    client.post("/accounts/2fa/disable/", {"code": code_at()})
    assert TwoFactorDevice.objects.filter(user=user).exists()
    settings.VIGIL_REQUIRE_2FA_TASKS = []
    response = client.post("/accounts/2fa/disable/", {"code": code_at()}, follow=True)
    assert "Đã tắt xác thực hai bước." in response.content.decode()
    assert not TwoFactorDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()


def test_new_recovery_codes_need_a_current_code_and_replace_the_old_ones(client, make_user, places):
    user = enrolled(make_user("cdc.user", places.commune, tasks=[Task.CDC]))
    client.force_login(user)
    client.post("/accounts/2fa/verify/", {"code": code_at(-1)})
    assert client.post("/accounts/2fa/recovery-codes/", {"code": "12"}).status_code == 302
    response = client.post("/accounts/2fa/recovery-codes/", {"code": code_at()})
    codes = shown_codes(response)
    assert len(set(codes)) == 10
    assert RecoveryCode.objects.filter(user=user).count() == 10
    client.post("/accounts/logout/")
    password_login(client, user)
    assert client.post("/accounts/2fa/verify/", {"code": "aaaaa-bbbbb"}).status_code == 200
    assert client.post("/accounts/2fa/verify/", {"code": codes[3]}).status_code == 302


def test_moving_to_a_new_phone_needs_a_code_of_the_old_one(client, make_user, places):
    user = enrolled(make_user("cdc.user", places.commune, tasks=[Task.CDC]))
    client.force_login(user)
    client.post("/accounts/2fa/verify/", {"code": code_at(-1)})
    html = client.get("/accounts/2fa/?replace=1").content.decode()
    new = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    refused = client.post("/accounts/2fa/?replace=1", {"current": "12345", "code": code_at(0, new)})
    assert 'id="id_current_error"' in refused.content.decode()
    assert TwoFactorDevice.objects.get(user=user).secret == SECRET
    response = client.post(
        "/accounts/2fa/?replace=1", {"current": code_at(), "code": code_at(0, new)}
    )
    assert response.status_code == 200 and 'id="recovery-codes"' in response.content.decode()
    assert TwoFactorDevice.objects.get(user=user).secret == new


# What the middleware leaves alone -------------------------------------------


def test_api_bearer_tokens_are_not_affected(client, admin_user, required):
    _token, secret = ApiToken.issue(admin_user, "integration")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/me", **auth).status_code == 200
    # Nor by a session of the same account still at its second step.
    password_login(client, admin_user)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", **auth).json()["username"] == admin_user.username


@pytest.mark.parametrize(
    ("backend", "trusted", "verified"),
    [
        ("vigil.accounts.sso.SSOBackend", True, True),
        ("vigil.accounts.sso.SSOBackend", False, False),
        ("vigil.accounts.sso.PasswordBackend", True, False),
    ],
)
def test_a_single_sign_on_login_is_verified_only_when_the_provider_is_trusted_to_ask(
    client, make_user, places, settings, backend, trusted, verified
):
    settings.VIGIL_SSO_TRUSTED_MFA = trusted
    user = enrolled(make_user("cdc.user", places.commune, tasks=[Task.CDC]))
    client.force_login(user, backend=backend)
    assert (client.get("/people/").status_code == 200) is verified


def test_a_session_is_held_back_when_its_account_enrols_elsewhere(client, make_user, places):
    user = make_user("cdc.user", places.commune, tasks=[Task.CDC])
    client.force_login(user)
    assert client.get("/people/").status_code == 200
    enrolled(user)
    assert client.get("/people/").url.startswith("/accounts/2fa/verify/")


def test_the_required_task_groups_are_checked(settings, admin_user):
    settings.VIGIL_REQUIRE_2FA_TASKS = ["admn"]
    with pytest.raises(twofactor.ImproperlyConfigured):
        twofactor.is_required(admin_user)


def test_the_pages_speak_vietnamese(client, make_user, places):
    user = enrolled(make_user("cdc.user", places.commune, tasks=[Task.CDC]))
    client.force_login(user)
    html = client.get("/accounts/2fa/verify/").content.decode()
    assert "Xác thực hai bước" in html and "hoặc một trong các mã khôi phục" in html
    client.post("/accounts/2fa/verify/", {"code": code_at()})
    html = client.get("/accounts/2fa/").content.decode()
    assert "Còn 1 mã khôi phục." in html and "Đã bật từ" in html


def test_an_htmx_request_is_sent_to_the_step_as_a_whole_page(client, admin_user, required):
    password_login(client, admin_user)
    response = client.get("/people/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith("/accounts/2fa/?next=")
