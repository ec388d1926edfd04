from django.urls import path

from . import views

app_name = "triage"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:declaration_id>/", views.verify, name="verify"),
    path("rules/", views.rules, name="rules"),
    path("areas/", views.areas, name="areas"),
]
