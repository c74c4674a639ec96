from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self) -> None:
        # Turning on two-step sign-in ends the person's other sessions (a receiver of allauth's signal).
        from members import sessions  # noqa: F401
