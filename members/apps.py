from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self) -> None:
        # The app's kinds of email, for the outbox and the preferences page.
        from members import emails
        from notifications.kinds import register

        register(*emails.KINDS)
        # Turning on two-step sign-in ends the person's other sessions (a receiver of allauth's signal).
        from members import sessions  # noqa: F401
