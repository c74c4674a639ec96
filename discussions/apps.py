from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"

    def ready(self) -> None:
        # Each part registers its emails, hooks and personal data here (issue 18).
        from discussions import unread
        from notifications import digest

        # "Mark all as read" at the foot of every digest.
        digest.register_link(unread.digest_link)
