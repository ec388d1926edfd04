"""The API's one NinjaAPI instance, its authentication and its error shape;
the routers are added in `vigil.api.api`, which the URLs mount. Modules of
the API import what they need from here, never from `vigil.api.api`.

Errors always have the same shape, whatever raised them:
``{"error": {"code": "not_found", "message": "...", "fields": {...}}}``,
including what Django itself would answer with an HTML page under /api/ (an
unknown path, a method an operation does not take, a body too large, a
CSRF failure, a server error): the project's error handlers (vigil.urls, its
CSRF_FAILURE_VIEW) answer those paths with the functions at the end.
"""

from functools import partial

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
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


class VigilAPI(NinjaAPI):
    """NinjaAPI whose "method not allowed" answers are in the error shape."""

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            # Each path's view closes over its PathView (one operation per method).
            for cell in getattr(pattern.callback, "__closure__", None) or ():
                view = cell.cell_contents
                if hasattr(view, "operations") and hasattr(view, "_not_allowed"):
                    view._not_allowed = partial(_method_not_allowed, view)
        return urls


def _method_not_allowed(path_view):
    allowed = sorted({m for op in path_view.operations for m in op.methods})
    response = _json(405, "method_not_allowed", _("This method is not allowed here."))
    response["Allow"] = ", ".join(allowed)
    return response


class VendoredSwagger(Swagger):
    """/api/v1/docs with the Swagger UI that Vigil serves itself
    (vigil/static/vendor/swagger-ui, see vendor/VERSIONS): django-ninja's own
    page loads it from a CDN, which the content security policy blocks. The
    page has no inline script; vigil/static/vigil/api-docs.js starts it."""

    template = "api/docs.html"
    default_settings = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # No badge image from the public online validator (off-site, and blocked).
        "validatorUrl": None,
    }

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        # Session-authenticated calls from "Try it out" need the CSRF token.
        add_csrf = any(getattr(auth, "csrf", False) for auth in api.auth)
        context = {"swagger_settings": settings, "api": api, "add_csrf": add_csrf}
        return render(request, self.template, context)


api = VigilAPI(
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
    docs=VendoredSwagger(),
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


# django-ninja's own refusal of a session-authenticated write without its token.
NINJA_CSRF_MESSAGE = "CSRF check Failed"


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    if exc.status_code == 403 and exc.message == NINJA_CSRF_MESSAGE:
        return error(request, 403, "csrf_failed", _csrf_message())
    return error(request, exc.status_code, getattr(exc, "code", "error"), exc.message)


@api.exception_handler(RequestDataTooBig)
def on_too_large(request, exc):
    return error(request, 413, "too_large", _("The request is too large."))


# Django's own error pages, in the API's shape under /api/ -----------------
# (vigil.urls' handlers and its CSRF failure view answer these for /api/ paths)


def _json(status, code, message):
    body = {"error": {"code": code, "message": str(message)}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def is_api(request):
    return request.path_info.startswith("/api/")


def bad_request(request, exception=None):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE read outside an operation, or
    another request Django refused."""
    if isinstance(exception, RequestDataTooBig):
        return _json(413, "too_large", _("The request is too large."))
    return _json(400, "bad_request", _("The request is not valid."))


def page_not_found(request, exception=None):
    """An unknown path (an operation's own 404 is `on_not_found`)."""
    return _json(404, "not_found", _("Not found."))


def forbidden(request, exception=None):
    """PermissionDenied raised outside an operation (an operation's own 403 is `on_forbidden`)."""
    return _json(403, "forbidden", str(exception or "") or _("Your task groups do not allow this."))


def server_error(request):
    return _json(500, "server_error", _("Something went wrong on the server. Try again later."))


def csrf_failure(request, reason=""):
    return _json(403, "csrf_failed", _csrf_message())


def _csrf_message():
    return _("The security check of this form failed: reload the page and try again.")
