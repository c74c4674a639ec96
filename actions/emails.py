"""What the action emails show beyond the action itself: computed when each email is written.

notifications/kinds.py calls these as the kinds' `context`. "Today" is the day the email
was due to go (the scan that queued it), in the Collaborative's time zone, so an email
says the same thing however late the worker writes it.
"""

from datetime import date, datetime, time

from django.db.models import Count
from django.urls import reverse

from actions.models import Action, ActionChange
from actions.selectors import meeting_actions
from actions.services import DUE_SOON_DAYS, next_follow_up_day
from notifications.services import site_url

# An overdue list longer than this is cut short in the monthly summary; the log has the rest.
SUMMARY_OVERDUE_SHOWN = 20


def _day_of(message) -> date:
    return message.collaborative.local_now(message.due_at).date()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _log_url(collaborative, query: str = "") -> str:
    return site_url(reverse("actions:log", kwargs={"slug": collaborative.slug})) + query


def assigned_context(message) -> dict:
    """Who made the person the owner: whoever recorded the action, or whoever changed its owner."""
    action = message.about
    by = None
    if action is not None:
        step = message.occasion.rsplit("-", 1)[-1]
        if step == "created":
            by = action.created_by
        elif step.isdigit():
            change = (
                ActionChange.objects.filter(pk=int(step), action=action, field="owner")
                .select_related("changed_by")
                .first()
            )
            by = change.changed_by if change else None
    return {"assigned_by": by, "reminders": _reminders(action, _day_of(message)) if action else ""}


def _reminders(action: Action, today: date) -> str:
    """When the new owner will hear from us next: no reminder that would repeat this email."""
    next_day = next_follow_up_day(action.due_on, today)
    if next_day < action.due_on:
        return f"We will remind you {DUE_SOON_DAYS} days before it is due."
    if next_day == action.due_on:
        return "We will remind you on the day it is due."
    return f"If it is not done, we will remind you once a week, starting on {next_day:%A} {next_day.day} {next_day:%B}."


def follow_up_stage(occasion: str) -> tuple[str, date, int]:
    """("due_soon" | "due" | "overdue", the due date it was for, weeks overdue) from an occasion
    that actions.services.follow_up_occasion made."""
    for stage, prefix in (("due_soon", "due-soon-"), ("due", "due-"), ("overdue", "overdue-")):
        if occasion.startswith(prefix):
            rest = occasion.removeprefix(prefix)
            weeks = int(rest[11:]) if stage == "overdue" else 0
            return stage, date.fromisoformat(rest[:10]), weeks
    raise ValueError(f"Not a follow-up occasion: {occasion}")


def follow_up_context(message) -> dict:
    """Which follow-up this is, in words: "due in 3 days", "due today", "overdue by 2 weeks"."""
    stage, due_on, weeks = follow_up_stage(message.occasion)
    today = _day_of(message)
    if stage == "overdue":
        when = f"overdue by {_plural(weeks, 'week')}"
    elif due_on > today:
        days = (due_on - today).days
        when = "due tomorrow" if days == 1 else f"due in {days} days"
    elif due_on == today:
        when = "due today"
    else:
        when = f"overdue by {_plural((today - due_on).days, 'day')}"
    return {"stage": stage, "due_on": due_on, "when": when, "overdue": due_on < today}


def digest_context(message) -> dict:
    """The actions facilitators review at the meeting: overdue, due by the meeting, changed since the last one."""
    meeting = message.about
    today = _day_of(message)
    meeting_day = meeting.local_start.date()
    found = meeting_actions(meeting)
    overdue, due, changed = [], [], []
    for action in found.arising:
        if action.is_overdue(today):
            overdue.append(action)
        elif action.is_live and action.due_on <= meeting_day:
            due.append(action)
        else:
            changed.append(action)
    return {
        "overdue_actions": overdue,
        "due_actions": due,
        "changed_actions": changed,
        "previous_meeting": found.since,
        "overdue_url": _log_url(meeting.collaborative, "?overdue=on"),
    }


def _month_start(day: date, time_zone) -> datetime:
    return datetime.combine(day.replace(day=1), time(0), tzinfo=time_zone)


def summary_context(message) -> dict:
    """For commissioners on the first of the month: counts, what was done last month, and what is overdue."""
    collaborative = message.collaborative
    today = _day_of(message)
    month = date.fromisoformat(f"{message.occasion.removeprefix('summary-')}-01")
    last_month = date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)
    zone = collaborative.local_now().tzinfo
    actions = Action.objects.filter(collaborative=collaborative)
    by_status = dict(actions.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    overdue = actions.overdue(today).select_related("owner", "collaborative").order_by("due_on", "id")
    overdue_count = overdue.count()
    return {
        "month": month,
        "last_month": last_month,
        "counts": [
            ("Open", by_status.get(Action.Status.OPEN, 0)),
            ("In progress", by_status.get(Action.Status.IN_PROGRESS, 0)),
            ("Blocked", by_status.get(Action.Status.BLOCKED, 0)),
            (
                f"Done in {last_month:%B}",
                actions.filter(
                    status=Action.Status.DONE,
                    done_at__gte=_month_start(last_month, zone),
                    done_at__lt=_month_start(month, zone),
                ).count(),
            ),
            ("Overdue", overdue_count),
        ],
        "overdue_actions": list(overdue[:SUMMARY_OVERDUE_SHOWN]),
        "overdue_more": max(0, overdue_count - SUMMARY_OVERDUE_SHOWN),
        "dashboard_url": site_url(reverse("actions:dashboard", kwargs={"slug": collaborative.slug})),
        "overdue_url": _log_url(collaborative, "?overdue=on"),
    }


def done_context(message) -> dict:
    """For "you said, we did": the agenda item the person raised, and the last update on the action."""
    action = message.about
    if action is None:
        return {}
    return {
        "agenda_item": action.agenda_item,
        "latest_update": action.updates.order_by("-created_at", "-id").first(),
    }
