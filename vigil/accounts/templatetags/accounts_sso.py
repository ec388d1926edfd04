"""What the login page offers: the government SSO button, the password form."""

from django import template
from django.conf import settings

from vigil.accounts import sso

register = template.Library()


@register.simple_tag(takes_context=True)
def login_options(context):
    """{"sso": SSO configured, "local": passwords for everyone,
    "password_form": show the password form}. With local logins off, the form
    shows only at ?local=1 (the break-glass accounts) or after a refused try."""
    request = context.get("request")
    form = context.get("form")
    local = settings.VIGIL_LOCAL_LOGIN
    asked = request is not None and request.GET.get("local") == "1"
    tried = form is not None and form.is_bound
    return {
        "sso": sso.enabled(),
        "local": local,
        "password_form": local or asked or tried or not sso.enabled(),
    }
