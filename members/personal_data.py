"""A person's own data: everything we hold about them, to download, and erasure on request.

RELATIONS names every relation from another model to the user model, and what the
export and erasure do with it. tests/members/test_personal_data.py walks the user
model's relations and fails when one is missing here, so a later model that points at
people cannot slip past "download my data" or "delete my account".

MENTIONS does the same for records that are about the person without a foreign key to
them: the site administration's history of changes, which names the person it changed.

Records are linked to the person by their account, or by an address that is their own:
their main address or one they confirmed (members/selectors.py). An address someone added
to their account without confirming it may be anyone's, so it links nothing: not in the
download, and not in erasure.

Erasure removes the person's own data and closes the account. Records the Collaborative
shares (actions, notes, decisions, who changed what) stay, attributed to "Former
member": the user row stays as an empty shell so that those records keep pointing at it.
Self-assessment answers, given anonymously, go one step further: they stay in the counts
but no longer point at anyone, the shell included.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from actions.models import Action, ActionChange, ActionUpdate, ReviewItem, ReviewRound
from meetings.models import (
    AgendaItem,
    Attendance,
    CalendarFeed,
    Decision,
    Meeting,
    MeetingSeries,
    NotesRevision,
    Rsvp,
)
from meetings.services import rsvps_withdraw
from members.models import (
    GroundRules,
    Invitation,
    JoinRequest,
    Membership,
    MembershipChange,
    User,
    Visibility,
)
from members.selectors import verified_addresses
from members.services import facilitators_lock
from notifications.models import Message, Preference
from vision.models import Contribution, Goal, GoalReview, Response, Round, VisionVersion

FORMER_MEMBER = "Former member"
ERASED_DOMAIN = "erased.invalid"  # .invalid never exists (RFC 2606): nothing can be sent there.


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _name(user: User | None) -> str | None:
    return user.display_name if user else None


def _to(field: str, addresses: list[str]) -> Q:
    """Rows whose `field` is one of the addresses, whatever its case (use with _by_address)."""
    return Q(**{f"_{field}_lower__in": addresses})


def _by_address(queryset, field: str):
    return queryset.alias(**{f"_{field}_lower": Lower(field)})


def _export_account(user: User) -> dict:
    return {
        "email": user.email,
        "name_to_show": user.display_name,
        "pronouns": user.pronouns,
        "about_me": user.about,
        "perspectives": user.get_perspectives_display(),
        "who_sees_perspectives": user.get_perspectives_visibility_display(),
        "organisation": user.organisation,
        "type_of_organisation": user.get_organisation_type_display(),
        "who_sees_organisation": user.get_organisation_visibility_display(),
        "job_title": user.job_title,
        "who_sees_job_title": user.get_job_title_visibility_display(),
        "access_needs": user.get_access_needs_display(),
        "access_needs_in_your_words": user.access_needs_other,
        "joined": _when(user.date_joined),
        "last_signed_in": _when(user.last_login),
        "site_administrator": user.is_staff,
        "groups": list(user.groups.values_list("name", flat=True)),
        "permissions": sorted(f"{p.content_type.app_label}.{p.codename}" for p in user.user_permissions.all()),
    }


def _export_email_addresses(user: User) -> list[dict]:
    return [
        {"email": e.email, "confirmed": e.verified, "main_address": e.primary}
        for e in EmailAddress.objects.filter(user=user)
    ]


def _export_two_step(user: User) -> list[dict]:
    # The secrets themselves are never exported: they would let anyone holding the file sign in.
    return [
        {"kind": a.get_type_display(), "set_up": _when(a.created_at), "last_used": _when(a.last_used_at)}
        for a in Authenticator.objects.filter(user=user)
    ]


def _export_memberships(user: User) -> list[dict]:
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("collaborative")
        .prefetch_related("acceptances__ground_rules", "changes__changed_by")
    )
    return [
        {
            "collaborative": m.collaborative.name,
            "role": m.get_role_display(),
            "status": m.get_status_display(),
            "joined": _when(m.joined_at),
            "left": _when(m.left_at),
            "agreed_to_ground_rules": [_when(a.accepted_at) for a in m.acceptances.all()],
            "changes": [
                {"change": c.describe(), "when": _when(c.changed_at), "by": _name(c.changed_by)}
                for c in m.changes.all()
            ],
        }
        for m in memberships
    ]


def _export_changes_made(user: User) -> list[dict]:
    return [
        {"member": c.membership.user.display_name, "change": c.describe(), "when": _when(c.changed_at)}
        for c in MembershipChange.objects.filter(changed_by=user).select_related("membership__user")
    ]


def _invitation(invitation: Invitation) -> dict:
    return {
        "collaborative": invitation.collaborative.name,
        "name": invitation.name,
        "email": invitation.email,
        "role": invitation.get_role_display(),
        "personal_message": invitation.message,
        "sent": _when(invitation.sent_at),
        "status": invitation.get_state_display(),
    }


def _export_invitations_sent(user: User) -> list[dict]:
    return [_invitation(i) for i in Invitation.objects.filter(invited_by=user).select_related("collaborative")]


def _export_invitations_to_you(user: User) -> list[dict]:
    invitations = (
        _by_address(Invitation.objects, "email")
        .filter(Q(accepted_by=user) | _to("email", verified_addresses(user)))
        .select_related("collaborative", "invited_by")
    )
    return [{**_invitation(i), "invited_by": _name(i.invited_by)} for i in invitations.distinct()]


def _export_invitations_withdrawn(user: User) -> list[dict]:
    return [_invitation(i) for i in Invitation.objects.filter(revoked_by=user).select_related("collaborative")]


def _join_request(join_request: JoinRequest) -> dict:
    return {
        "collaborative": join_request.collaborative.name,
        "name": join_request.name,
        "email": join_request.email,
        "message": join_request.message,
        "asked": _when(join_request.created_at),
        "answer": join_request.get_status_display(),
        "reply": join_request.reply,
    }


def _export_join_requests(user: User) -> list[dict]:
    requests = (
        _by_address(JoinRequest.objects, "email")
        .filter(Q(user=user) | _to("email", verified_addresses(user)))
        .select_related("collaborative")
    )
    return [_join_request(r) for r in requests.distinct()]


def _export_join_requests_answered(user: User) -> list[dict]:
    requests = JoinRequest.objects.filter(decided_by=user).select_related("collaborative")
    return [{"collaborative": r.collaborative.name, "name": r.name, "answer": r.get_status_display()} for r in requests]


def _export_ground_rules_written(user: User) -> list[dict]:
    return [
        {"collaborative": g.collaborative.name, "text": g.text, "when": _when(g.created_at)}
        for g in GroundRules.objects.filter(created_by=user).select_related("collaborative")
    ]


def _export_emails(user: User) -> list[dict]:
    messages = (
        _by_address(Message.objects, "to_address")
        .filter(Q(recipient=user) | _to("to_address", verified_addresses(user)))
        .select_related("collaborative")
    )
    return [
        {
            "collaborative": m.collaborative.name,
            "kind": m.get_kind_display(),
            "subject": m.subject,
            "status": m.get_status_display(),
            "sent_to": m.sent_to,
            "sent": _when(m.sent_at),
        }
        for m in messages
    ]


def _export_email_preferences(user: User) -> list[dict]:
    return [
        {"kind": p.kind, "send_me_these": p.enabled, "how_often": p.get_frequency_display()}
        for p in Preference.objects.filter(user=user)
    ]


def _export_rsvps(user: User) -> list[dict]:
    rsvps = Rsvp.objects.filter(user=user).select_related("meeting__collaborative").prefetch_related("changes")
    return [
        {
            "collaborative": r.meeting.collaborative.name,
            "meeting": str(r.meeting),
            "answer": r.get_state_display(),
            "answers_given": [
                {"answer": c.get_answer_display(), "waiting_list": c.waiting, "when": _when(c.changed_at)}
                for c in r.changes.all()
            ],
        }
        for r in rsvps
    ]


def _export_meetings_scheduled(user: User) -> list[dict]:
    return [
        {"collaborative": m.collaborative.name, "meeting": str(m), "scheduled": _when(m.created_at)}
        for m in Meeting.objects.filter(created_by=user).select_related("collaborative")
    ]


def _export_series_set_up(user: User) -> list[dict]:
    return [
        {"collaborative": s.collaborative.name, "series": str(s), "set_up": _when(s.created_at)}
        for s in MeetingSeries.objects.filter(created_by=user).select_related("collaborative")
    ]


def _export_agenda_items(user: User) -> list[dict]:
    return [
        {
            "meeting": str(i.meeting),
            "title": i.title,
            "description": i.description,
            "status": i.get_status_display(),
            "reason_given": i.decline_reason,
        }
        for i in AgendaItem.objects.filter(proposed_by=user).select_related("meeting__collaborative")
    ]


def _export_agenda_decisions(user: User) -> list[dict]:
    return [
        {"meeting": str(i.meeting), "title": i.title, "decision": i.get_status_display()}
        for i in AgendaItem.objects.filter(decided_by=user).select_related("meeting__collaborative")
    ]


def _export_calendar(user: User) -> list[dict]:
    # The address itself is a key, like a password: the file says only that there is one.
    return [
        {"made": _when(f.created_at), "last_used_by_a_calendar": _when(f.last_fetched_at)}
        for f in CalendarFeed.objects.filter(user=user)
    ]


def _export_attendance(user: User) -> list[dict]:
    return [
        {"meeting": str(a.meeting), "came": a.attended}
        for a in Attendance.objects.filter(user=user).select_related("meeting__collaborative")
    ]


def _export_written(model, field: str, describe) -> Callable[[User], list[dict]]:
    def export(user: User) -> list[dict]:
        return [describe(row) for row in model.objects.filter(**{field: user}).select_related("meeting__collaborative")]

    return export


def _export_contributions(user: User) -> list[dict]:
    return [
        {
            "collaborative": c.version.collaborative.name,
            "vision_version": c.version.number,
            "text": c.text,
            "when": _when(c.created_at),
            "status": c.get_status_display(),
            "taken_back": _when(c.withdrawn_at),
        }
        for c in Contribution.objects.filter(author=user).select_related("version__collaborative")
    ]


def _export_self_assessment(user: User) -> dict:
    # Only ever to the person themselves: no page shows one person's answers to anyone else.
    # Answers are linked to the person only while their round is open; when it closes they are
    # counted and deleted, so they cannot be found here (or anywhere) after that.
    responses = (
        Response.objects.filter(user=user, round__in=Round.objects.open_at(timezone.now()))
        .select_related("round__collaborative")
        .prefetch_related("answers__statement")
        .order_by("started_at")
    )
    return {
        "about": (
            "Your self-assessment answers are kept with your name only while their round is open, so that you "
            "can come back and change them. When a round closes they are counted and then deleted, so this "
            "file, and everyone else, site administrators included, can no longer find which were yours."
        ),
        "rounds_open_now": [
            {
                "collaborative": r.round.collaborative.name,
                "round": r.round.title,
                "started": _when(r.started_at),
                "last_changed": _when(r.updated_at),
                "answers": [
                    {"statement": a.statement.text, "answer": a.get_rating_display(), "comment": a.comment}
                    for a in sorted(r.answers.all(), key=lambda a: a.statement.position)
                ],
            }
            for r in responses
        ],
    }


def _version(v: VisionVersion) -> dict:
    return {"collaborative": v.collaborative.name, "vision_version": v.number, "status": v.get_status_display()}


def _export_versions_drafted(user: User) -> list[dict]:
    return [
        {**_version(v), "statement": v.statement, "note": v.note, "started": _when(v.created_at)}
        for v in VisionVersion.objects.filter(created_by=user).select_related("collaborative")
    ]


def _export_versions_adopted(user: User) -> list[dict]:
    return [
        {**_version(v), "adopted": _when(v.adopted_at)}
        for v in VisionVersion.objects.filter(adopted_by=user).select_related("collaborative")
    ]


def _export_goals(user: User) -> list[dict]:
    return [
        {"collaborative": g.collaborative.name, "goal": g.title, "added": _when(g.created_at)}
        for g in Goal.objects.filter(created_by=user).select_related("collaborative")
    ]


def _export_goal_reviews(user: User) -> list[dict]:
    return [
        {
            "collaborative": r.goal.collaborative.name,
            "goal": r.goal.title,
            "reviewed_on": _when(r.reviewed_on),
            "how_is_it_going": r.get_outcome_display(),
            "note": r.note,
        }
        for r in GoalReview.objects.filter(recorded_by=user).select_related("goal__collaborative")
    ]


def _export_rounds(field: str, label: str, moment: str) -> Callable[[User], list[dict]]:
    def export(user: User) -> list[dict]:
        return [
            {"collaborative": r.collaborative.name, "round": r.title, label: _when(getattr(r, moment))}
            for r in Round.objects.filter(**{field: user}).select_related("collaborative")
        ]

    return export


def _action(action: Action) -> dict:
    return {
        "collaborative": action.collaborative.name,
        "action": action.title,
        "due": _when(action.due_on),
        "status": action.get_status_display(),
    }


def _export_actions(field: str) -> Callable[[User], list[dict]]:
    def export(user: User) -> list[dict]:
        actions = Action.objects.filter(**{field: user}).select_related("collaborative").order_by("created_at", "id")
        return [{**_action(a), "description": a.description, "recorded": _when(a.created_at)} for a in actions]

    return export


def _export_action_changes(user: User) -> list[dict]:
    # As stored: people and other records by their id, dates as ISO dates.
    changes = ActionChange.objects.filter(changed_by=user).select_related("action__collaborative")
    return [
        {
            "collaborative": c.action.collaborative.name,
            "action": c.action.title,
            "what": c.field,
            "from": c.old_value,
            "to": c.new_value,
            "when": _when(c.changed_at),
        }
        for c in changes
    ]


def _export_action_updates(user: User) -> list[dict]:
    updates = ActionUpdate.objects.filter(author=user).select_related("action__collaborative")
    return [
        {
            "collaborative": u.action.collaborative.name,
            "action": u.action.title,
            "text": u.text,
            "link": u.link,
            "file": u.file_name,
            "when": _when(u.created_at),
        }
        for u in updates
    ]


def _export_review_rounds(field: str, moment: str) -> Callable[[User], list[dict]]:
    def export(user: User) -> list[dict]:
        return [
            {"collaborative": r.collaborative.name, "review": r.title, moment: _when(getattr(r, f"{moment}_at"))}
            for r in ReviewRound.objects.filter(**{field: user}).select_related("collaborative")
        ]

    return export


def _export_review_items(user: User) -> list[dict]:
    items = ReviewItem.objects.filter(reviewed_by=user).select_related("round__collaborative")
    return [
        {
            "collaborative": i.round.collaborative.name,
            "review": i.round.title,
            "action": i.snapshot.get("title", ""),
            "comment": i.comment,
            "reviewed": _when(i.reviewed_at),
        }
        for i in items
    ]


def _export_admin_log(user: User) -> list[dict]:
    return [
        {"when": _when(e.action_time), "what": str(e), "object": e.object_repr}
        for e in LogEntry.objects.filter(user=user)
    ]


def _records_of(user: User) -> dict[type, list[str]]:
    """The ids of the person's account, memberships and addresses, as the site administration's history stores them."""
    return {
        User: [str(user.pk)],
        Membership: [str(pk) for pk in Membership.objects.filter(user=user).values_list("pk", flat=True)],
        EmailAddress: [str(pk) for pk in EmailAddress.objects.filter(user=user).values_list("pk", flat=True)],
    }


def _history_of(records: dict[type, list[str]]) -> Q:
    """Site administration history entries about the records."""
    types = ContentType.objects.get_for_models(*records)
    about = Q(pk__in=[])
    for model, ids in records.items():
        about |= Q(content_type=types[model], object_id__in=ids)
    return about


def _export_admin_history(user: User) -> list[dict]:
    return [
        {"when": _when(e.action_time), "what": str(e)}
        for e in LogEntry.objects.filter(_history_of(_records_of(user))).order_by("action_time", "pk")
    ]


def _scrub(value, replacements: list[tuple[re.Pattern, str]]):
    """`value` (a string, or a change message's list and dicts) with each pattern replaced."""
    if isinstance(value, str):
        for pattern, replacement in replacements:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [_scrub(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, replacements) for key, item in value.items()}
    return value


def _admin_history_erase(records: dict[type, list[str]], *, name: str, addresses: list[str], erased: str) -> None:
    """Take the person's name and addresses out of the site administration's history.

    Called once the account is emptied, with the ids of the person's records (taken before
    their addresses were deleted). Each entry keeps who did what to which record and when;
    what it says the record was called, and any name or address in its change message, no
    longer names the person. Entries about the account read "Former member", those about a
    membership read as the membership does now ("Former member in ..."), those about an
    address the erased address. Elsewhere their name (as a whole phrase) and their own
    addresses are replaced wherever they appear.
    """
    replacements = [(re.compile(re.escape(address), re.IGNORECASE), erased) for address in addresses]
    if name:
        replacements.append((re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE), FORMER_MEMBER))
    mentions = Q()
    for text in [name, *addresses]:
        # Change messages are stored as JSON, where a name such as "Zoë" is written "Zo\u00eb".
        for form in {text, json.dumps(text)[1:-1]} - {""}:
            mentions |= Q(object_repr__icontains=form) | Q(change_message__icontains=form)
    memberships = Membership.objects.filter(pk__in=records[Membership]).select_related("user", "collaborative")
    now_reads = {
        User: dict.fromkeys(records[User], FORMER_MEMBER),
        Membership: {str(m.pk): str(m) for m in memberships},
        EmailAddress: dict.fromkeys(records[EmailAddress], erased),
    }
    model_of = {content_type.pk: model for model, content_type in ContentType.objects.get_for_models(*records).items()}
    for entry in LogEntry.objects.filter(_history_of(records) | mentions):
        reads = now_reads.get(model_of.get(entry.content_type_id), {})
        object_repr = reads.get(entry.object_id) or _scrub(entry.object_repr, replacements)
        try:
            change_message = json.dumps(_scrub(json.loads(entry.change_message), replacements))
        except ValueError:  # Entries written before Django stored JSON are plain text.
            change_message = _scrub(entry.change_message, replacements)
        LogEntry.objects.filter(pk=entry.pk).update(object_repr=object_repr[:200], change_message=change_message)


