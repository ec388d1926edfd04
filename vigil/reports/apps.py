from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "vigil.reports"
    label = "reports"

    def ready(self):
        post_migrate.connect(_reinstall, sender=self, dispatch_uid="vigil.reports.tally")


def _reinstall(sender, using="default", **kwargs):
    from . import tally

    tally.reinstall_after_migrate(using)
