from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"

    def ready(self) -> None:
        # Discussions: emails, personal data, and the discussions shown on the pages of what they are about (a
        # meeting's agenda items, a goal, an action); those apps know nothing of discussions. The kinds of email
        # go in the order tests/notifications/test_kinds.py reads the modules: emails, inbound_emails, poll_emails.
        from actions import panels as action_panels
        from collaborative import personal_data as personal_data_registry
        from discussions import emails, inbound_emails, personal_data, poll_emails, unread
        from discussions.polls import meeting_panel
        from discussions.selectors import linked_to_action, linked_to_goal, linked_to_meeting
        from meetings import panels as meeting_panels
        from notifications import digest, kinds
        from vision import panels as goal_panels

        kinds.register(*emails.KINDS, topic="Discussions")
        # The answer to a reply by email that could not be added.
        kinds.register(*inbound_emails.KINDS, topic="Discussions")
        kinds.register(*poll_emails.KINDS, topic="Polls and proposals")
        personal_data_registry.register(personal_data.PART)
        meeting_panels.register(
            meeting_panels.Panel(
                page=meeting_panels.DETAIL,
                template="discussions/_linked.html",
                context=lambda meeting, membership: linked_to_meeting(meeting),
            )
        )
        # The quick polls run during a meeting, on its page.
        meeting_panels.register(
            meeting_panels.Panel(
                page=meeting_panels.DETAIL, template="discussions/poll_meeting_panel.html", context=meeting_panel
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
        # "Mark all as read" at the foot of every digest.
        digest.register_link(unread.digest_link)
