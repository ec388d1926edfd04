"""Two-step verification: a TOTP authenticator app (RFC 6238, through pyotp)
and single-use recovery codes, and the middleware that holds a session back
until its second step is done.

After a login, an account that has an authenticator must give a code before
any other page, and an account of a task group in VIGIL_REQUIRE_2FA_TASKS that
has none must set one up first. Until then pages redirect to that step and
the API sees the session as anonymous (personal API tokens, created from a
verified session, authenticate on their own and are not affected). A login
through single sign-on counts as verified when VIGIL_SSO_TRUSTED_MFA says the
provider asked for a second factor itself.

Wrong codes are counted per account under a row lock: VIGIL_2FA_MAX_ATTEMPTS
of them in a row and the account waits VIGIL_2FA_LOCK_MINUTES, wherever the
tries come from (whoever is guessing already has the password).
"""

import re
import secrets
from datetime import timedelta
from urllib.parse import urlencode

import pyotp
import segno
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.audit.services import Action, log
from vigil.core.tasks import Task

from .models_2fa import RecoveryCode, TwoFactorDevice

# The session holds the id of the account whose second step is done (a new
# login of another account flushes the session anyway), and the secret
# offered by the enrolment page until a code confirms it.
SESSION_VERIFIED = "vigil_2fa_verified"
SESSION_PENDING = "vigil_2fa_pending"
# The backends of single sign-on (vigil.accounts.sso), named one by one: a
# login through any other backend, passwords included, asks for the code.
SSO_BACKENDS = {"vigil.accounts.sso.SSOBackend"}
RECOVERY_CODES = 10
# Exclude 0, o, 1, l, i so that a code copied onto paper reads back unambiguously.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LEN = 10  # about 50 bits
# A code of the step before or after is accepted too: phones' clocks drift.
_VALID_WINDOW = 1


class TooManyAttempts(Exception):
    """The account gave too many wrong codes; it may try again at `until`."""

    def __init__(self, until):
        super().__init__("throttled")
        self.until = until


# Policy --------------------------------------------------------------------


def required_tasks():
    tasks = set(settings.VIGIL_REQUIRE_2FA_TASKS)
    unknown = tasks - set(Task.values)
    if unknown:
        raise ImproperlyConfigured(f"VIGIL_REQUIRE_2FA_TASKS: unknown task groups {unknown}")
    return tasks


def is_required(user):
    """True when the account's task groups oblige it to use a second factor."""
    return bool(required_tasks() & set(user.tasks or ()))


def device_of(user):
    return TwoFactorDevice.objects.filter(user=user).first()


def is_enrolled(user):
    return TwoFactorDevice.objects.filter(user=user).exists()


def session_verified(request):
    return request.session.get(SESSION_VERIFIED) == str(request.user.pk)


def mark_verified(request):
    """The second step of this session is done. A new session key, as at any
    change of privilege, so that a key seen before the code is worth nothing."""
    request.session.cycle_key()
    request.session[SESSION_VERIFIED] = str(request.user.pk)


def _trusted_sso(request):
    backend = request.session.get(BACKEND_SESSION_KEY)
    return settings.VIGIL_SSO_TRUSTED_MFA and backend in SSO_BACKENDS


def pending_step(request):
    """What the signed-in session must do before anything else:
    "verify" (give a code), "setup" (enrol an authenticator) or None."""
    if session_verified(request):
        return None
    if _trusted_sso(request):
        request.session[SESSION_VERIFIED] = str(request.user.pk)
        return None
    if is_enrolled(request.user):
        return "verify"
    if is_required(request.user):
        return "setup"
    return None


# Enrolment -----------------------------------------------------------------


def offered_secret(request):
    """The secret the enrolment page shows, kept in the session until
    confirmed so that reloading the page does not change the QR code."""
    secret = request.session.get(SESSION_PENDING)
    if not secret:
        secret = pyotp.random_base32()
        request.session[SESSION_PENDING] = secret
    return secret


def provisioning_uri(user, secret):
    totp = pyotp.TOTP(secret)
    return totp.provisioning_uri(name=user.username, issuer_name=settings.VIGIL_SITE_NAME)


def qr_svg(text):
    """An inline SVG of `text` as a QR code (markup segno writes, no script)."""
    return segno.make(text, error="m").svg_inline(scale=4, border=4, title=_("QR code"))


def _new_recovery_codes(user):
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(_RECOVERY_LEN))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    # Hashed like passwords: a recovery code is one.
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=make_password(_normalise(c))) for c in codes
    )
    return codes


def offered_timecode(request, code):
    """The time step of `code` under the offered secret, None if it does not match."""
    secret = request.session.get(SESSION_PENDING)
    return _totp_timecode(secret, code) if secret else None


def enrol(request, code):
    """Confirm the offered secret with a current code: the authenticator is
    on and the session verified. Returns the recovery codes (shown once), or
    None when the code does not match the secret."""
    user = request.user
    secret = request.session.get(SESSION_PENDING)
    timecode = offered_timecode(request, code)
    if timecode is None:
        return None
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=user).delete()
        TwoFactorDevice.objects.create(user=user, secret=secret, last_timecode=timecode)
        codes = _new_recovery_codes(user)
        log(request, Action.CHANGE, user, detail={"two_factor": "enabled"})
    del request.session[SESSION_PENDING]
    mark_verified(request)
    return codes


