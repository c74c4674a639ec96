from django.apps import AppConfig


class AsksConfig(AppConfig):
    name = "asks"

    def ready(self) -> None:
        # ---- The responder's side (issue 17): emails, and the overdue asks in the actions digest and overview.
        from actions import hooks as action_hooks
        from asks import emails
        from asks.selectors import overdue_section
        from notifications import kinds

        # The app's kinds of email, for the outbox and the preferences page.
        kinds.register(*emails.KINDS, topic="Asks to other organisations")
        # Asks gone past their due date, beside the overdue actions (see actions/hooks.py).
        action_hooks.on_overview(overdue_section)
