from django.apps import AppConfig


class VisionConfig(AppConfig):
    name = "vision"

    def ready(self) -> None:
        from collaborative import personal_data as personal_data_registry
        from members import hooks
        from notifications import kinds
        from vision import emails, personal_data
        from vision.services import framework_start, responses_reshare

        # The app's kinds of email, for the outbox and the preferences page.
        kinds.register(*emails.KINDS, topic="The vision and self-assessment")
        # Its part of "Download my data" and of erasure.
        personal_data_registry.register(personal_data.PART)
        # Answers in open rounds follow the profile, and a new Collaborative starts with the
        # five key roles; members know nothing of rounds.
        hooks.on_profile_changed(responses_reshare)
        hooks.on_collaborative_created(framework_start)
