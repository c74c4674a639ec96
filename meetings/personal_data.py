"""The meetings' part of a person's data: their answers, attendance, agenda items and what they wrote."""

from collections.abc import Callable

from collaborative.personal_data import Erasure, Part, Person, Relation, when
from meetings.models import (
    AgendaItem,
    AgendaItemChange,
    Attendance,
    CalendarFeed,
    CheckInRequest,
    Decision,
    Meeting,
    MeetingSeries,
    NotesRevision,
    Rsvp,
)
from meetings.services import rsvps_withdraw
from members.models import Membership


def _export_rsvps(person: Person) -> list[dict]:
    rsvps = Rsvp.objects.filter(user=person.user).select_related("meeting__collaborative").prefetch_related("changes")
    return [
        {
            "collaborative": r.meeting.collaborative.name,
            "meeting": str(r.meeting),
            "answer": r.get_state_display(),
            "answers_given": [
                {"answer": c.get_answer_display(), "waiting_list": c.waiting, "when": when(c.changed_at)}
                for c in r.changes.all()
            ],
        }
        for r in rsvps
    ]


def _export_meetings_scheduled(person: Person) -> list[dict]:
    return [
        {"collaborative": m.collaborative.name, "meeting": str(m), "scheduled": when(m.created_at)}
        for m in Meeting.objects.filter(created_by=person.user).select_related("collaborative")
    ]


def _export_series_set_up(person: Person) -> list[dict]:
    return [
        {"collaborative": s.collaborative.name, "series": str(s), "set_up": when(s.created_at)}
        for s in MeetingSeries.objects.filter(created_by=person.user).select_related("collaborative")
    ]


def _export_agenda_items(person: Person) -> list[dict]:
    return [
        {
            "meeting": str(i.meeting),
            "title": i.title,
            "description": i.description,
            "status": i.get_status_display(),
            "reason_given": i.decline_reason,
        }
        for i in AgendaItem.objects.filter(proposed_by=person.user).select_related("meeting__collaborative")
    ]


def _export_agenda_decisions(person: Person) -> list[dict]:
    return [
        {"meeting": str(i.meeting), "title": i.title, "decision": i.get_status_display()}
        for i in AgendaItem.objects.filter(decided_by=person.user).select_related("meeting__collaborative")
    ]


def _export_calendar(person: Person) -> list[dict]:
    # The address itself is a key, like a password: the file says only that there is one.
    return [
        {"made": when(f.created_at), "last_used_by_a_calendar": when(f.last_fetched_at)}
        for f in CalendarFeed.objects.filter(user=person.user)
    ]


def _export_attendance(person: Person) -> list[dict]:
    return [
        {"meeting": str(a.meeting), "came": a.attended}
        for a in Attendance.objects.filter(user=person.user).select_related("meeting__collaborative")
    ]


def _export_written(model, field: str, describe) -> Callable[[Person], list[dict]]:
    def export(person: Person) -> list[dict]:
        return [
            describe(row)
            for row in model.objects.filter(**{field: person.user}).select_related("meeting__collaborative")
        ]

    return export


def _erase(erasure: Erasure) -> None:
    # The person is no longer coming to meetings that have not started; their places go on.
    for membership in Membership.objects.filter(user=erasure.user):
        rsvps_withdraw(membership=membership)
    AgendaItem.objects.filter(proposed_by=erasure.user, status=AgendaItem.Status.PROPOSED).update(
        status=AgendaItem.Status.WITHDRAWN
    )
    CalendarFeed.objects.filter(user=erasure.user).delete()
    # Asking for a check-in is private, and of no use to anyone once the person has gone.
    CheckInRequest.objects.filter(user=erasure.user).delete()


PART = Part(
    name="meetings",
    order=40,
    relations={
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
        "meetings.AgendaItemChange.changed_by": Relation(
            "agenda_changes_you_made",
            lambda person: [
                {"meeting": str(c.item.meeting), "item": c.item.title, "change": c.get_what_display()}
                for c in AgendaItemChange.objects.filter(changed_by=person.user).select_related(
                    "item__meeting__collaborative"
                )
            ],
            "Kept, shown as made by a Former member.",
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
            lambda person: [{"meeting": str(m)} for m in Meeting.objects.filter(minutes_approved_by=person.user)],
            "Kept, shown as recorded by a Former member.",
        ),
        "meetings.CheckInRequest.user": Relation(
            "check_ins_you_asked_for",
            lambda person: [
                {"meeting": str(c.meeting), "asked": when(c.asked_at), "checked_in": when(c.answered_at)}
                for c in CheckInRequest.objects.filter(user=person.user).select_related("meeting__collaborative")
            ],
            "Deleted.",
        ),
        # Who asked is theirs, not this person's: only the meeting and when are in this person's download.
        "meetings.CheckInRequest.answered_by": Relation(
            "check_ins_you_made",
            lambda person: [
                {"meeting": str(c.meeting), "checked_in": when(c.answered_at)}
                for c in CheckInRequest.objects.filter(answered_by=person.user).select_related("meeting__collaborative")
            ],
            "Kept, shown as checked in by a Former member.",
        ),
    },
    erase=_erase,
)
