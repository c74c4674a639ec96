from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from collaborative import personal_data as personal_data_registry
        from notifications import personal_data

        # Its part of "Download my data" and of erasure: the emails sent to the person and their choices.
        personal_data_registry.register(personal_data.PART)
