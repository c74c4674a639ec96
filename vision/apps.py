from django.apps import AppConfig


class VisionConfig(AppConfig):
    name = "vision"

    def ready(self) -> None:
        from collaborative.personal_data import register
        from vision.personal_data import PART

        register(PART)

        # Answers in open rounds follow the profile, and a new Collaborative starts with the
        # five key roles; members know nothing of rounds.
        from members import hooks
        from vision.services import framework_start, responses_reshare

        hooks.on_profile_changed(responses_reshare)
        hooks.on_collaborative_created(framework_start)
