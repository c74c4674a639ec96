from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from collaborative import personal_data as personal_data_registry
        from collaborative.freshness import install_triggers

        # Turning on two-step sign-in ends the person's other sessions (a receiver of allauth's signal).
        from members import emails, sessions  # noqa: F401
        from members.personal_data import ACCOUNT, MEMBERS, SITE_ADMINISTRATION
        from notifications import kinds

        # The app's kinds of email, for the outbox and the preferences page.
        kinds.register(*[kind for kind in emails.KINDS if kind is not emails.DIGEST], topic="Joining a Collaborative")
        kinds.register(emails.DIGEST, topic="Your digest")
        # Every table gets the trigger that tells cached parts of pages the data has changed.
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="collaborative.freshness.install_triggers")
        # Its parts of "Download my data" and of erasure.
        for part in (MEMBERS, SITE_ADMINISTRATION, ACCOUNT):
            personal_data_registry.register(part)
