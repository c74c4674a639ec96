from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"

    def ready(self) -> None:
        # Each part registers its emails, hooks and personal data here (issue 18).
        pass
