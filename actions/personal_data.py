"""The actions' part of a person's data: actions they own, support or recorded, and what they wrote on them."""

from collections.abc import Callable

from django.db.models import Q

from actions.models import Action, ActionChange, ActionUpdate, ReviewItem, ReviewRound
from collaborative.personal_data import FORMER_MEMBER, Erasure, Part, Person, Relation, when


def _action(action: Action) -> dict:
    return {
        "collaborative": action.collaborative.name,
        "action": action.title,
        "due": when(action.due_on),
        "status": action.get_status_display(),
    }


def _export_actions(field: str) -> Callable[[Person], list[dict]]:
    def export(person: Person) -> list[dict]:
        actions = (
            Action.objects.filter(**{field: person.user}).select_related("collaborative").order_by("created_at", "id")
        )
        return [{**_action(a), "description": a.description, "recorded": when(a.created_at)} for a in actions]

    return export


def _export_action_changes(person: Person) -> list[dict]:
    # As stored: people and other records by their id, dates as ISO dates.
    changes = ActionChange.objects.filter(changed_by=person.user).select_related("action__collaborative")
    return [
        {
            "collaborative": c.action.collaborative.name,
            "action": c.action.title,
            "what": c.field,
            "from": c.old_value,
            "to": c.new_value,
            "when": when(c.changed_at),
        }
        for c in changes
    ]


def _export_action_updates(person: Person) -> list[dict]:
    updates = ActionUpdate.objects.filter(author=person.user).select_related("action__collaborative")
    return [
        {
            "collaborative": u.action.collaborative.name,
            "action": u.action.title,
            "text": u.text,
            "link": u.link,
            "file": u.file_name,
            "when": when(u.created_at),
        }
        for u in updates
    ]


def _export_review_rounds(field: str, moment: str) -> Callable[[Person], list[dict]]:
    def export(person: Person) -> list[dict]:
        return [
            {"collaborative": r.collaborative.name, "review": r.title, moment: when(getattr(r, f"{moment}_at"))}
            for r in ReviewRound.objects.filter(**{field: person.user}).select_related("collaborative")
        ]

    return export


def _export_review_items(person: Person) -> list[dict]:
    items = ReviewItem.objects.filter(reviewed_by=person.user).select_related("round__collaborative")
    return [
        {
            "collaborative": i.round.collaborative.name,
            "review": i.round.title,
            "action": i.snapshot.get("title", ""),
            "comment": i.comment,
            "reviewed": when(i.reviewed_at),
        }
        for i in items
    ]


def _erase(erasure: Erasure) -> None:
    user = erasure.user
    # Reviews of the action log keep names as they were, so a signed-off review never changes by
    # itself; the person's name is the one thing in them that goes.
    ReviewRound.objects.filter(signed_off_by=user).update(signed_off_by_name=FORMER_MEMBER)
    for item in ReviewItem.objects.filter(Q(reviewed_by=user) | Q(snapshot__owner_id=user.pk)):
        if item.snapshot.get("owner_id") == user.pk:
            item.snapshot["owner_name"] = FORMER_MEMBER
        if item.reviewed_by_id == user.pk and "reviewer_name" in item.snapshot:
            item.snapshot["reviewer_name"] = FORMER_MEMBER
        item.save(update_fields=["snapshot"])


PART = Part(
    name="actions",
    order=60,
    relations={
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
            "actions_you_reviewed",
            _export_review_items,
            "Kept, with your comments, shown as reviewed by a Former member.",
        ),
    },
    erase=_erase,
)
