from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"

    def ready(self) -> None:
        # Each part registers its emails, hooks and personal data here (issue 18).
        # ---- The inbound part: the answer to a reply by email that could not be added.
        from discussions import inbound_emails
        from notifications import kinds

        kinds.register(*inbound_emails.KINDS, topic="Discussions")
