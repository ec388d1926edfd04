from django.urls import include, path

from vigil.api.api import api

urlpatterns = [
    path("", include("vigil.core.urls")),
    path("accounts/", include("vigil.accounts.urls")),
    path("people/", include("vigil.people.urls")),
    path("audit/", include("vigil.audit.urls")),
    path("api/v1/", api.urls),
]
