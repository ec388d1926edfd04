from django.urls import include, path

from . import views

app_name = "reports"
urlpatterns = [
    path("exports/", views.my_exports, name="exports"),
    path("exports/<int:export_id>/", views.download, name="download"),
    path("exports/<int:export_id>/progress/", views.progress, name="progress"),
    path("export/", views.start, name="export"),
    path("", include("vigil.reports.stats.urls")),
]
