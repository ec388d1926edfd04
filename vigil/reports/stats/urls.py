"""Statistics and the dashboard (mounted under /reports/, names in `reports:`)."""

from django.urls import path

from . import views as stats_views

urlpatterns = [
    path("stats/", stats_views.stats_table, name="stats"),
    path(
        "stats/departure/", stats_views.stats_table, {"rows": "departure"}, name="stats-departure"
    ),
    path("stats/vehicles/", stats_views.stats_table, {"rows": "vehicle"}, name="stats-vehicles"),
    path("stats/paper/", stats_views.paper_share, name="stats-paper"),
    path("stats/people/", stats_views.stats_people, name="stats-people"),
    path("dashboard/", stats_views.dashboard, name="dashboard"),
]