# Codes ---------------------------------------------------------------------


def _normalise(code):
    return re.sub(r"[\s-]", "", code or "").lower()


def _totp_timecode(secret, code, now=None):
    code = _normalise(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    try:
        return totp.verify_and_get_timecode(
            code, for_time=now or timezone.now(), valid_window=_VALID_WINDOW
        )
    except pyotp.OTPVerificationError:
        return None


def _use_recovery_code(user, code, now):
    code = _normalise(code)
    if len(code) != _RECOVERY_LEN:
        return False
    for row in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        if check_password(code, row.code_hash):
            # Conditional: of two requests racing with the same code, one wins.
            return RecoveryCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
    return False


def _match(device, code, now):
    """How `code` is good ("totp" or "recovery", and now used up), else None."""
    timecode = _totp_timecode(device.secret, code, now)
    if timecode is not None:
        # A code already accepted (or an older one) is refused: RFC 6238 §5.2.
        if timecode <= device.last_timecode:
            return None
        device.last_timecode = timecode
        return "totp"
    if _use_recovery_code(device.user, code, now):
        return "recovery"
    return None


def check_code(request, code, *, purpose):
    """Check a code of the signed-in account: "totp" or "recovery" when good,
    None when wrong (counted and logged); TooManyAttempts while it must wait."""
    user, now = request.user, timezone.now()
    with transaction.atomic():
        # The row lock makes "count one more failure, maybe lock" exact under
        # a burst (SQLite: its transactions take the write lock at BEGIN).
        device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            return None
        if device.locked_until and device.locked_until > now:
            locked, how = device.locked_until, None
        else:
            locked, how = None, _match(device, code, now)
            _count(device, how, now)
        if how is None:
            detail = {"second_factor": purpose, "reason": "locked" if locked else "wrong_code"}
            log(request, Action.LOGIN_FAILED, user, detail=detail)
        elif purpose == "login":
            detail = {"second_factor": how, "recovery_codes_left": recovery_codes_left(user)}
            log(request, Action.LOGIN, user, detail=detail)
    if locked is None and device.locked_until and device.locked_until > now:
        locked = device.locked_until
    if how is None and locked is not None:
        raise TooManyAttempts(locked)
    return how


def _count(device, how, now):
    if how is None:
        device.failures += 1
        if device.failures >= settings.VIGIL_2FA_MAX_ATTEMPTS:
            device.failures = 0
            device.locked_until = now + timedelta(minutes=settings.VIGIL_2FA_LOCK_MINUTES)
    else:
        device.failures, device.locked_until, device.last_used_at = 0, None, now
    device.save(update_fields=["failures", "locked_until", "last_used_at", "last_timecode"])


def verify_login(request, code):
    """The code page of a login: on a good code the session is verified."""
    how = check_code(request, code, purpose="login")
    if how is not None:
        mark_verified(request)
    return how


def regenerate_recovery_codes(request, code):
    """New recovery codes (the old ones stop working), given a current code."""
    if check_code(request, code, purpose="recovery_codes") is None:
        return None
    with transaction.atomic():
        codes = _new_recovery_codes(request.user)
        log(request, Action.CHANGE, request.user, detail={"two_factor": "new_recovery_codes"})
    return codes


def disable(request, code):
    """Turn the authenticator off, given a current code. Refused to accounts
    that must use it (they can enrol a new phone instead: see `enrol`)."""
    if is_required(request.user):
        raise PermissionDenied(_("Your task groups require two-step verification."))
    if check_code(request, code, purpose="disable") is None:
        return False
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=request.user).delete()
        RecoveryCode.objects.filter(user=request.user).delete()
        log(request, Action.CHANGE, request.user, detail={"two_factor": "disabled"})
    return True


def recovery_codes_left(user):
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# Middleware ----------------------------------------------------------------

# Pages a session may open before its second step: leaving, the language,
# the health check (and the step's own page, below).
ALWAYS_OPEN = {"accounts:logout", "core:set-language", "core:healthz"}
STEP_PAGES = {"verify": "accounts:two-factor-verify", "setup": "accounts:two-factor"}


class TwoFactorMiddleware:
    """Holds a signed-in session at its second step (see the module's docstring).

    A view-level middleware, so that it knows the page asked for by name
    (after AuthenticationMiddleware and MessageMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        step = pending_step(request)
        if step is None:
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in ALWAYS_OPEN or name == STEP_PAGES[step]:
            return None
        if match is not None and match.namespace == "api":
            # Not a session of this account yet: the API answers 401 unless the
            # request carries a personal token (which sets request.user itself).
            request.user = AnonymousUser()
            return None
        return self.redirect(request, step)

    @staticmethod
    def redirect(request, step):
        url = reverse(STEP_PAGES[step])
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            from django_htmx.http import HttpResponseClientRedirect

            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
