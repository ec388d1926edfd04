from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "vigil.verification"
    label = "verification"
