from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"

    def ready(self) -> None:
        from actions.personal_data import PART
        from collaborative.personal_data import register

        register(PART)
