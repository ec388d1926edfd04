"""Staff entry, paper import and the channel lists (mounted under /declarations/)."""

from django.urls import path

from . import views_staff
from .models import Channel

urlpatterns = [
    path("", views_staff.declaration_list, name="list"),
    path("new/", views_staff.staff_entry, name="new"),
    path(
        "new/checkpoint/",
        views_staff.staff_entry,
        {"channel": Channel.CHECKPOINT},
        name="new-checkpoint",
    ),
    path("new/matches/", views_staff.entry_matches, name="matches"),
    path("import/", views_staff.paper_import, name="import"),
    path("import/template.xlsx", views_staff.import_template, name="import-template"),
]