@dataclass(frozen=True)
class Relation:
    """What "my data" does with one relation to the user model."""

    section: str  # Its key in the download.
    export: Callable[[User], list | dict]
    erasure: str  # What deleting the account does to it, in words.


RELATIONS: dict[str, Relation] = {
    "account.EmailAddress.user": Relation(
        "email_addresses", _export_email_addresses, "Deleted. No one can sign in with them or send to them."
    ),
    "mfa.Authenticator.user": Relation("two_step_sign_in", _export_two_step, "Deleted."),
    "members.Membership.user": Relation(
        "memberships",
        _export_memberships,
        "Ended. The record that a Former member took part, and when, stays for the Collaborative's history.",
    ),
    "members.MembershipChange.changed_by": Relation(
        "membership_changes_you_made", _export_changes_made, "Kept, shown as made by a Former member."
    ),
    "members.Invitation.invited_by": Relation(
        "invitations_you_sent", _export_invitations_sent, "Kept, shown as sent by a Former member."
    ),
    "members.Invitation.accepted_by": Relation(
        "invitations_to_you", _export_invitations_to_you, "Your address and any message to you are removed."
    ),
    "members.Invitation.revoked_by": Relation(
        "invitations_you_withdrew", _export_invitations_withdrawn, "Kept, shown as withdrawn by a Former member."
    ),
    "members.JoinRequest.user": Relation(
        "requests_to_join", _export_join_requests, "Your name, address and message are removed."
    ),
    "members.JoinRequest.decided_by": Relation(
        "requests_to_join_you_answered", _export_join_requests_answered, "Kept, shown as answered by a Former member."
    ),
    "members.GroundRules.created_by": Relation(
        "ground_rules_you_wrote", _export_ground_rules_written, "Kept: they belong to the Collaborative."
    ),
    "notifications.Message.recipient": Relation(
        "emails_sent_to_you",
        _export_emails,
        "Your address is removed from the record of emails sent; emails not yet sent are not sent.",
    ),
    "notifications.Preference.user": Relation("email_choices", _export_email_preferences, "Deleted."),
    "admin.LogEntry.user": Relation(
        "site_administration_log", _export_admin_log, "Kept, shown as done by a Former member."
    ),
    "meetings.Rsvp.user": Relation(
        "meeting_answers",
        _export_rsvps,
        "Answers to meetings that have not started become \"can't come\"; past ones stay, as a Former member's.",
    ),
    "meetings.Meeting.created_by": Relation(
        "meetings_you_scheduled", _export_meetings_scheduled, "Kept, shown as scheduled by a Former member."
    ),
    "meetings.MeetingSeries.created_by": Relation(
        "monthly_meetings_you_set_up", _export_series_set_up, "Kept, shown as set up by a Former member."
    ),
    "meetings.AgendaItem.proposed_by": Relation(
        "agenda_items_you_proposed",
        _export_agenda_items,
        "Items not yet decided are withdrawn; the others stay on the record, as proposed by a Former member.",
    ),
    "meetings.AgendaItem.decided_by": Relation(
        "agenda_items_you_decided", _export_agenda_decisions, "Kept, shown as decided by a Former member."
    ),
    "meetings.CalendarFeed.user": Relation(
        "calendar_address", _export_calendar, "Deleted: calendars using it stop updating."
    ),
    "meetings.Attendance.user": Relation(
        "meetings_you_came_to",
        _export_attendance,
        "Kept, as a Former member's attendance, so the Collaborative's counts stay right.",
    ),
    "meetings.Attendance.marked_by": Relation(
        "registers_you_took",
        _export_written(Attendance, "marked_by", lambda a: {"meeting": str(a.meeting)}),
        "Kept, shown as taken by a Former member.",
    ),
    "meetings.Decision.recorded_by": Relation(
        "decisions_you_recorded",
        _export_written(Decision, "recorded_by", lambda d: {"meeting": str(d.meeting), "decision": d.text}),
        "Kept: decisions belong to the Collaborative.",
    ),
    "meetings.NotesRevision.edited_by": Relation(
        "notes_you_wrote",
        _export_written(NotesRevision, "edited_by", lambda r: {"meeting": str(r.meeting), "text": r.text}),
        "Kept: notes belong to the Collaborative.",
    ),
    "meetings.Meeting.minutes_approved_by": Relation(
        "minutes_you_recorded_as_approved",
        lambda user: [{"meeting": str(m)} for m in Meeting.objects.filter(minutes_approved_by=user)],
        "Kept, shown as recorded by a Former member.",
    ),
    "vision.Contribution.author": Relation(
        "ideas_and_comments_on_the_vision",
        _export_contributions,
        "Kept as part of the Collaborative's record of how its vision was shaped, shown as a Former member's. "
        "Any you took back stay hidden.",
    ),
    "vision.Response.user": Relation(
        "self_assessment_answers",
        _export_self_assessment,
        "In a round still open, your answers still count, with nothing left linking them to you. "
        "In rounds that have closed, nothing links them to you already.",
    ),
    "vision.VisionVersion.created_by": Relation(
        "vision_drafts_you_started", _export_versions_drafted, "Kept: the vision belongs to the Collaborative."
    ),
    "vision.VisionVersion.adopted_by": Relation(
        "vision_versions_you_adopted", _export_versions_adopted, "Kept, shown as adopted by a Former member."
    ),
    "vision.Goal.created_by": Relation("goals_you_added", _export_goals, "Kept: goals belong to the Collaborative."),
    "vision.GoalReview.recorded_by": Relation(
        "goal_reviews_you_recorded", _export_goal_reviews, "Kept: reviews belong to the Collaborative."
    ),
    "vision.Round.opened_by": Relation(
        "self_assessment_rounds_you_opened",
        _export_rounds("opened_by", "opened", "opened_at"),
        "Kept, shown as opened by a Former member.",
    ),
    "vision.Round.closed_early_by": Relation(
        "self_assessment_rounds_you_closed",
        _export_rounds("closed_early_by", "closed", "closes_at"),
        "Kept, shown as closed by a Former member.",
    ),
    "actions.Action.owner": Relation(
        "actions_you_own",
        _export_actions("owner"),
        "Kept: actions belong to the Collaborative. They show a Former member as owner, "
        "and facilitators can give the ones still open to someone else.",
    ),
    "actions.Action.supporters": Relation(
        "actions_you_support", _export_actions("supporters"), "Kept, shown as supported by a Former member."
    ),
    "actions.Action.created_by": Relation(
        "actions_you_recorded", _export_actions("created_by"), "Kept, shown as recorded by a Former member."
    ),
    "actions.ActionChange.changed_by": Relation(
        "changes_you_made_to_actions",
        _export_action_changes,
        "Kept exactly as they are: the history of an action cannot be rewritten. It shows a Former member.",
    ),
    "actions.ActionUpdate.author": Relation(
        "action_updates_you_wrote",
        _export_action_updates,
        "Kept, with their links and files, as part of each action's story, shown as a Former member's.",
    ),
    "actions.ReviewRound.opened_by": Relation(
        "action_reviews_you_started",
        _export_review_rounds("opened_by", "opened"),
        "Kept, shown as started by a Former member.",
    ),
    "actions.ReviewRound.signed_off_by": Relation(
        "action_reviews_you_signed_off",
        _export_review_rounds("signed_off_by", "signed_off"),
        "Kept, shown as signed off by a Former member.",
    ),
    "actions.ReviewItem.reviewed_by": Relation(
        "actions_you_reviewed", _export_review_items, "Kept, with your comments, shown as reviewed by a Former member."
    ),
    # The user model's own many-to-many fields.
    "members.User.groups": Relation("account", _export_account, "Removed."),
    "members.User.user_permissions": Relation("account", _export_account, "Removed."),
}


