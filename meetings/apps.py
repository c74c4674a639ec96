from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        from collaborative import personal_data as personal_data_registry
        from meetings import emails, personal_data
        from meetings.services import rsvps_withdraw
        from members import hooks
        from notifications import kinds

        # The app's kinds of email, for the outbox and the preferences page.
        kinds.register(*emails.KINDS, topic="Meetings")
        # Its part of "Download my data" and of erasure.
        personal_data_registry.register(personal_data.PART)
        # Someone whose membership ends is no longer coming to meetings; members know nothing of meetings.
        hooks.on_membership_ended(rsvps_withdraw)
