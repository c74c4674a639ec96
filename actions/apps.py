from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"

    def ready(self) -> None:
        from actions.personal_data import PART
        from collaborative.personal_data import register

        register(PART)

        # A meeting's page and its printed agenda list its actions; meetings know nothing of actions.
        from actions.selectors import meeting_actions
        from meetings import panels

        def found(meeting, membership):
            return meeting_actions(meeting)

        panels.register(panels.Panel(page=panels.DETAIL, template="actions/_meeting_actions.html", context=found))
        panels.register(
            panels.Panel(page=panels.AGENDA_PRINT, template="actions/_agenda_print_actions.html", context=found)
        )
