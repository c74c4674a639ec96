"""The emails about the vision, goals and self-assessment: registered with notifications in VisionConfig.ready()."""

from notifications.kinds import Kind
from vision.models import Answer, VisionVersion

# Each kind's `skip_reason` says when its news has gone stale by the time the worker gets to it
# (after an outage, say), in a plain sentence shown on "Emails sent to you".


def _why_not_ask(message) -> str:
    version = message.about
    if version is None:
        return "The draft no longer exists."
    return "" if version.is_draft else f"Version {version.number} is no longer a draft."


VISION_DRAFT = Kind(
    key="vision_draft",
    label="A draft vision to comment on",
    description="When the facilitators ask for ideas and comments on a new draft of the vision and values.",
    skip_reason=_why_not_ask,
)


def _why_not_announce(message) -> str:
    """ "Version 1 adopted" is stale once a newer version is being drafted or has been adopted."""
    version = message.about
    if version is None:
        return "That version of the vision no longer exists."
    newer = (
        VisionVersion.objects.filter(collaborative_id=version.collaborative_id, number__gt=version.number)
        .exclude(status=VisionVersion.Status.SET_ASIDE)
        .order_by("-number")
        .first()
    )
    if newer is None:
        return ""
    if newer.is_draft:
        return f"Version {newer.number} was being drafted by then."
    return f"Version {newer.number} had been adopted by then."


VISION_ADOPTED = Kind(
    key="vision_adopted",
    label="A new vision adopted",
    description="When the Collaborative agrees a new version of its vision and values.",
    skip_reason=_why_not_announce,
)


def _why_not_review(message) -> str:
    goal = message.about
    if goal is None:
        return "The goal no longer exists."
    if goal.status != goal.Status.ACTIVE:
        return "The goal was achieved or retired before this email went."
    # The occasion is the review date the email was queued for (vision.services.goal_reviews_queue).
    if message.occasion != f"review-{goal.review_on.isoformat()}":
        return "The goal's review date moved; an email goes when the new date comes."
    return ""


GOAL_REVIEW_DUE = Kind(
    key="goal_review_due",
    label="Goals due for review (facilitators)",
    description="On the day a goal is due to be looked at again, so you can plan its review.",
    audience="facilitator",
    skip_reason=_why_not_review,
)


def _why_not_round(message) -> str:
    round = message.about
    if round is None:
        return "The self-assessment round no longer exists."
    return "" if round.is_open else "The self-assessment round has closed."


ROUND_OPENED = Kind(
    key="round_opened",
    label="Self-assessment rounds",
    description="When a self-assessment round opens and everyone is asked how the Collaborative is doing.",
    skip_reason=_why_not_round,
)


def _why_not_remind(message) -> str:
    """A reminder to answer is stale once the round has closed, its last day moved, or every statement is answered."""
    if reason := _why_not_round(message):
        return reason
    round = message.about
    if message.occasion != f"closing-{round.closing_day.isoformat()}":
        return "The round's last day moved; a reminder goes before the new one."
    rated = Answer.objects.filter(response__round=round, response__user_id=message.recipient_id).exclude(rating="")
    unanswered = round.statements.exclude(pk__in=rated.values("statement_id")).exists()
    return "" if unanswered else "Every statement had been answered by then."


ROUND_CLOSING = Kind(
    key="round_closing",
    label="Self-assessment reminders",
    description="The day before a self-assessment round closes, if you have not answered every statement yet.",
    skip_reason=_why_not_remind,
    unlisted_for_facilitators=(
        "Reminders to answer a self-assessment are not listed, so no one can tell who has answered."
    ),
)

KINDS = [VISION_DRAFT, VISION_ADOPTED, GOAL_REVIEW_DUE, ROUND_OPENED, ROUND_CLOSING]
