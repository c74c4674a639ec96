from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self) -> None:
        from collaborative import personal_data as personal_data_registry
        from meetings import hooks as meeting_hooks
        from notifications import kinds
        from payments import emails, personal_data
        from payments.services import lines_for_register

        # The app's kinds of email, for the outbox and the preferences page.
        kinds.register(*emails.KINDS, topic="Payments and expenses")
        # Its part of "Download my data" and of erasure.
        personal_data_registry.register(personal_data.PART)

        # Coming to a meeting makes the person's payment for it (see meetings/hooks.py).
        meeting_hooks.on_register_marked(lines_for_register)