# Records about the person that have no foreign key to them, found by what they are about;
# tests/members/test_personal_data.py checks these as it checks RELATIONS.
MENTIONS: dict[str, Relation] = {
    "admin.LogEntry.object_id": Relation(
        "site_administration_history_about_you",
        _export_admin_history,
        "Kept as the record of who changed what and when, without your name or addresses.",
    ),
}


def erasure_summary() -> list[tuple[str, str]]:
    """(what, what erasure does to it) for the "delete your account" page."""
    summary = {}
    for relation in [*RELATIONS.values(), *MENTIONS.values()]:
        summary.setdefault(relation.section.replace("_", " ").capitalize(), relation.erasure)
    return list(summary.items())


def personal_data_export(user: User) -> dict:
    """Everything we hold about the person, as one JSON-ready dict."""
    data = {
        "about_this_file": (
            "All the personal data Living Well Collaboratives holds about you, as of the time below. "
            "Records you took part in that belong to a Collaborative (for example who changed what) "
            "are listed as you see them."
        ),
        "downloaded": _when(timezone.now()),
        "account": _export_account(user),
    }
    for relation in [*RELATIONS.values(), *MENTIONS.values()]:
        data.setdefault(relation.section, relation.export(user))
    return data


def only_facilitator_of(user: User) -> list[str]:
    """The Collaboratives where the person is the only active facilitator."""
    names = []
    for membership in Membership.objects.for_user(user).filter(role=Membership.Role.FACILITATOR):
        others = (
            Membership.objects.current_in(membership.collaborative)
            .filter(role=Membership.Role.FACILITATOR)
            .exclude(pk=membership.pk)
        )
        if not others.exists():
            names.append(membership.collaborative.name)
    return names


