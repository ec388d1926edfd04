from django.urls import include, path

from vigil.api.api import api
from vigil.core.views import home
from vigil.declarations import urls_public as declaration_pages
from vigil.verification import urls_public as registration_pages

# The citizens' pages: their declarations and their registrations to return.
citizen_pages = registration_pages.urlpatterns + declaration_pages.urlpatterns

urlpatterns = [
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
    path("audit/", include("vigil.audit.urls")),
    path("reports/", include("vigil.reports.urls")),
    path("jobs/", include("vigil.jobs.urls")),
    path("api/v1/", api.urls),
]
