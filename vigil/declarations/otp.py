"""One-time codes by SMS for citizens (R-D3), with the limits of DESIGN.md:
requests limited per phone and per address per hour, 5 wrong codes burn the
code, codes expire after 5 minutes, and only a hash is stored."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.audit.services import serialized

from .models import OtpChallenge
from .sms import send_sms

CODE_DIGITS = 6


class OtpError(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


def _digest(salt, code):
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _hash(code):
    """A salted HMAC keyed by the secret key: cheap to check (a slow password
    hash per request would let anyone load the servers), and a leaked table
    alone cannot be brute-forced without the key."""
    salt = secrets.token_hex(8)
    return f"{salt}${_digest(salt, code)}"


def _matches(code, stored):
    salt, _sep, digest = stored.partition("$")
    return hmac.compare_digest(_digest(salt, code), digest)


def request_code(phone, ip=None):
    """Send a new code to `phone`; OtpError when a limit is reached.

    The limits count the codes created in the last hour, and the count and
    the new code are one transaction under a lock per phone and per address:
    a burst of requests sends exactly the limit.
    """
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with serialized(f"otp-phone:{phone}", f"otp-address:{ip}"):
        now = timezone.now()
        recent = OtpChallenge.objects.filter(created_at__gte=now - timedelta(hours=1))
        if recent.filter(phone=phone).count() >= settings.VIGIL_OTP_PER_PHONE_PER_HOUR:
            raise OtpError(
                _("Too many codes were sent to this phone. Try again in an hour."),
                "too_many_phone",
            )
        if ip and recent.filter(ip=ip).count() >= settings.VIGIL_OTP_PER_ADDRESS_PER_HOUR:
            raise OtpError(
                _("Too many codes were requested from this network. Try again later."),
                "too_many_address",
            )
        # A new code replaces any older one still open for this phone.
        OtpChallenge.objects.filter(phone=phone, used_at__isnull=True, burnt=False).update(
            burnt=True
        )
        challenge = OtpChallenge.objects.create(
            phone=phone,
            code_hash=_hash(code),
            ip=ip,
            expires_at=now + timedelta(seconds=settings.VIGIL_OTP_TTL_SECONDS),
        )
    send_sms(
        phone,
        _("Your %(site)s code is %(code)s. It expires in %(minutes)s minutes.")
        % {
            "site": settings.VIGIL_SITE_NAME,
            "code": code,
            "minutes": max(1, settings.VIGIL_OTP_TTL_SECONDS // 60),
        },
    )
    return challenge


def verify_code(phone, code):
    """True on the right code (which is then used up); OtpError otherwise.

    The refusal is raised after the transaction commits: raising inside it
    would roll back the attempt count and let anyone guess without limit.
    """
    refusal = None
    with transaction.atomic():
        challenge = (
            OtpChallenge.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, burnt=False)
            .order_by("-created_at")
            .first()
        )
        if challenge is None:
            refusal = OtpError(_("Request a new code first."), "no_code")
        elif challenge.expires_at < timezone.now():
            challenge.burnt = True
            challenge.save(update_fields=["burnt"])
            refusal = OtpError(_("This code has expired. Request a new one."), "expired")
        elif not _matches((code or "").strip(), challenge.code_hash):
            challenge.attempts += 1
            challenge.burnt = challenge.attempts >= settings.VIGIL_OTP_MAX_ATTEMPTS
            challenge.save(update_fields=["attempts", "burnt"])
            if challenge.burnt:
                refusal = OtpError(_("Too many wrong codes. Request a new code."), "burnt")
            else:
                left = settings.VIGIL_OTP_MAX_ATTEMPTS - challenge.attempts
                refusal = OtpError(_("Wrong code. %(n)s tries left.") % {"n": left}, "wrong")
        else:
            challenge.used_at = timezone.now()
            challenge.save(update_fields=["used_at"])
    if refusal is not None:
        raise refusal
    return True
