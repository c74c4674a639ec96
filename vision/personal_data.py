"""The vision's part of a person's data: their ideas, drafts, goals and self-assessment answers."""

from collections.abc import Callable

from django.utils import timezone

from collaborative.personal_data import Erasure, Part, Person, Relation, when
from vision.models import Contribution, Goal, GoalReview, Response, Round, VisionVersion
from vision.services import round_counted


def _export_contributions(person: Person) -> list[dict]:
    return [
        {
            "collaborative": c.version.collaborative.name,
            "vision_version": c.version.number,
            "text": c.text,
            "when": when(c.created_at),
            "status": c.get_status_display(),
            "taken_back": when(c.withdrawn_at),
        }
        for c in Contribution.objects.filter(author=person.user).select_related("version__collaborative")
    ]


def _export_self_assessment(person: Person) -> dict:
    # Only ever to the person themselves: no page shows one person's answers to anyone else.
    # Answers are linked to the person only while their round is open. A round that has closed
    # but that beat has not counted yet still holds them, so it is counted first, as the first
    # look at its results would (services.round_counted): its answers go, and every answer
    # still linked to the person, all in open rounds, is in the file.
    closed = Round.objects.closed_at(timezone.now()).filter(counted_at=None, responses__user=person.user)
    for round in closed.distinct():
        round_counted(round=round)
    responses = (
        Response.objects.filter(user=person.user)
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
                "started": when(r.started_at),
                "last_changed": when(r.updated_at),
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


def _export_versions_drafted(person: Person) -> list[dict]:
    return [
        {**_version(v), "statement": v.statement, "note": v.note, "started": when(v.created_at)}
        for v in VisionVersion.objects.filter(created_by=person.user).select_related("collaborative")
    ]


def _export_versions_adopted(person: Person) -> list[dict]:
    return [
        {**_version(v), "adopted": when(v.adopted_at)}
        for v in VisionVersion.objects.filter(adopted_by=person.user).select_related("collaborative")
    ]


def _export_goals(person: Person) -> list[dict]:
    return [
        {"collaborative": g.collaborative.name, "goal": g.title, "added": when(g.created_at)}
        for g in Goal.objects.filter(created_by=person.user).select_related("collaborative")
    ]


def _export_goal_reviews(person: Person) -> list[dict]:
    return [
        {
            "collaborative": r.goal.collaborative.name,
            "goal": r.goal.title,
            "reviewed_on": when(r.reviewed_on),
            "how_is_it_going": r.get_outcome_display(),
            "note": r.note,
        }
        for r in GoalReview.objects.filter(recorded_by=person.user).select_related("goal__collaborative")
    ]


def _export_rounds(field: str, label: str, moment: str) -> Callable[[Person], list[dict]]:
    def export(person: Person) -> list[dict]:
        return [
            {"collaborative": r.collaborative.name, "round": r.title, label: when(getattr(r, moment))}
            for r in Round.objects.filter(**{field: person.user}).select_related("collaborative")
        ]

    return export


def _erase(erasure: Erasure) -> None:
    # Self-assessment answers stay in the counts, but no longer point at anyone.
    Response.objects.filter(user=erasure.user).update(user=None)


PART = Part(
    name="vision",
    order=50,
    relations={
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
        "vision.Goal.created_by": Relation(
            "goals_you_added", _export_goals, "Kept: goals belong to the Collaborative."
        ),
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
    },
    erase=_erase,
)
