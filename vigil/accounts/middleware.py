"""Holds an account whose password an administrator issued at the password
change page until the person has chosen their own.

An administrator sees the password they issue (a new account, a reset), so
until it is replaced the account is not the person's alone. After sign-in
(and after the second step, which TwoFactorMiddleware holds before this) every
page redirects to the change page; logging out, switching the language and the
health check stay open. The API sees such a session as anonymous; personal API
tokens are unaffected (they set request.user themselves, and a reset revoked
the old ones).
"""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseRedirect
from django.urls import reverse

from .twofactor import ALWAYS_OPEN, pending_step

CHANGE_PAGE = "accounts:password"


class ForcePasswordChangeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(user, "must_change_password", False):
            return None
        if pending_step(request) is not None:
            return None  # the second step first (TwoFactorMiddleware holds the session there)
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in ALWAYS_OPEN or name == CHANGE_PAGE:
            return None
        if match is not None and match.namespace == "api":
            request.user = AnonymousUser()
            return None
        url = reverse(CHANGE_PAGE)
        if request.headers.get("HX-Request"):
            from django_htmx.http import HttpResponseClientRedirect

            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
