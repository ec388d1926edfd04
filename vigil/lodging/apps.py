from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LodgingConfig(AppConfig):
    name = "vigil.lodging"
    label = "lodging"

    def ready(self):
        post_migrate.connect(_reinstall, sender=self, dispatch_uid="vigil.lodging.colour")


def _reinstall(sender, using="default", **kwargs):
    from . import colour

    colour.reinstall_after_migrate(using)
