"""Reads about the vision that views and other apps share."""

from dataclasses import dataclass

from django.db.models import Exists, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.models import Membership, User
from notifications.models import Preference
from vision.emails import ROUND_OPENED
from vision.models import Answer, Contribution, Goal, Round, RoundStatement, VisionVersion

# How many drafts asking for ideas "Things to do" names; the vision page lists them all.
DRAFTS_TO_DO = 3


@dataclass(frozen=True)
class VisionSummary:
    """The current vision (None before one is adopted), how many goals are due for review, and any open round."""

    vision: VisionVersion | None
    goals_due: int
    open_round: Round | None


def home_summary(membership: Membership) -> VisionSummary:
    """The vision, goals due for review and any open round, for the Collaborative's home page."""
    collaborative = membership.collaborative
    today = collaborative.local_today()
    now = timezone.now()
    return VisionSummary(
        vision=VisionVersion.objects.current_for(collaborative),
        goals_due=Goal.objects.filter(collaborative=collaborative).due_for_review(today).count(),
        open_round=Round.objects.filter(collaborative=collaborative).open_at(now).first(),
    )


def _count_of(rows) -> Coalesce:
    """How many of `rows` (a query about OuterRef("pk")) there are, as a subquery: 0 for none."""
    # COUNT as a plain function, not an aggregate: no GROUP BY, so one row even when there are none.
    counted = rows.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class VisionToDo:
    """What the vision asks of one person now: the open self-assessment round if they have not answered every
    statement (with `rated` and `total`), and the newest drafts asking for ideas that they have not added to."""

    round: Round | None
    drafts: list[VisionVersion]
    more_drafts: bool


def vision_to_do(membership: Membership) -> VisionToDo:
    """For "Things to do" on the home page, in two queries however many rounds, drafts and answers there are.

    Every draft asks for ideas and comments while it is a draft (its page says so, and members may add to it);
    one the person started, or has added an idea or comment to, is theirs already or done."""
    collaborative, user_id = membership.collaborative, membership.user_id
    round = (
        Round.objects.filter(collaborative=collaborative)
        .open_at(timezone.now())
        .annotate(
            total=_count_of(RoundStatement.objects.filter(round=OuterRef("pk"))),
            rated=_count_of(
                Answer.objects.filter(response__round=OuterRef("pk"), response__user=user_id).exclude(rating="")
            ),
        )
        .order_by("closes_at")
        .first()
    )
    if round is not None:
        round.collaborative = collaborative  # For its address, without a query.
        if round.rated >= round.total:
            round = None
    added = Contribution.objects.filter(version=OuterRef("pk"), author=user_id, status=Contribution.Status.SHOWN)
    drafts = list(
        VisionVersion.objects.drafts()
        .filter(collaborative=collaborative)
        .exclude(created_by=user_id)
        .filter(~Exists(added))
        .only("pk", "number", "collaborative_id")
        .order_by("-number")[: DRAFTS_TO_DO + 1]
    )
    for draft in drafts:
        draft.collaborative = collaborative
    return VisionToDo(round=round, drafts=drafts[:DRAFTS_TO_DO], more_drafts=len(drafts) > DRAFTS_TO_DO)


def round_emails_turned_off(user: User) -> bool:
    """Whether the person has turned off the email sent to every member when a self-assessment round opens."""
    return Preference.objects.filter(user=user, kind=ROUND_OPENED.key, enabled=False).exists()
