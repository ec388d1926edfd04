from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "vigil.triage"
    label = "triage"

    def ready(self):
        # Every declaration's colour comes from this app's rules (R-M1).
        from vigil.declarations import risk

        from . import engine

        risk.provide(engine)
