from django.apps import AppConfig


class VisionConfig(AppConfig):
    name = "vision"

    def ready(self) -> None:
        # The app's kinds of email, for the outbox and the preferences page.
        from notifications.kinds import register
        from vision import emails

        register(*emails.KINDS)
