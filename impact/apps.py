from django.apps import AppConfig


class ImpactConfig(AppConfig):
    name = "impact"
    verbose_name = "What changed"

    def ready(self) -> None:
        from collaborative import personal_data as personal_data_registry
        from impact import personal_data

        # Its part of "Download my data" and of erasure.
        personal_data_registry.register(personal_data.PART)
