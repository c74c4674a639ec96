from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from collaborative.personal_data import register
        from notifications.personal_data import PART

        register(PART)
