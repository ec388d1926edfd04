"""Test results (mounted under /tests/)."""

from django.urls import path

from . import views, views_positive

app_name = "testing"
urlpatterns = [
    path("", views.people_list, name="list"),
    path("person/<int:person_id>/", views.person_tests, name="person"),
    path("batch/", views.batch, name="batch"),
    path("import/", views.lab_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import-template"),
    path("stats/", views.stats, name="stats"),
    path("positive/", views_positive.positive_list, name="positive"),
    path(
        "positive/<int:person_id>/handle/",
        views_positive.positive_handle,
        name="positive-handle",
    ),
]
