from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"

    def ready(self) -> None:
        # Each part registers its emails, hooks and personal data here (issue 18).
        # ---- The inbound part: the answer to a reply by email that could not be added.
        from discussions import inbound_emails
        from notifications import kinds

        kinds.register(*inbound_emails.KINDS, topic="Discussions")

        # --- Polls part (issue 18): its emails, and the quick polls on a meeting's page. ---
        from discussions import poll_emails
        from discussions.polls import meeting_panel
        from meetings import panels

        kinds.register(*poll_emails.KINDS, topic="Polls and proposals")
        panels.register(
            panels.Panel(page=panels.DETAIL, template="discussions/poll_meeting_panel.html", context=meeting_panel)
        )
        # --- End of the polls part. ---
        # --- Digest part (issue 18): "Mark all as read" at the foot of every digest. ---
        from discussions import unread
        from notifications import digest

        digest.register_link(unread.digest_link)
