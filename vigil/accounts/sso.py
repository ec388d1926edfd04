"""Government SSO (OpenID Connect) for staff, on mozilla-django-oidc.

The province's SSO proves who someone is; Vigil decides what they may do. The
SSO logs in only accounts the operations centre has created: the configured
claim (VIGIL_OIDC_CLAIM) is matched to an account's user name or e-mail
(VIGIL_OIDC_MATCH), no account is ever created, and an unknown, ambiguous or
disabled account is refused with a page that says why, and an audit event.
Task groups and jurisdiction stay those of the Vigil account.

SSO is on when a client id and either the issuer (whose discovery document
gives the endpoints, fetched on first use) or the endpoint URLs are set.

Password logins go through `PasswordBackend` (Django's ModelBackend): with
VIGIL_LOCAL_LOGIN=false it refuses them, except for the break-glass accounts
of VIGIL_LOCAL_LOGIN_ACCOUNTS (for when the SSO itself is down).
"""

import logging
from dataclasses import dataclass
from functools import lru_cache, wraps

import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from mozilla_django_oidc import auth as oidc_auth
from mozilla_django_oidc import views as oidc_views
from mozilla_django_oidc.utils import import_from_settings

from vigil.audit.services import Action, log

from .models import User

logger = logging.getLogger(__name__)

# Settings the issuer's discovery document fills in when they are not set.
_DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


def enabled():
    """True when the government SSO is configured."""
    if not getattr(settings, "OIDC_RP_CLIENT_ID", ""):
        return False
    if getattr(settings, "VIGIL_OIDC_ISSUER", ""):
        return True
    return all(getattr(settings, name, "") for name in _DISCOVERED)


def local_login_allowed(username):
    """May `username` log in with a password (VIGIL_LOCAL_LOGIN, break-glass list)?"""
    if getattr(settings, "VIGIL_LOCAL_LOGIN", True):
        return True
    return username in getattr(settings, "VIGIL_LOCAL_LOGIN_ACCOUNTS", ())


@lru_cache(maxsize=8)
def discovery(issuer):
    """The issuer's OpenID configuration (cached per process; a failure is not)."""
    response = requests.get(
        issuer.rstrip("/") + "/.well-known/openid-configuration",
        timeout=getattr(settings, "OIDC_TIMEOUT", 10),
    )
    response.raise_for_status()
    document = response.json()
    if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise SuspiciousOperation("The SSO's discovery document names another issuer.")
    return document


def setting(name, *default):
    """A mozilla-django-oidc setting; endpoints not set come from discovery."""
    if name in _DISCOVERED and not getattr(settings, name, ""):
        issuer = getattr(settings, "VIGIL_OIDC_ISSUER", "")
        if issuer:
            return discovery(issuer)[_DISCOVERED[name]]
    return import_from_settings(name, *default)


@dataclass
class Refusal:
    """Why the SSO did not log someone in, for the refusal page and the audit."""

    reason: str
    value: str = ""
    user: User | None = None


def _refuse(request, reason, value="", user=None):
    request.vigil_sso_refusal = Refusal(reason, str(value)[:150], user)


def matching_accounts(value):
    """The accounts the claim `value` names (by user name or by e-mail)."""
    if getattr(settings, "VIGIL_OIDC_MATCH", "username") == "email":
        return User.objects.filter(email__iexact=value)
    return User.objects.filter(username__iexact=value)


class PasswordBackend(ModelBackend):
    """Django's password check, refused while local logins are off (except for
    the break-glass accounts)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and not local_login_allowed(username):
            logger.info("password login refused for %s: local logins are off", username)
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class SSOBackend(oidc_auth.OIDCAuthenticationBackend):
    """Logs in the existing, active account the SSO's claim names; creates none."""

    get_settings = staticmethod(setting)

    def __init__(self, *args, **kwargs):
        # Django builds every backend for every login, passwords included: the
        # endpoints (and discovery) are read only when an SSO callback arrives.
        self.UserModel = User

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; never act on a password form.
        if request is None or "nonce" not in kwargs or "password" in kwargs or not enabled():
            return None
        super().__init__()
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException as exc:
            logger.warning("SSO login failed talking to the provider: %s", exc)
            _refuse(request, "provider")
            return None

    def get_user(self, user_id):
        # Like ModelBackend: a session ends when its account is disabled.
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        self.check_id_token(payload, userinfo)
        claims = {**payload, **userinfo}
        claim = getattr(settings, "VIGIL_OIDC_CLAIM", "preferred_username")
        value = str(claims.get(claim) or "").strip()
        if not value:
            _refuse(self.request, "no_claim")
            return None
        accounts = list(matching_accounts(value)[:2])
        if not accounts:
            _refuse(self.request, "unknown", value)
            return None
        if len(accounts) > 1:
            _refuse(self.request, "ambiguous", value)
            return None
        if not accounts[0].is_active:
            _refuse(self.request, "disabled", value, accounts[0])
            return None
        return accounts[0]

    def check_id_token(self, payload, userinfo):
        """The checks the library leaves out: audience, issuer, same subject."""
        audience = payload.get("aud")
        audience = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audience:
            raise SuspiciousOperation("The ID token is for another client.")
        issuer = getattr(settings, "VIGIL_OIDC_ISSUER", "")
        if issuer and str(payload.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
            raise SuspiciousOperation("The ID token comes from another issuer.")
        if "sub" in userinfo and userinfo["sub"] != payload.get("sub"):
            raise SuspiciousOperation("The user info is about another subject.")


class LoginView(oidc_views.OIDCAuthenticationRequestView):
    """Sends the browser to the SSO's login page."""

    get_settings = staticmethod(setting)


class CallbackView(oidc_views.OIDCAuthenticationCallbackView):
    """Where the SSO sends the browser back: log in, or say why not."""

    get_settings = staticmethod(setting)

    def login_success(self):
        response = super().login_success()
        log(self.request, Action.LOGIN, self.user, detail={"method": "sso"})
        return response

    def login_failure(self):
        request = self.request
        refusal = getattr(request, "vigil_sso_refusal", None)
        if refusal is None:
            refusal = Refusal("cancelled" if request.GET.get("error") else "failed")
        account = refusal.user
        log(
            request,
            Action.LOGIN_FAILED,
            account,
            detail={"method": "sso", "reason": refusal.reason, "claim": refusal.value},
            object_repr=str(account) if account else refusal.value,
            area_path=account.jurisdiction_path if account else "",
        )
        return render(
            request,
            "accounts/sso_refused.html",
            {"reason": refusal.reason, "value": refusal.value},
            status=403,
        )


def only_when_enabled(view):
    """The SSO's pages answer 404 while the SSO is not configured."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
