"""The "What changed" page's part of a person's data: the items they were asked to be named on (and their answers),
the items they published, and the steps they took. On erasure their name is never shown again: every credit of
theirs is withdrawn, and the public page names only agreed credits of active accounts (impact.selectors)."""

from collaborative.personal_data import Erasure, Part, Person, Relation, when
from impact.models import Credit, Publication, PublicationEvent


def _export_credits(person: Person) -> list[dict]:
    credits = Credit.objects.filter(user=person.user).select_related("publication__collaborative")
    return [
        {
            "collaborative": c.publication.collaborative.name,
            "item": c.publication.title,
            "asked": when(c.asked_at),
            "agreed": when(c.agreed_at),
            "said_no": when(c.declined_at),
            "named": c.is_agreed,
        }
        for c in credits
    ]


def _export_publications(person: Person) -> list[dict]:
    publications = Publication.objects.filter(created_by=person.user).select_related("collaborative")
    return [
        {
            "collaborative": p.collaborative.name,
            "item": p.title,
            "kind": p.get_kind_display(),
            "status": p.get_status_display(),
            "first_published": when(p.first_published_at),
        }
        for p in publications
    ]


def _export_events(person: Person) -> list[dict]:
    events = PublicationEvent.objects.filter(by=person.user).select_related("publication__collaborative")
    return [
        {
            "collaborative": e.publication.collaborative.name,
            "item": e.publication.title,
            "what": e.get_what_display(),
            "when": when(e.at),
        }
        for e in events
    ]


def _erase(erasure: Erasure) -> None:
    # Withdrawn, not deleted: the request and the answer stay part of the item's story, without the name.
    Credit.objects.filter(user=erasure.user, declined_at=None).update(declined_at=erasure.now)


PART = Part(
    name="impact",
    order=85,
    relations={
        "impact.Credit.user": Relation(
            "items_you_were_asked_to_be_named_on",
            _export_credits,
            "Your agreement to be named is withdrawn: your name never shows on the public page again.",
        ),
        "impact.Publication.created_by": Relation(
            "items_you_published", _export_publications, "Kept, shown as published by a Former member."
        ),
        "impact.PublicationEvent.by": Relation(
            "publishing_steps_you_took",
            _export_events,
            "Kept exactly as they are: the history of a published item cannot be rewritten. It shows a Former member.",
        ),
    },
    erase=_erase,
)
