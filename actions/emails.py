"""The emails about actions (registered with notifications in ActionsConfig.ready()), and what
they show beyond the action itself, computed when each email is written.

The `context` functions below give each kind's templates their data. "Today" is the day the
email was due to go (the scan that queued it), in the Collaborative's time zone, so an email
says the same thing however late the worker writes it.
"""

from datetime import date, datetime, time

from django.db.models import Count
from django.urls import reverse

from actions.follow_ups import DUE_SOON_DAYS, next_follow_up_day
from actions.hooks import overview_sections
from actions.models import Action, ActionChange
from actions.selectors import meeting_actions
from notifications.kinds import DigestItem, Kind
from notifications.links import site_url

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
    that actions.follow_ups.follow_up_occasion made."""
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
    """The actions facilitators review at the meeting: how many are overdue, due by the meeting and changed since
    the last one, the most pressing of each, and the log filtered to them all."""
    meeting = message.about
    today = _day_of(message)
    found = meeting_actions(meeting, today=today)
    return {
        # What apps above actions add (asks gone past their due date): actions/hooks.py.
        "sections": overview_sections(meeting.collaborative, today),
        "arising_kinds": found.kinds,
        "arising_count": found.arising_count,
        "arising_more": found.arising_more,
        "arising_shown": len(found.arising),
        "previous_meeting": found.since,
        # Done and dropped actions included: those changed since the last meeting are matters arising too.
        "arising_url": _log_url(meeting.collaborative, f"?arising={meeting.pk}&finished=on"),
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


# The kinds of email


def follow_up_skip_reason(message) -> str:
    """Checked by the worker just before sending: a follow-up for an action done, dropped or re-dated is not sent."""
    action = message.about
    if action is None:
        return "The action no longer exists."
    if not action.is_live:
        return f"The action is {action.get_status_display().lower()}."
    if action.due_on.isoformat() not in message.occasion:
        return "The due date has changed."
    if action.owner_id != message.recipient_id:
        return "Someone else owns the action now."
    return ""


# Each kind's `skip_reason` says when its news has gone stale by the time the worker gets to it
# (after an outage, say), in a plain sentence shown on "Emails sent to you".


def _why_not_assigned(message) -> str:
    """ "You own this action" is stale once someone else does, or the action is finished."""
    action = message.about
    if action is None:
        return "The action no longer exists."
    if action.owner_id != message.recipient_id:
        return "Someone else owns the action now."
    return "" if action.is_live else f"The action is {action.get_status_display().lower()}."


def _why_not_digest(message) -> str:
    """The actions to review before a meeting are stale news once the meeting has started."""
    meeting = message.about
    if meeting is None:
        return "The meeting no longer exists."
    if meeting.is_cancelled:
        return "The meeting was cancelled."
    return "The meeting had already started." if meeting.has_started else ""


def _why_not_summarise(message) -> str:
    """A monthly summary is stale once the next month has begun: that month's summary goes instead."""
    month = message.occasion.removeprefix("summary-")
    if f"{message.collaborative.local_now():%Y-%m}" > month:
        return "A newer monthly summary is due instead."
    return ""


def _why_not_done(message) -> str:
    action = message.about
    if action is None:
        return "The action no longer exists."
    return "" if action.status == action.Status.DONE else "The action is no longer marked done."


def assigned_digest_item(message) -> DigestItem | None:
    """The digest's line, under the action; None once someone else owns it or it is finished."""
    if _why_not_assigned(message):
        return None
    action = message.about
    return DigestItem(
        group=f"action:{action.pk}",
        title=action.title,
        path=action.get_absolute_url(),
        text=f"You are now the owner of this action, due {action.due_on:%-d %B %Y}.",
        at=message.due_at,
    )


ACTION_ASSIGNED = Kind(
    key="action_assigned",
    label="Actions given to you",
    description="When someone makes you the owner of an action.",
    skip_reason=_why_not_assigned,
    context=assigned_context,
    digestible=True,
    digest_item=assigned_digest_item,
)

ACTION_FOLLOW_UP = Kind(
    key="action_follow_up",
    label="Reminders about your actions",
    description="3 days before an action you own is due, on the day, then every week while it is overdue.",
    skip_reason=follow_up_skip_reason,
    context=follow_up_context,
)

ACTIONS_DIGEST = Kind(
    key="actions_digest",
    label="Actions to review before a meeting (facilitators)",
    description="3 days before each meeting: actions due, overdue or changed since the last meeting.",
    audience="facilitator",
    skip_reason=_why_not_digest,
    context=digest_context,
)

ACTIONS_SUMMARY = Kind(
    key="actions_summary",
    label="Monthly summary of the action log (commissioners)",
    description="On the first of each month: how many actions are open, blocked, done and overdue.",
    audience="commissioner",
    skip_reason=_why_not_summarise,
    context=summary_context,
)

YOU_SAID_WE_DID = Kind(
    key="you_said_we_did",
    label="You said, we did",
    description="When an action that came from an agenda item you proposed is done.",
    skip_reason=_why_not_done,
    context=done_context,
)

KINDS = [ACTION_ASSIGNED, ACTION_FOLLOW_UP, ACTIONS_DIGEST, ACTIONS_SUMMARY, YOU_SAID_WE_DID]
