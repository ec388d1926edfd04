from django.apps import AppConfig


class InvestigationConfig(AppConfig):
    name = "vigil.investigation"
    label = "investigation"

    def ready(self):
        # "Passed through an outbreak location" is a fact the risk rules can
        # weigh (R-M1); this app knows the outbreaks and the itineraries.
        from vigil.declarations import transitions
        from vigil.triage.engine import register_fact_provider

        from . import facts, monitoring

        register_fact_provider("outbreak_visit", facts.outbreak_visits)
        # A surveillance decision of home quarantine or monitoring opens a
        # monitoring period (R-E5).
        transitions.after_transition(monitoring.on_declaration_transition)
