"""Verification of arrivals (mounted under /verification/)."""

from django.urls import path

from . import views, views_approvals

app_name = "verification"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("students/", views.students, name="students"),
    path("medical/", views.queue, {"queue": "medical"}, name="medical"),
    path("failed/", views.queue, {"queue": "failed"}, name="failed"),
    path("amended/", views.queue, {"queue": "amended"}, name="amended"),
    path("approvals/", views_approvals.queue, name="approvals"),
    path("approvals/<int:registration_id>/", views_approvals.decide, name="decide"),
    path("<int:declaration_id>/", views.verify, name="verify"),
]

# The military command's queue (R-V7).
from . import views_military  # noqa: E402

urlpatterns += [
    path("military/", views_military.queue, name="military"),
    path("military/<int:declaration_id>/", views_military.verify, name="military-verify"),
]
