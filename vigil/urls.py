from django.urls import include, path

from vigil.api import instance as api_errors
from vigil.api.api import api
from vigil.core import views as error_pages
from vigil.core.views import home
from vigil.declarations import urls_public as declaration_pages
from vigil.verification import urls_public as registration_pages

# The citizens' pages: their declarations and their registrations to return.
citizen_pages = registration_pages.urlpatterns + declaration_pages.urlpatterns

urlpatterns = [
    # The API first: a phone's declaration is resolved before the ~100 page
    # patterns are tried (no page pattern starts with api/v1/).
    path("api/v1/", api.urls),
    path("", home, name="home"),
    path("", include("vigil.core.urls")),
    path("accounts/", include("vigil.accounts.urls")),
    path("people/", include("vigil.people.urls")),
    path("areas/", include("vigil.areas.urls")),
    path("declarations/", include("vigil.declarations.urls")),
    path("khai-bao/", include((citizen_pages, "public"))),
    path("verification/", include("vigil.verification.urls")),
    path("triage/", include("vigil.triage.urls")),
    path("quarantine/", include("vigil.quarantine.urls")),
    path("tests/", include("vigil.testing.urls")),
    path("investigation/", include("vigil.investigation.urls")),
    path("lodging/", include("vigil.lodging.urls")),
    path("audit/", include("vigil.audit.urls")),
    path("reports/", include("vigil.reports.urls")),
    path("jobs/", include("vigil.jobs.urls")),
]


# Django's error pages; under /api/ they answer in the API's JSON error shape
# (vigil.api.instance), elsewhere Vigil's pages (vigil.core.views).


def bad_request(request, exception=None):
    if api_errors.is_api(request):
        return api_errors.bad_request(request, exception)
    return error_pages.bad_request(request, exception)


def page_not_found(request, exception=None):
    if api_errors.is_api(request):
        return api_errors.page_not_found(request, exception)
    return error_pages.page_not_found(request, exception)


def permission_denied(request, exception=None):
    if api_errors.is_api(request):
        return api_errors.forbidden(request, exception)
    return error_pages.permission_denied(request, exception)


def server_error(request):
    if api_errors.is_api(request):
        return api_errors.server_error(request)
    return error_pages.server_error(request)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW."""
    if api_errors.is_api(request):
        return api_errors.csrf_failure(request, reason)
    return error_pages.csrf_failure(request, reason)


handler400 = bad_request
handler403 = permission_denied
handler404 = page_not_found
handler500 = server_error
