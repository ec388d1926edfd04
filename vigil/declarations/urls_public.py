"""The citizens' declaration pages (mounted under /khai-bao/, namespace "public",
with the registrations to return of vigil.verification): R-D3, R-D4."""

from django.urls import path

from vigil.core.permissions import citizen

from .views import citizen as views

urlpatterns = [
    path("", views.start, name="start"),
    path("code/", views.enter_code, name="code"),
    path("leave/", views.leave, name="leave"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.new, name="new"),
    path("d/<str:code>/", views.result, name="result"),
    path("d/<str:code>/qr.png", views.qr_png, name="qr-png"),
    path("d/<str:code>/qr.svg", views.qr_svg, name="qr-svg"),
    path("d/<str:code>/edit/", views.edit, name="edit"),
]

# Every page here is a citizen's: reached with the phone the session verified
# (or, for the result page and QR, by staff of the record's jurisdiction).
for _pattern in urlpatterns:
    citizen(_pattern.callback)
