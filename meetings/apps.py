from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        # The app's kinds of email, for the outbox and the preferences page.
        from meetings import emails
        from notifications.kinds import register

        register(*emails.KINDS)
