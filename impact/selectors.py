"""Reads about the "What changed" page that its views, the feed and the home page share. Keep each function
small, with a docstring saying what it answers."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from actions.models import Action
from asks.models import Answer, Ask
from impact.figures import Figures, figures_for
from impact.models import Credit, Publication
from members.models import SMALL_GROUP, Collaborative, Perspective, count_shown
from vision.models import Goal, GoalReview, VisionVersion

# The public page and the facilitators' lists show this many a page; the feed the latest FEED_SIZE.
PUBLIC_PAGE_SIZE = 20
MANAGE_PAGE_SIZE = 10
FEED_SIZE = 50
# Asks that have had an answer: refusals included. Escalated asks were answered before they were escalated.
ASKS_ANSWERED = (Ask.Status.ANSWERED, Ask.Status.CLOSED, Ask.Status.ESCALATED)
# "Things to do" on the home page lists this many requests to be named, then links to the rest.
CREDITS_TO_DO = 3


def published_items(collaborative: Collaborative) -> QuerySet:
    """The Collaborative's items the public may read (none of an ask withdrawn since), newest first (by the day
    they were first published)."""
    return Publication.objects.public().filter(collaborative=collaborative).order_by("-first_published_at", "-id")


def credits_to_answer(user, collaborative: Collaborative) -> list[Credit]:
    """The requests to name the person on one of the Collaborative's items that they have not answered yet, oldest
    first: the first CREDITS_TO_DO and one more (the home page links to the rest when there is one more)."""
    waiting = Credit.objects.filter(
        user=user, publication__collaborative=collaborative, agreed_at=None, declined_at=None
    ).select_related("publication")
    return list(waiting.order_by("asked_at", "id")[: CREDITS_TO_DO + 1])


def named_credits() -> Q:
    """The credits that may show a name: agreed and not withdrawn, by someone whose account is still theirs
    (an erased account withdraws its agreement too: impact.personal_data)."""
    return Q(agreed_at__isnull=False, declined_at=None, user__is_active=True)


def names_on(publication: Publication) -> list[str]:
    """The names of the people who agreed to be named on the item, in the order they were asked."""
    named = publication.credits.filter(named_credits()).order_by("asked_at", "id")
    return list(named.values_list("user__display_name", flat=True))


# What a facilitator may publish


def goals_publishable(collaborative: Collaborative) -> QuerySet:
    """The Collaborative's goals not published yet (hidden ones are under "Published items"), newest first,
    with their latest review's outcome and day."""
    latest = GoalReview.objects.filter(goal=OuterRef("pk")).order_by("-reviewed_on", "-id")
    return (
        Goal.objects.filter(collaborative=collaborative)
        .exclude(Exists(Publication.objects.filter(goal=OuterRef("pk"))))
        .annotate(
            latest_outcome=Subquery(latest.values("outcome")[:1]),
            latest_reviewed_on=Subquery(latest.values("reviewed_on")[:1]),
        )
        .order_by("-created_at", "-id")
    )


def actions_publishable(collaborative: Collaborative) -> QuerySet:
    """The Collaborative's done actions not published yet, the latest done first."""
    return (
        Action.objects.filter(collaborative=collaborative, status=Action.Status.DONE)
        .exclude(Exists(Publication.objects.filter(action=OuterRef("pk"))))
        .select_related("owner")
        .order_by("-done_at", "-id")
    )


def asks_publishable(collaborative: Collaborative) -> QuerySet:
    """The Collaborative's asks with at least one answer (refusals included) and not published yet, the latest
    answered first, with how many answers each has."""
    return (
        Ask.objects.filter(collaborative=collaborative, status__in=ASKS_ANSWERED)
        .filter(Exists(Answer.objects.filter(ask=OuterRef("pk"))))
        .exclude(Exists(Publication.objects.filter(ask=OuterRef("pk"))))
        .annotate(answer_count=Count("answers"))
        .order_by("-answered_on", "-id")
    )


def vision_publishable(collaborative: Collaborative) -> VisionVersion | None:
    """The adopted version of the vision (the Collaborative's vision now), if it is not published yet."""
    version = VisionVersion.objects.current_for(collaborative)
    if version is None or Publication.objects.filter(vision_version=version).exists():
        return None
    return version


def answers_public(ask: Ask, until: datetime) -> QuerySet:
    """The answers to `ask` a public page may show: given up to `until`, and not a request for more time (that
    is between the Collaborative and the responder)."""
    return ask.answers.filter(created_at__lte=until).exclude(kind=Answer.Kind.MORE_TIME)


def answers_until(publication: Publication) -> datetime:
    """The moment up to which the item of an ask shows its answers: now for an item not published yet (the
    preview shows what publishing would show)."""
    if publication.answers_until:
        return publication.answers_until
    return publication.first_published_at if publication.pk else timezone.now()


def newer_answers(publication: Publication) -> int:
    """How many answers to a published ask the public page does not show yet (given since it was published, or
    since a facilitator last showed the latest); 0 for any other item."""
    if publication.kind != Publication.Kind.ASK:
        return 0
    later = publication.ask.answers.filter(created_at__gt=answers_until(publication))
    return later.exclude(kind=Answer.Kind.MORE_TIME).count()


