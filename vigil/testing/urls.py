"""Test results (mounted under /tests/)."""

from django.urls import path

from .views import positive, results

app_name = "testing"
urlpatterns = [
    path("", results.people_list, name="list"),
    path("person/<int:person_id>/", results.person_tests, name="person"),
    path("batch/", results.batch, name="batch"),
    path("import/", results.lab_import, name="import"),
    path("import/template.xlsx", results.import_template, name="import-template"),
    path("stats/", results.stats, name="stats"),
    path("positive/", positive.positive_list, name="positive"),
    path(
        "positive/<int:person_id>/handle/",
        positive.positive_handle,
        name="positive-handle",
    ),
]
