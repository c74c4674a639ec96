from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"

    def ready(self) -> None:
        from actions import emails, personal_data
        from actions.selectors import meeting_actions
        from collaborative import personal_data as personal_data_registry
        from meetings import panels
        from notifications import kinds

        # The app's kinds of email, for the outbox and the preferences page.
        kinds.register(*emails.KINDS, topic="Actions")
        # Its part of "Download my data" and of erasure.
        personal_data_registry.register(personal_data.PART)

        # A meeting's page and its printed agenda list its actions; meetings know nothing of actions.
        def found(meeting, membership):
            return meeting_actions(meeting)

        panels.register(panels.Panel(page=panels.DETAIL, template="actions/_meeting_actions.html", context=found))
        panels.register(
            panels.Panel(page=panels.AGENDA_PRINT, template="actions/_agenda_print_actions.html", context=found)
        )
