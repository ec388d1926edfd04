from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


class ReportsConfig(AppConfig):
    name = "vigil.reports"
    label = "reports"

    def ready(self):
        pre_migrate.connect(_drop, sender=self, dispatch_uid="vigil.reports.tally.drop")
        post_migrate.connect(_reinstall, sender=self, dispatch_uid="vigil.reports.tally")


def _drop(sender, using="default", **kwargs):
    """SQLite: no trigger may outlive the start of a migration. A trigger on
    one table whose body names another (the tally's on test results name the
    declarations) breaks SQLite's rebuild of that other table when a field
    is added; they all come back after the migration (post_migrate)."""
    if connections[using].vendor != "sqlite":
        return
    from . import rollups, tally

    tally.drop_triggers(using)
    rollups.drop_triggers(using)


def _reinstall(sender, using="default", **kwargs):
    from . import tally

    tally.reinstall_after_migrate(using)
