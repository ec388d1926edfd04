from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vigil.core"
    label = "core"

    def ready(self):
        from vigil.core import checks  # noqa: F401  (registers the start-up checks)
