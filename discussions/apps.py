from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"

    def ready(self) -> None:
        # Each part registers its emails, hooks and personal data here (issue 18).
        # ---- Discussions (the threads part): emails, personal data, and the discussions shown on the pages of
        # what they are about (a meeting's agenda items, a goal, an action); those apps know nothing of discussions.
        from actions import panels as action_panels
        from collaborative import personal_data as personal_data_registry
        from discussions import emails, personal_data
        from discussions.selectors import linked_to_action, linked_to_goal, linked_to_meeting
        from meetings import panels as meeting_panels
        from notifications import kinds
        from vision import panels as goal_panels

        kinds.register(*emails.KINDS, topic="Discussions")
        personal_data_registry.register(personal_data.PART)
        meeting_panels.register(
            meeting_panels.Panel(
                page=meeting_panels.DETAIL,
                template="discussions/_linked.html",
                context=lambda meeting, membership: linked_to_meeting(meeting),
            )
        )
        goal_panels.register(
            goal_panels.Panel(
                template="discussions/_linked.html", context=lambda goal, membership: linked_to_goal(goal)
            )
        )
        action_panels.register(
            action_panels.Panel(
                template="discussions/_linked.html", context=lambda action, membership: linked_to_action(action)
            )
        )
