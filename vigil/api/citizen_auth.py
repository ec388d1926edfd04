"""Citizen authentication for the mobile app (R-D3 through the API, R-N5).

A citizen proves a phone with a one-time SMS code and receives a signed,
time-limited token naming that phone. Nothing is stored: the token is the
normalised phone signed with the secret key, so it cannot be revoked early and
lives VIGIL_CITIZEN_SESSION_MINUTES. It is a different credential from a staff
token (`vgl_…`, hashed in the database): neither is accepted in place of the other.
"""

from django.conf import settings
from django.core import signing
from ninja.security import HttpBearer

from vigil.core.phones import normalize_phone

SALT = "vigil.citizen"


def _signer():
    return signing.TimestampSigner(salt=SALT)


def lifetime_seconds():
    return settings.VIGIL_CITIZEN_SESSION_MINUTES * 60


def issue_token(phone):
    """A bearer token for a phone that has just been verified by SMS."""
    return _signer().sign(phone)


def phone_from_token(token):
    """The verified phone a token names, or None when it is forged, altered or expired."""
    if not token or token.startswith("vgl_"):
        return None
    try:
        phone = _signer().unsign(token, max_age=lifetime_seconds())
    except signing.BadSignature:  # SignatureExpired is a subclass
        return None
    # Only ever signed in normal form; anything else was not made by issue_token.
    return phone if normalize_phone(phone) == phone else None  # cached per process


class CitizenAuth(HttpBearer):
    """`Authorization: Bearer <citizen token>` from POST /declarations/otp/verify.

    `request.auth` is the verified phone (0xxxxxxxxx).
    """

    def authenticate(self, request, token):
        phone = phone_from_token(token)
        if phone is None:
            return None
        request.citizen_phone = phone
        return phone
