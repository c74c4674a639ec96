from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self) -> None:
        from collaborative.personal_data import register

        # Turning on two-step sign-in ends the person's other sessions (a receiver of allauth's signal).
        from members import sessions  # noqa: F401
        from members.personal_data import ACCOUNT, MEMBERS, SITE_ADMINISTRATION

        for part in (MEMBERS, SITE_ADMINISTRATION, ACCOUNT):
            register(part)
