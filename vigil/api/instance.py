"""The API's one NinjaAPI instance, its authentication and its error shape;
the routers are added in `vigil.api.api`, which the URLs mount. Modules of
the API import what they need from here, never from `vigil.api.api`.

Errors always have the same shape, whatever raised them:
``{"error": {"code": "not_found", "message": "...", "fields": {...}}}``.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from vigil.accounts import services as token_services
from vigil.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    """`Authorization: Bearer vgl_...` with a personal token of an active account."""

    def authenticate(self, request, token):
        # Operations that check a capability before reading their input
        # authenticate first (vigil.core.permissions.api_requires): once a request.
        known = getattr(request, "api_token", None)
        if known is not None and known.key_hash == ApiToken.hash(token):
            return known.user
        row = token_services.authenticate_token(token)
        if row is None:
            return None
        request.user = row.user
        request.api_token = row
        return row.user


api = NinjaAPI(
    title="Vigil API",
    version="1",
    description=(
        "Arrivals, quarantine and contact-tracing surveillance. Staff authenticate "
        "with a personal token (`Authorization: Bearer …`) created on the "
        "'API tokens' page, or with the browser session. Every list and record is "
        "limited to the account's jurisdiction; records outside it answer 404."
    ),
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
)


def error(request, status, code, message, fields=None):
    body = {"error": {"code": code, "message": str(message)}}
    if fields:
        body["error"]["fields"] = fields
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    fields = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", ""))
    return error(request, 422, "invalid", _("Some fields are not valid."), fields)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error(request, 401, "unauthenticated", _("Log in or send a valid API token."))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return error(request, 403, "forbidden", str(exc) or _("Your task groups do not allow this."))


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return error(request, exc.status_code, getattr(exc, "code", "error"), exc.message)
