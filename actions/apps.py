from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"

    def ready(self) -> None:
        # The app's kinds of email, for the outbox and the preferences page.
        from actions import emails
        from notifications.kinds import register

        register(*emails.KINDS)
