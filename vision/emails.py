"""The emails about the vision, goals and self-assessment: registered with notifications in VisionConfig.ready()."""

from notifications.kinds import Kind


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

VISION_ADOPTED = Kind(
    key="vision_adopted",
    label="A new vision adopted",
    description="When the Collaborative agrees a new version of its vision and values.",
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

ROUND_CLOSING = Kind(
    key="round_closing",
    label="Self-assessment reminders",
    description="The day before a self-assessment round closes, if you have not answered every statement yet.",
    skip_reason=_why_not_round,
    unlisted_for_facilitators=(
        "Reminders to answer a self-assessment are not listed, so no one can tell who has answered."
    ),
)

KINDS = [VISION_DRAFT, VISION_ADOPTED, GOAL_REVIEW_DUE, ROUND_OPENED, ROUND_CLOSING]
