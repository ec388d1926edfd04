"""Two-step verification pages, included under /accounts/2fa/."""

from django.urls import path

from . import views_2fa

urlpatterns = [
    path("2fa/", views_2fa.manage, name="two-factor"),
    path("2fa/verify/", views_2fa.verify, name="two-factor-verify"),
    path("2fa/recovery-codes/", views_2fa.regenerate, name="two-factor-recovery-codes"),
    path("2fa/disable/", views_2fa.disable, name="two-factor-disable"),
]
