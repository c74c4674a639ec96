from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self) -> None:
        from collaborative import personal_data as personal_data_registry

        # Turning on two-step sign-in ends the person's other sessions (a receiver of allauth's signal).
        from members import emails, sessions  # noqa: F401
        from members.personal_data import ACCOUNT, MEMBERS, SITE_ADMINISTRATION
        from notifications import kinds

        # The app's kinds of email, for the outbox and the preferences page.
        kinds.register(*emails.KINDS)
        # Its parts of "Download my data" and of erasure.
        for part in (MEMBERS, SITE_ADMINISTRATION, ACCOUNT):
            personal_data_registry.register(part)
