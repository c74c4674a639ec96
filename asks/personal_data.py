"""The asks' part of a person's data: the asks they proposed or wrote, sent, added evidence to, and the steps
they took. An ask is the Collaborative's, so it stays on erasure, shown as the work of a Former member; a
proposal of theirs that the facilitators have not yet taken up is withdrawn, as an agenda item would be.

A responder (someone at an outside body, with no account) is not a member: their name, role and address are
kept with the ask they were sent, as the record of who was asked.
"""

from asks.models import Ask, AskEvent, AskEvidence, Sending
from collaborative.personal_data import Erasure, Part, Person, Relation, when


def _asks(field: str):
    def export(person: Person) -> list[dict]:
        asks = Ask.objects.filter(**{field: person.user}).select_related("collaborative").order_by("created_at", "id")
        return [
            {
                "collaborative": ask.collaborative.name,
                "ask": ask.title,
                "to": ask.organisation,
                "status": ask.get_status_display(),
                "written": when(ask.created_at),
            }
            for ask in asks
        ]

    return export


def _export_sendings(person: Person) -> list[dict]:
    sendings = Sending.objects.filter(sent_by=person.user).select_related("ask__collaborative").order_by("id")
    return [
        {
            "collaborative": s.ask.collaborative.name,
            "ask": s.ask.title,
            "to": s.organisation,
            "sent": when(s.sent_on),
            "due": when(s.due_on),
        }
        for s in sendings
    ]


def _export_evidence(person: Person) -> list[dict]:
    rows = AskEvidence.objects.filter(added_by=person.user).select_related("ask__collaborative").order_by("id")
    return [
        {
            "collaborative": e.ask.collaborative.name,
            "ask": e.ask.title,
            "what": e.description,
            "link": e.link,
            "file": e.file_name,
            "added": when(e.created_at),
        }
        for e in rows
    ]


def _export_events(person: Person) -> list[dict]:
    events = AskEvent.objects.filter(by=person.user).select_related("ask__collaborative").order_by("at", "id")
    return [
        {
            "collaborative": e.ask.collaborative.name,
            "ask": e.ask.title,
            "what": e.get_what_display(),
            "note": e.note,
            "when": when(e.at),
        }
        for e in events
    ]


def _erase(erasure: Erasure) -> None:
    # A proposal no facilitator has taken up yet goes with the person who made it; the step is kept.
    for ask in Ask.objects.filter(proposed_by=erasure.user, status=Ask.Status.PROPOSED):
        Ask.objects.filter(pk=ask.pk).update(status=Ask.Status.WITHDRAWN, updated_at=erasure.now)
        AskEvent.objects.create(
            ask=ask, what=AskEvent.What.WITHDRAWN, note="The member who proposed it deleted their account."
        )


KEPT = "Kept: the ask is the Collaborative's. It shows a Former member."

PART = Part(
    name="asks",
    order=80,
    relations={
        "asks.Ask.proposed_by": Relation(
            "asks_you_proposed",
            _asks("proposed_by"),
            "Kept, shown as proposed by a Former member; a proposal not yet taken up is withdrawn.",
        ),
        "asks.Ask.created_by": Relation("asks_you_wrote", _asks("created_by"), KEPT),
        "asks.Sending.sent_by": Relation("asks_you_sent", _export_sendings, KEPT),
        "asks.AskEvidence.added_by": Relation("evidence_you_added_to_asks", _export_evidence, KEPT),
        "asks.AskEvent.by": Relation(
            "steps_you_took_on_asks",
            _export_events,
            "Kept exactly as they are: the history of an ask cannot be rewritten. It shows a Former member.",
        ),
    },
    erase=_erase,
)
