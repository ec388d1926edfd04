from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TriageConfig(AppConfig):
    name = "vigil.triage"
    label = "triage"

    def ready(self):
        # Every declaration's colour comes from this app's rules (R-M1).
        from vigil.declarations import risk

        from . import engine

        risk.provide(engine)
        post_migrate.connect(_reinstall, sender=self, dispatch_uid="vigil.triage.stamp")


def _reinstall(sender, using="default", **kwargs):
    from . import stamp

    stamp.reinstall_after_migrate(using)
