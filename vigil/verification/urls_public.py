"""The citizens' registrations to return (R-V6), before travelling: mounted under
/khai-bao/ with the declaration pages (namespace "public", see vigil/urls.py)."""

from django.urls import path

from vigil.core.permissions import citizen

from .views import citizen as registration

urlpatterns = [
    path("registrations/", registration.mine, name="registrations"),
    path("registrations/new/", registration.new, name="registration-new"),
    path("registrations/<str:registration_code>/", registration.detail, name="registration"),
    path(
        "registrations/<str:registration_code>/declare/",
        registration.declare,
        name="registration-declare",
    ),
]

# Every page here is a citizen's: reached with the phone the session verified
# (or, for the result page and QR, by staff of the record's jurisdiction).
for _pattern in urlpatterns:
    citizen(_pattern.callback)
