from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


class LodgingConfig(AppConfig):
    name = "vigil.lodging"
    label = "lodging"

    def ready(self):
        pre_migrate.connect(_drop, sender=self, dispatch_uid="vigil.lodging.colour.drop")
        post_migrate.connect(_reinstall, sender=self, dispatch_uid="vigil.lodging.colour")


def _drop(sender, using="default", **kwargs):
    """SQLite: the stays' triggers name the declarations table, so they must
    not exist while a migration rebuilds it (they come back after it)."""
    if connections[using].vendor == "sqlite":
        from . import colour

        colour.drop_triggers(using)


def _reinstall(sender, using="default", **kwargs):
    from . import colour

    colour.reinstall_after_migrate(using)
