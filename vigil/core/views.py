import logging

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .menu import worklists_for
from .permissions import OWN_ACCOUNT, public, requires

logger = logging.getLogger(__name__)


@requires(OWN_ACCOUNT)
def home(request):
    """The signed-in account's home: its module menu and worklist counts."""
    counts = {url: n for _label, url, n in worklists_for(request.user)}
    return render(request, "core/home.html", {"counts": counts})


@public
@never_cache
def healthz(request):
    """200 when the database answers, 503 otherwise (for the load balancer)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


@public
@require_POST
def set_language(request):
    """Remember the chosen language in a cookie and go back where the user was."""
    lang = request.POST.get("language")
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        nxt = "/"
    response = HttpResponseRedirect(nxt)
    if lang in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


# Error pages (vigil.urls' handlers call these outside /api/) ---------------
# 403 and 404 are inside the normal layout, with the menu of a signed-in
# account; 400, 500 and a CSRF failure use a plain layout that needs neither
# the database nor the request (errors/plain_base.html), as does any page
# whose full rendering fails.


def bad_request(request, exception=None):
    return _plain_page("400.html", 400)


def permission_denied(request, exception=None):
    # A PermissionDenied raised with a message (a translated one, from a
    # service) says why; the `requires` decorator raises it without one.
    reason = str(exception or "") or _("Your task groups do not allow this.")
    return _page(request, "403.html", 403, {"reason": reason})


def page_not_found(request, exception=None):
    return _page(request, "404.html", 404, {})


def server_error(request):
    return _plain_page("500.html", 500)


def csrf_failure(request, reason=""):
    return _plain_page("403_csrf.html", 403)


def _page(request, template, status, context):
    try:
        return render(request, template, {**context, "layout": "base.html"}, status=status)
    except Exception:
        # The menu or the account could not be read (the database is down...):
        # the same page in the plain layout rather than a second error.
        logger.exception("The %s page failed to render in the full layout", status)
        return _plain_page(template, status, context)


def _plain_page(template, status, context=None):
    context = {
        **(context or {}),
        "layout": "errors/plain_base.html",
        "vigil_site_name": settings.VIGIL_SITE_NAME,
    }
    return HttpResponse(loader.render_to_string(template, context), status=status)
