from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self) -> None:
        from collaborative import personal_data as personal_data_registry
        from meetings import hooks as meeting_hooks
        from payments import personal_data
        from payments.services import lines_for_register

        # Its part of "Download my data" and of erasure.
        personal_data_registry.register(personal_data.PART)

        # Coming to a meeting makes the person's payment for it (see meetings/hooks.py).
        meeting_hooks.on_register_marked(lines_for_register)
