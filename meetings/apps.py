from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        from collaborative.personal_data import register
        from meetings.personal_data import PART

        register(PART)

        # Someone whose membership ends is no longer coming to meetings; members know nothing of meetings.
        from meetings.services import rsvps_withdraw
        from members import hooks

        hooks.on_membership_ended(rsvps_withdraw)
