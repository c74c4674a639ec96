from django.apps import AppConfig


class ImpactConfig(AppConfig):
    name = "impact"
    verbose_name = "What changed"

    def ready(self) -> None:
        pass