@transaction.atomic
def account_erase(*, user: User) -> None:
    """Remove the person's personal data and close the account; shared records stay, as "Former member"."""
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    # The lock that leaving and demoting take, so that another facilitator leaving at the same
    # moment waits for this, then sees that this person has gone (or the other way round).
    facilitators_lock(Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values("collaborative_id"))
    if sole := only_facilitator_of(user):
        raise ValidationError(
            f"You are the only facilitator of {', '.join(sole)}. "
            "Make someone else a facilitator first, so the Collaborative is not left without one."
        )
    addresses = verified_addresses(user)
    erased = f"former-member-{user.pk}@{ERASED_DOMAIN}"
    records = _records_of(user)
    now = timezone.now()

    for membership in Membership.objects.filter(user=user, status=Membership.Status.ACTIVE):
        membership.status, membership.left_at = Membership.Status.LEFT, now
        membership.save(update_fields=["status", "left_at"])
        MembershipChange.objects.create(
            membership=membership,
            field=MembershipChange.Field.STATUS,
            old_value=Membership.Status.ACTIVE,
            new_value=Membership.Status.LEFT,
            changed_by=user,
        )
        rsvps_withdraw(membership=membership)
    invitations = _by_address(Invitation.objects, "email").filter(Q(accepted_by=user) | _to("email", addresses))
    # A waiting invitation to the person can no longer be used.
    invitations.filter(status=Invitation.Status.PENDING).update(status=Invitation.Status.REVOKED, revoked_at=now)
    invitations.update(email=erased, name="", message="")
    join_requests = _by_address(JoinRequest.objects, "email").filter(Q(user=user) | _to("email", addresses))
    # A request no one has answered yet goes; an answered one stays as a record, without the person.
    join_requests.filter(status=JoinRequest.Status.PENDING).delete()
    join_requests.update(name=FORMER_MEMBER, email=erased, message="", reply="")
    to_them = _by_address(Message.objects, "to_address").filter(Q(recipient=user) | _to("to_address", addresses))
    to_them.filter(status__in=[Message.Status.PENDING, Message.Status.SENDING]).update(
        status=Message.Status.SKIPPED, last_error="The account was deleted."
    )
    to_them.filter(recipient=user).update(sent_to="", last_error="")
    to_them.filter(recipient=None).update(to_address=erased, sent_to="", last_error="")
    AgendaItem.objects.filter(proposed_by=user, status=AgendaItem.Status.PROPOSED).update(
        status=AgendaItem.Status.WITHDRAWN
    )
    CalendarFeed.objects.filter(user=user).delete()
    # Reviews of the action log keep names as they were, so a signed-off review never changes by
    # itself; the person's name is the one thing in them that goes.
    ReviewRound.objects.filter(signed_off_by=user).update(signed_off_by_name=FORMER_MEMBER)
    for item in ReviewItem.objects.filter(Q(reviewed_by=user) | Q(snapshot__owner_id=user.pk)):
        if item.snapshot.get("owner_id") == user.pk:
            item.snapshot["owner_name"] = FORMER_MEMBER
        if item.reviewed_by_id == user.pk and "reviewer_name" in item.snapshot:
            item.snapshot["reviewer_name"] = FORMER_MEMBER
        item.save(update_fields=["snapshot"])
    # Self-assessment answers stay in the counts, but no longer point at anyone.
    Response.objects.filter(user=user).update(user=None)
    Preference.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()

    name = user.display_name
    user.email = erased
    user.display_name = FORMER_MEMBER
    user.pronouns = user.about = user.organisation = user.organisation_type = user.job_title = ""
    user.perspectives, user.access_needs, user.access_needs_other = [], [], ""
    user.perspectives_visibility = user.organisation_visibility = user.job_title_visibility = Visibility.NOBODY
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    # A new unusable password also ends every session the person had open.
    user.set_unusable_password()
    user.save()
    _admin_history_erase(records, name=name, addresses=addresses, erased=erased)
