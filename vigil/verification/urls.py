"""Verification of arrivals (mounted under /verification/)."""

from django.urls import path

from . import views

app_name = "verification"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("students/", views.queue, {"queue": "students"}, name="students"),
    path("medical/", views.queue, {"queue": "medical"}, name="medical"),
    path("failed/", views.queue, {"queue": "failed"}, name="failed"),
    path("approvals/", views.approvals, name="approvals"),
    path("<int:declaration_id>/", views.verify, name="verify"),
    path("<int:declaration_id>/approval/", views.decide, name="decide"),
]
