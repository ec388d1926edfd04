from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "vigil.reports"
    label = "reports"
