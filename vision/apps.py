from django.apps import AppConfig


class VisionConfig(AppConfig):
    name = "vision"

    def ready(self) -> None:
        from collaborative.personal_data import register
        from vision.personal_data import PART

        register(PART)
