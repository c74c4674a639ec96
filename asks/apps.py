from django.apps import AppConfig


class AsksConfig(AppConfig):
    name = "asks"

    def ready(self) -> None:
        # ---- The responder's side (issue 17): emails, and the overdue asks in the actions digest and overview.
        from actions import hooks as action_hooks
        from asks import emails, personal_data
        from asks.selectors import overdue_section
        from collaborative import personal_data as personal_data_registry
        from notifications import kinds

        # The app's kinds of email, for the outbox and the preferences page.
        kinds.register(*emails.KINDS, topic="Asks to other organisations")
        # Asks gone past their due date, beside the overdue actions (see actions/hooks.py).
        action_hooks.on_overview(overdue_section)
        # Its part of "Download my data" and of erasure.
        personal_data_registry.register(personal_data.PART)