def publications_made(collaborative: Collaborative) -> QuerySet:
    """Every item the facilitators published, shown or hidden, the latest first, with its credits counted, and
    whether an ask has answers not on the public page yet or was withdrawn."""
    later = Answer.objects.filter(ask=OuterRef("ask_id"), created_at__gt=OuterRef("answers_until"))
    return (
        Publication.objects.filter(collaborative=collaborative)
        .annotate(
            newer_answers=Exists(later.exclude(kind=Answer.Kind.MORE_TIME)),
            ask_withdrawn=ExpressionWrapper(Q(ask__status=Ask.Status.WITHDRAWN), output_field=BooleanField()),
            credits_asked=Count("credits"),
            credits_agreed=Count("credits", filter=Q(credits__agreed_at__isnull=False, credits__declined_at=None)),
        )
        .order_by("-first_published_at", "-id")
    )


# The small-number rule for the voices that shaped the vision


@dataclass(frozen=True)
class VoicesShown:
    """The voices that shaped a version of the vision, as the public page may show them."""

    people: str  # "12", "fewer than 3", "none"; "" when the total is not shown (see voices_shown).
    lines: list[tuple[str, str]] = field(default_factory=list)  # (perspective, count as shown)
    lived: str = ""  # How many have lived experience or are carers, as shown; "" when not shown.
    merged: bool = False  # Whether small groups were put together, so the page can say so.


def voices_shown(voices: dict) -> VoicesShown | None:
    """The frozen figures of a version (VisionVersion.voices), with no count below SMALL_GROUP shown and no
    breakdown that could single anyone out; None when no figures were kept.

    - Fewer than SMALL_GROUP people in all: the total only, as "fewer than 3", and no breakdown.
    - A perspective with 1 or 2 people is never named with its count: all such perspectives (and those who did
      not share theirs) are put together as "Other perspectives", shown as a number if together they reach 3.
    - The total is hidden when "Other perspectives" is 1 or 2: the total less the perspectives shown would give
      the small number exactly (when each person brings one perspective).
    - Lived experience is shown only when both those with it and those without are 0 or at least 3.
    """
    if not voices or "people" not in voices:
        return None
    people = voices["people"]
    if people < SMALL_GROUP:
        return VoicesShown(people=count_shown(people))
    counts, not_shared = voices.get("perspectives", {}), voices.get("not_shared", 0)
    lines, small = [], 0
    for value, label in Perspective.choices:
        count = counts.get(value, 0)
        if count >= SMALL_GROUP:
            lines.append((label, str(count)))
        else:
            small += count
    if not_shared >= SMALL_GROUP:
        lines.append(("Did not share their perspectives", str(not_shared)))
    else:
        small += not_shared
    merged = small > 0
    if merged:
        lines.append(("Other perspectives, put together", count_shown(small)))
    lived, without = voices.get("lived", 0), people - voices.get("lived", 0)
    lived_ok = all(n == 0 or n >= SMALL_GROUP for n in (lived, without))
    return VoicesShown(
        people="" if 0 < small < SMALL_GROUP else str(people),
        lines=lines,
        lived=str(lived) if lived_ok else "",
        merged=merged,
    )


# One published item, as its public page shows it


@dataclass
class ItemShown:
    """What the public page of one item shows beyond its title and summary."""

    publication: Publication
    names: list[str]
    version: VisionVersion | None = None
    values: list = field(default_factory=list)
    voices: VoicesShown | None = None
    goal: Goal | None = None
    latest_review: GoalReview | None = None
    action: Action | None = None
    ask: Ask | None = None
    sendings: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    figures: Figures | None = None


def item_shown(publication: Publication) -> ItemShown:
    """The published item with what its public page shows: never an email address, never a name without its
    person's agreement, and every figure about people by the small-number rule."""
    shown = ItemShown(publication=publication, names=names_on(publication) if publication.pk else [])
    kind = Publication.Kind
    if publication.kind == kind.VISION:
        shown.version = publication.vision_version
        shown.values = list(shown.version.values.all())
        shown.voices = voices_shown(shown.version.voices)
    elif publication.kind == kind.GOAL:
        shown.goal = publication.goal
        shown.latest_review = shown.goal.reviews.order_by("-reviewed_on", "-id").first()
    elif publication.kind == kind.YOU_SAID:
        shown.action = publication.action
    elif publication.kind == kind.ASK:
        shown.ask = publication.ask
        # Only what the public may read, as it was when a facilitator last looked: the organisation, the days,
        # and the responder's own words (never their name or role).
        until = answers_until(publication)
        shown.answers = list(
            answers_public(shown.ask, until)
            .select_related("sending")
            .only("kind", "text", "until", "created_at", "sending__organisation")
            .order_by("created_at", "id")
        )
        sendings = shown.ask.sendings.filter(created_at__lte=until)
        shown.sendings = list(sendings.only("kind", "organisation", "sent_on", "due_on", "answered_on"))
        answered = {answer.sending_id for answer in shown.answers}
        for sending in shown.sendings:
            if sending.pk not in answered:
                sending.answered_on = None  # Not answered, as far as the public page shows yet.
    else:
        shown.figures = figures_for(publication.collaborative, publication.period_start, publication.period_end)
    return shown
