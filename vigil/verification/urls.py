"""Verification of arrivals (mounted under /verification/)."""

from django.urls import path

from .views import approvals, arrivals, military

app_name = "verification"
urlpatterns = [
    path("", arrivals.queue, name="queue"),
    path("students/", arrivals.students, name="students"),
    path("medical/", arrivals.queue, {"queue": "medical"}, name="medical"),
    path("failed/", arrivals.queue, {"queue": "failed"}, name="failed"),
    path("amended/", arrivals.queue, {"queue": "amended"}, name="amended"),
    path("approvals/", approvals.queue, name="approvals"),
    path("approvals/<int:registration_id>/", approvals.decide, name="decide"),
    path("<int:declaration_id>/", arrivals.verify, name="verify"),
    # The military command's queue (R-V7).
    path("military/", military.queue, name="military"),
    path("military/<int:declaration_id>/", military.verify, name="military-verify"),
]
