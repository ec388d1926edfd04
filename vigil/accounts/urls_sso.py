"""The government SSO's pages (vigil.accounts.sso), included by accounts/urls.py.

Both are public: they are how one logs in. While the SSO is not configured
they answer 404.
"""

from django.urls import path

from vigil.core.permissions import public

from . import sso

urlpatterns = [
    path("login/", public(sso.only_when_enabled(sso.LoginView.as_view())), name="sso-login"),
    path(
        "callback/",
        public(sso.only_when_enabled(sso.CallbackView.as_view())),
        name="sso-callback",
    ),
]
