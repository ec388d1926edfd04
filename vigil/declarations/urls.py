"""Staff pages (mounted under /declarations/): entry, import, list, detail, scanner."""

from django.urls import path

from .models import Channel
from .views import entry, records

app_name = "declarations"
urlpatterns = [
    path("", records.declaration_list, name="list"),
    path("<int:declaration_id>/", records.declaration_detail, name="detail"),
    path("<int:declaration_id>/review/", records.review, name="review"),
    path("scan/", records.scan, name="scan"),
    path("external/", records.external_qr, name="external"),
    path("new/", entry.staff_entry, name="new"),
    path(
        "new/checkpoint/",
        entry.staff_entry,
        {"channel": Channel.CHECKPOINT},
        name="new-checkpoint",
    ),
    path("new/matches/", entry.entry_matches, name="matches"),
    path("import/", entry.paper_import, name="import"),
    path("import/template.xlsx", entry.import_template, name="import-template"),
]
