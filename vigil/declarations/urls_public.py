"""The citizens' public pages (mounted under /khai-bao/): R-D3, R-D4."""

from django.urls import path

from . import views_public as views

app_name = "public"
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
