from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


class TriageConfig(AppConfig):
    name = "vigil.triage"
    label = "triage"

    def ready(self):
        # Every declaration's colour comes from this app's rules (R-M1).
        from vigil.declarations import risk

        from . import engine

        risk.provide(engine)
        pre_migrate.connect(_drop, sender=self, dispatch_uid="vigil.triage.stamp.drop")
        post_migrate.connect(_reinstall, sender=self, dispatch_uid="vigil.triage.stamp")


def _drop(sender, using="default", **kwargs):
    """SQLite: the stamp's triggers name the stamp's table, so they must not
    exist while a migration rebuilds a table (they come back after it)."""
    if connections[using].vendor == "sqlite":
        from . import stamp

        stamp.drop_triggers(connections[using])


def _reinstall(sender, using="default", **kwargs):
    from . import stamp

    stamp.reinstall_after_migrate(using)
