from django.urls import include, path

from vigil.api.api import api

urlpatterns = [
    path("", include("vigil.core.urls")),
    path("accounts/", include("vigil.accounts.urls")),
    path("people/", include("vigil.people.urls")),
    path("areas/", include("vigil.areas.urls")),
    path("declarations/", include("vigil.declarations.urls")),
    path("khai-bao/", include("vigil.declarations.urls_public")),
    path("verification/", include("vigil.verification.urls")),
    path("triage/", include("vigil.triage.urls")),
    path("quarantine/", include("vigil.quarantine.urls")),
    path("tests/", include("vigil.testing.urls")),
    path("audit/", include("vigil.audit.urls")),
    path("reports/", include("vigil.reports.urls")),
    path("api/v1/", api.urls),
]
