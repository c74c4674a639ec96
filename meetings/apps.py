from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        from collaborative.personal_data import register
        from meetings.personal_data import PART

        register(PART)
