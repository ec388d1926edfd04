import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """Vietnamese unless the user chose otherwise.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and
    most staff phones are set to English; the province wants Vietnamese first,
    so only an explicit choice (the language cookie) changes it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if lang not in self.codes:
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        return response


class SecurityHeadersMiddleware:
    """A Content-Security-Policy with no inline script and nothing off-site."""

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = policy_with_tiles(self.POLICY, settings.VIGIL_MAP_TILES)
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self)")
        return response


def tile_origin(template):
    """The origin of a map tile URL template, for img-src: the `{s}`
    subdomains of "https://{s}.tile.example.org/{z}/{x}/{y}.png" become a
    wildcard. Empty for no template or one that is not http(s)."""
    parts = urlsplit(template or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.netloc.rsplit("@", 1)[-1]
    labels = host.split(".")
    if labels and "{" in labels[0]:
        labels[0] = "*"
    if any("{" in label or "}" in label or not label for label in labels):
        return ""
    return f"{parts.scheme}://{'.'.join(labels)}"


@functools.lru_cache(maxsize=8)
def policy_with_tiles(policy, template):
    """The policy with the outbreak map's tile server allowed as images only."""
    origin = tile_origin(template)
    if not origin:
        return policy
    return policy.replace("img-src 'self' data: blob:;", f"img-src 'self' data: blob: {origin};")
