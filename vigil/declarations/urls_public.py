"""The citizens' public pages (mounted under /khai-bao/): R-D3, R-D4."""

from django.urls import path

from vigil.verification import views_registration as registration

from . import views_public as views

app_name = "public"
urlpatterns = [
    # Registration to return (R-V6), before travelling.
    path("registrations/", registration.mine, name="registrations"),
    path("registrations/new/", registration.new, name="registration-new"),
    path("registrations/<str:registration_code>/", registration.detail, name="registration"),
    path(
        "registrations/<str:registration_code>/declare/",
        registration.declare,
        name="registration-declare",
    ),
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
