import logging
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from meetings.models import Meeting
from meetings.services import local_moment
from members.models import Collaborative, Membership, User, Visibility
from notifications.services import messages_queue, tell_once
from vision.emails import GOAL_REVIEW_DUE, ROUND_CLOSING, ROUND_OPENED, VISION_ADOPTED, VISION_DRAFT
from vision.models import (
    LIVING_WELL_UK,
    ROUND_SHORTEST_DAYS,
    Answer,
    Contribution,
    Goal,
    GoalReview,
    KeyRole,
    Rating,
    Response,
    Round,
    RoundStatement,
    Statement,
    Value,
    VisionVersion,
)
from vision.results import count
from vision.voices import voices_count

logger = logging.getLogger(__name__)

# The five key roles of a Collaborative and their statements, as Living Well UK wrote them.
DEFAULT_FRAMEWORK = [
    (
        "Creating, holding and refreshing the vision and values",
        "",
        [
            "We are clear about our motivation and vision",
            "Our vision is informed by lived experience",
            "We review and refresh our goals",
            "We are in it for the long haul",
            "We know our core Living Well values",
        ],
    ),
    (
        "Building a movement",
        "Engaging communities and stakeholders, and amplifying the voices of people previously marginalised "
        "or not heard",
        [
            "We gather and use evidence",
            "We test adoption of Living Well",
            "We help others overcome barriers to change",
            "We embed a culture of shared risk and accountability",
            "We use strategic levers to make change happen",
        ],
    ),
    (
        "Leading and championing the change process",
        "",
        [
            "We make sure that voices from across our community are heard",
            "We engage colleagues from across the system",
            "We build our movement through relationships and networks",
            "We embed a culture of shared risk and accountability",
            "We use strategic levers to make change happen",
        ],
    ),
    (
        "Unlocking and releasing capacity",
        "Securing people's time and permission to participate",
        [
            "We use resources from across the system",
            "We give permission to try new things",
            "We use our power and influence to help others participate",
            "We take responsibility for others' wellbeing",
            "We help others commit time, energy and ideas",
        ],
    ),
    (
        "Holding the wider system to account",
        "Ensuring that new forms of practice, commissioning and leadership are developed and sustained",
        [
            "We bring ourselves fully to the work",
            "We communicate openly and effectively",
            "We are clear about our purpose and responsibility",
            "We have the will and power to get things done",
            "We generate learning for others",
        ],
    ),
]

# When to remind members who have not finished: at this time, the day before a round's last day.
ROUND_REMINDER_TIME = time(9, 0)


@transaction.atomic
def framework_start(*, collaborative: Collaborative) -> None:
    """Give a Collaborative the five key roles and their statements; does nothing if it has them."""
    if collaborative.key_roles.exists():
        return
    for number, (title, description, statements) in enumerate(DEFAULT_FRAMEWORK, start=1):
        key_role = KeyRole.objects.create(
            collaborative=collaborative, number=number, title=title, description=description
        )
        Statement.objects.bulk_create(
            Statement(key_role=key_role, text=text, source=LIVING_WELL_UK, position=position)
            for position, text in enumerate(statements)
        )


def _lock(collaborative: Collaborative) -> None:
    """Serialise numbering and "only one open round" checks within one Collaborative."""
    Collaborative.objects.select_for_update().filter(pk=collaborative.pk).first()


def _values_save(version: VisionVersion, values: list[tuple[str, str]]) -> None:
    version.values.all().delete()
    rows = [Value(version=version, name=name, meaning=meaning, position=i) for i, (name, meaning) in enumerate(values)]
    for row in rows:
        row.full_clean(exclude=["version"])
    Value.objects.bulk_create(rows)


def _ask_members(version: VisionVersion) -> None:
    members = [m.user for m in Membership.objects.current_in(version.collaborative)]
    messages_queue(recipients=members, collaborative=version.collaborative, kind=VISION_DRAFT, about=version)


@transaction.atomic
def version_draft(
    *,
    collaborative: Collaborative,
    by: User,
    statement: str,
    values: list[tuple[str, str]],
    note: str = "",
    ask_members: bool = False,
) -> VisionVersion:
    """Start a new draft of the vision and values, numbered after every version so far."""
    _lock(collaborative)
    number = (collaborative.vision_versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = VisionVersion(
        collaborative=collaborative,
        number=number,
        statement=statement,
        note=note,
        based_on=VisionVersion.objects.current_for(collaborative),
        created_by=by,
    )
    version.full_clean()
    version.save()
    _values_save(version, values)
    if ask_members:
        _ask_members(version)
    return version


def _still_a_draft(version: VisionVersion) -> VisionVersion:
    """The version, locked, or a clear error once it is no longer a draft."""
    version = VisionVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == VisionVersion.Status.ADOPTED:
        raise ValidationError(
            f"Version {version.number} has been adopted, so it can no longer be changed. Start a new draft instead."
        )
    if version.status == VisionVersion.Status.SET_ASIDE:
        raise ValidationError(f"Version {version.number} was set aside, so it can no longer be changed.")
    return version


@transaction.atomic
def version_update(
    *, version: VisionVersion, statement: str, values: list[tuple[str, str]], note: str = "", ask_members: bool = False
) -> VisionVersion:
    """Change a draft; adopted versions never change."""
    version = _still_a_draft(version)
    version.statement, version.note, version.updated_at = statement, note, timezone.now()
    version.full_clean()
    version.save()
    _values_save(version, values)
    if ask_members:
        _ask_members(version)
    return version


def _voices_now(version: VisionVersion) -> dict:
    """Whose voices shaped a version, as any member sees it now: kept with it when it is adopted.

    Authors are those of its shown ideas and comments; their perspectives count only while
    they are members and share them with members (as profile_fields_for decides for a
    member who is not a facilitator), so nothing is kept that members could not see.
    """
    authors = set(
        version.contributions.filter(status=Contribution.Status.SHOWN, author__isnull=False).values_list(
            "author_id", flat=True
        )
    )
    members = {
        m.user_id: m.user for m in Membership.objects.current_in(version.collaborative).filter(user_id__in=authors)
    }
    return voices_count([shared_perspectives(members[a]) if a in members else [] for a in authors])


@transaction.atomic
def version_adopt(*, version: VisionVersion, by: User, meeting: Meeting | None = None) -> VisionVersion:
    """Make a draft the Collaborative's vision. Other drafts stay drafts, to adopt or set aside later."""
    version = _still_a_draft(version)
    if meeting is not None and meeting.collaborative_id != version.collaborative_id:
        raise ValidationError("Choose one of this Collaborative's meetings.")
    version.status = VisionVersion.Status.ADOPTED
    version.adopted_at, version.adopted_by, version.agreed_at_meeting = timezone.now(), by, meeting
    version.voices = _voices_now(version)
    version.full_clean()
    version.save()
    members = [m.user for m in Membership.objects.current_in(version.collaborative)]
    messages_queue(recipients=members, collaborative=version.collaborative, kind=VISION_ADOPTED, about=version)
    return version


@transaction.atomic
def version_set_aside(*, version: VisionVersion) -> VisionVersion:
    """Put a draft aside without adopting it; it stays readable, with its comments."""
    version = _still_a_draft(version)
    version.status, version.set_aside_at = VisionVersion.Status.SET_ASIDE, timezone.now()
    version.save(update_fields=["status", "set_aside_at"])
    return version


@transaction.atomic
def contribution_add(*, version: VisionVersion, author: User, text: str) -> Contribution:
    """A member's idea or comment on a draft; adopted versions are closed to comments."""
    version = VisionVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_draft:
        raise ValidationError(f"Version {version.number} is no longer a draft, so it is closed to ideas and comments.")
    contribution = Contribution(version=version, author=author, text=text.strip())
    contribution.full_clean()
    contribution.save()
    return contribution


@transaction.atomic
def contribution_withdraw(*, contribution: Contribution, by: User) -> Contribution:
    """Authors can take back what they wrote while the version is a draft; it is hidden, not deleted.

    Once the version is adopted or set aside, its ideas and comments are the record of
    whose voices shaped it, so they stay.
    """
    if contribution.author_id != by.pk:
        raise ValidationError("Only the person who wrote this can take it back.")
    version = VisionVersion.objects.select_for_update().get(pk=contribution.version_id)
    if version.status == VisionVersion.Status.ADOPTED:
        raise ValidationError(
            f"Version {version.number} has been adopted, so its ideas and comments can no longer be taken back."
        )
    if version.status == VisionVersion.Status.SET_ASIDE:
        raise ValidationError(
            f"Version {version.number} was set aside, so its ideas and comments can no longer be taken back."
        )
    if contribution.status == Contribution.Status.SHOWN:
        contribution.status, contribution.withdrawn_at = Contribution.Status.WITHDRAWN, timezone.now()
        contribution.save(update_fields=["status", "withdrawn_at"])
    return contribution


@transaction.atomic
def goal_save(*, goal: Goal, by: User) -> Goal:
    """Add a goal or change its words and review date."""
    if goal.pk is None:
        goal.created_by = by
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def goal_review(
    *, goal: Goal, by: User, reviewed_on: date, outcome: str, note: str = "", next_review_on: date | None = None
) -> GoalReview:
    """Record a review; "achieved" and "no longer a goal" close the goal, anything else sets the next review."""
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    closing = outcome in (GoalReview.Outcome.ACHIEVED, GoalReview.Outcome.RETIRED)
    if not closing and next_review_on is None:
        raise ValidationError({"next_review_on": "Choose when to look at this goal again."})
    if not closing and next_review_on <= reviewed_on:
        raise ValidationError({"next_review_on": "The next review must be after this one."})
    review = GoalReview(
        goal=goal,
        reviewed_on=reviewed_on,
        outcome=outcome,
        note=note,
        next_review_on=None if closing else next_review_on,
        recorded_by=by,
    )
    review.full_clean()
    review.save()
    if outcome == GoalReview.Outcome.ACHIEVED:
        goal.status = Goal.Status.ACHIEVED
    elif outcome == GoalReview.Outcome.RETIRED:
        goal.status = Goal.Status.RETIRED
    else:
        goal.status, goal.review_on = Goal.Status.ACTIVE, next_review_on
    goal.save(update_fields=["status", "review_on"])
    return review


def goal_reviews_queue(*, now: datetime | None = None) -> int:
    """Beat's scan: tell each Collaborative's facilitators about goals that have reached their review date.

    One email per goal and review date: a goal whose review date moves is due again later.
    """
    now = now or timezone.now()
    queued = 0
    # A day's margin either way covers every time zone; the local date is checked below.
    candidates = Goal.objects.active().filter(review_on__lte=now.date() + timedelta(days=1))
    for goal in candidates.select_related("collaborative"):
        if goal.review_on > goal.collaborative.local_today(now):
            continue
        occasion = f"review-{goal.review_on.isoformat()}"
        queued += tell_once(
            members=Membership.objects.current_in(goal.collaborative).filter(role=Membership.Role.FACILITATOR),
            collaborative=goal.collaborative,
            kind=GOAL_REVIEW_DUE,
            about=goal,
            occasion=occasion,
        )
    return queued


@transaction.atomic
def statement_add(*, key_role: KeyRole, text: str) -> Statement:
    """A statement of the Collaborative's own, last under its key role."""
    position = (key_role.statements.aggregate(p=Max("position"))["p"] or 0) + 1
    statement = Statement(key_role=key_role, text=text.strip(), position=position)
    statement.full_clean()
    statement.save()
    return statement


@transaction.atomic
def statement_reword(*, statement: Statement, text: str) -> Statement:
    """New words for a statement. Rounds already opened keep the words they were answered with."""
    statement.text, statement.changed_at = text.strip(), timezone.now()
    statement.full_clean()
    statement.save(update_fields=["text", "changed_at"])
    return statement


@transaction.atomic
def statement_retire(*, statement: Statement, retire: bool = True) -> Statement:
    """Leave a statement out of future rounds (or bring it back); past results keep it."""
    statement.status = Statement.Status.RETIRED if retire else Statement.Status.ACTIVE
    statement.changed_at = timezone.now()
    statement.save(update_fields=["status", "changed_at"])
    return statement


def round_closing_moment(collaborative: Collaborative, closing_day: date) -> datetime:
    """Rounds close at midnight at the end of their last day, in the Collaborative's time."""
    return local_moment(closing_day + timedelta(days=1), time(0, 0), collaborative.time_zone)


# Why a round cannot be shorter, said both when a last day is too soon and when closing early is.
_SHORTEST_SAID = f"A round stays open for at least {ROUND_SHORTEST_DAYS} days, so that everyone has time to answer"


def _shortest(earliest: date) -> str:
    return f"{_SHORTEST_SAID}. Choose {earliest:%-d %B %Y} or a later day."


def close_early_refusal(round: Round) -> str:
    """Why "Close the round now" cannot be used yet, in words."""
    return (
        f"{_SHORTEST_SAID} and no one's answers stand out. "
        f"You can close this one early from {round.closes_early_from_said}."
    )


@transaction.atomic
def round_open(*, collaborative: Collaborative, by: User, title: str, closing_day: date) -> Round:
    """Open a self-assessment round on the statements in use now, and tell members.

    Who is a member now is kept with it: only they count towards the minimum number of
    people answering (see results.py), so accounts added while it is open cannot make it up.
    """
    _lock(collaborative)
    now = timezone.now()
    if collaborative.rounds.open_at(now).exists():
        raise ValidationError("A round is already open. Close it before opening another.")
    earliest = collaborative.local_today(now + timedelta(days=ROUND_SHORTEST_DAYS))
    if closing_day < earliest:
        raise ValidationError({"closing_day": _shortest(earliest)})
    framework_start(collaborative=collaborative)
    statements = list(
        Statement.objects.filter(key_role__collaborative=collaborative, status=Statement.Status.ACTIVE)
        .select_related("key_role")
        .order_by("key_role__number", "position", "id")
    )
    if not statements:
        raise ValidationError("Every statement has been retired. Bring back or add a statement first.")
    members = [m.user for m in Membership.objects.current_in(collaborative)]
    round = Round(
        collaborative=collaborative,
        title=title.strip(),
        opened_at=now,
        closes_at=round_closing_moment(collaborative, closing_day),
        opened_by=by,
        eligible_ids=sorted(member.pk for member in members),
        eligible_count=len(members),
    )
    round.full_clean()
    round.save()
    RoundStatement.objects.bulk_create(
        RoundStatement(round=round, statement=s, key_role=s.key_role, text=s.text, position=i)
        for i, s in enumerate(statements)
    )
    messages_queue(recipients=members, collaborative=collaborative, kind=ROUND_OPENED, about=round)
    return round


def _still_open(round: Round) -> Round:
    round = Round.objects.select_for_update().select_related("collaborative").get(pk=round.pk)
    if not round.is_open:
        raise ValidationError(
            f"This round closed on {round.closing_day:%-d %B %Y}, so answers and dates can no longer be changed."
        )
    return round


@transaction.atomic
def round_change_closing(*, round: Round, closing_day: date) -> Round:
    """Move an open round's closing date, later or earlier: not into the past, and not so that it
    is open for less than ROUND_SHORTEST_DAYS (which would get round "Close the round now")."""
    round = _still_open(round)
    if closing_day < round.collaborative.local_today():
        raise ValidationError({"closing_day": "The closing date has passed. Choose today or a later day."})
    if closing_day < round.earliest_closing_day:
        raise ValidationError({"closing_day": _shortest(round.earliest_closing_day)})
    round.closes_at = round_closing_moment(round.collaborative, closing_day)
    round.full_clean()
    round.save(update_fields=["closes_at"])
    return round


@transaction.atomic
def round_close(*, round: Round, by: User) -> Round:
    """Close an open round now (once it has been open ROUND_SHORTEST_DAYS), and count it: its results appear."""
    round = _still_open(round)
    if not round.can_close_early:
        raise ValidationError(close_early_refusal(round))
    round.closes_at, round.closed_early_by = timezone.now(), by
    round.save(update_fields=["closes_at", "closed_early_by"])
    return round_count(round=round)


def _count(round: Round) -> Round:
    """Count a closed round, locked and not counted yet: keep its figures, then delete its answers."""
    round.results = count(round)
    Answer.objects.filter(response__round=round).delete()
    Response.objects.filter(round=round).delete()
    round.eligible_ids, round.counted_at = [], timezone.now()
    round.save(update_fields=["results", "eligible_ids", "counted_at"])
    return round


@transaction.atomic
def round_count(*, round: Round) -> Round:
    """Count a round that has closed, once: keep the figures its results show, then delete its answers.

    From then on nothing links anyone to what they said, in the database either: the answers
    are gone, and so is the list of who was a member when it opened (its number stays).
    Rounds close by date without anyone acting, so beat counts them (rounds_count_closed),
    and so does the first look at their results (round_counted), whichever comes first.
    """
    # The round's row only ("of"): with select_related, PostgreSQL would lock its Collaborative's
    # row too, which _lock() takes to open a round or number a version.
    round = Round.objects.select_for_update(of=("self",)).select_related("collaborative").get(pk=round.pk)
    if round.counted_at is not None:
        return round
    if round.is_open:
        raise ValidationError("This round is still open, so its answers cannot be counted yet.")
    return _count(round)


def round_counted(*, round: Round) -> Round:
    """The round, counted first if it has closed and beat has not counted it yet (for the pages
    that show what it kept: results, CSV, the list of rounds). An open round is returned as it is."""
    if round.counted_at is not None or round.is_open:
        return round
    return round_count(round=round)


def rounds_count_closed() -> int:
    """Beat's scan: count every round that has closed and has not been counted yet; how many it counted.

    Each round in a transaction of its own. One that cannot be counted is logged and tried again
    at the next scan, and holds up no other: their answers would otherwise stay linked to people.
    A round being counted by a web request at that moment is skipped, not waited for.
    """
    # By the clock only: a later `now` would count, and empty, rounds that are still open.
    due = Round.objects.closed_at(timezone.now()).filter(counted_at=None)
    counted = 0
    for pk in list(due.order_by("closes_at", "pk").values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                round = (
                    due.filter(pk=pk)
                    .select_for_update(skip_locked=True, of=("self",))
                    .select_related("collaborative")
                    .first()
                )
                if round is None:
                    continue  # Being counted by someone else, or counted since the list was read.
                _count(round)
        except Exception:
            logger.exception("Self-assessment round %s could not be counted; it will be tried again.", pk)
        else:
            counted += 1
    return counted


def shared_perspectives(person: User) -> list[str]:
    """The perspectives a person's answers are counted under: those they share with members."""
    return list(person.perspectives) if person.perspectives_visibility == Visibility.MEMBERS else []


def responses_reshare(*, user: User, now: datetime | None = None) -> int:
    """After someone changes their profile: their answers in rounds still open count under what they share now.

    A closed round's figures never move (see results.py); an open round shows no figures
    yet, so it can follow the profile, and someone who stops sharing before it closes is
    not counted in a perspective group.
    """
    now = now or timezone.now()
    rounds = Round.objects.open_at(now)
    return Response.objects.filter(user=user, round__in=rounds).update(perspectives=shared_perspectives(user))


@transaction.atomic
def answers_save(*, round: Round, user: User, answers: dict[int, tuple[str, str]]) -> Response:
    """Save some or all of a member's answers: {round statement id: (rating or "", comment)}.

    Members can save part of the way and come back, and change any answer, until the
    round closes. Clearing both rating and comment removes that answer.
    """
    round = _still_open(round)
    response, _ = Response.objects.get_or_create(round=round, user=user)
    person = User.objects.get(pk=user.pk)
    response.perspectives = shared_perspectives(person)
    response.eligible = person.pk in round.eligible_ids
    valid = set(round.statements.values_list("pk", flat=True))
    existing = {a.statement_id: a for a in response.answers.select_for_update()}
    for statement_id, (rating, comment) in answers.items():
        if statement_id not in valid:
            raise ValidationError("That statement is not part of this round.")
        if rating and rating not in Rating.values:
            raise ValidationError("Choose one of the answers given.")
        answer = existing.get(statement_id)
        comment = comment.strip()
        if not rating and not comment:
            if answer is not None:
                answer.delete()
            continue
        if answer is None:
            answer = Answer(response=response, statement_id=statement_id)
        answer.rating, answer.comment = rating, comment
        answer.full_clean(exclude=["response", "statement"])
        answer.save()
    response.updated_at = timezone.now()
    response.save(update_fields=["updated_at", "perspectives", "eligible"])
    return response


def round_reminder_due(round: Round) -> datetime:
    """The morning of the day before a round's last day, local time."""
    return local_moment(round.closing_day - timedelta(days=1), ROUND_REMINDER_TIME, round.collaborative.time_zone)


def round_reminders_queue(*, now: datetime | None = None) -> int:
    """Beat's scan: remind members who have not rated every statement that a round closes soon."""
    now = now or timezone.now()
    queued = 0
    for round in Round.objects.open_at(now).select_related("collaborative"):
        due = round_reminder_due(round)
        # A round opened after its reminder time (a short one) needs no reminder: it was just announced.
        if not (round.opened_at < due <= now):
            continue
        total = round.statements.count()
        finished = (
            Response.objects.filter(round=round)
            .annotate(rated=Count("answers", filter=~Q(answers__rating="")))
            .filter(rated__gte=total)
            .values("user_id")
        )
        # Named after the last day: a round given longer is reminded again before its new last day.
        occasion = f"closing-{round.closing_day.isoformat()}"
        queued += tell_once(
            members=Membership.objects.current_in(round.collaborative).exclude(user_id__in=finished),
            collaborative=round.collaborative,
            kind=ROUND_CLOSING,
            about=round,
            occasion=occasion,
        )
    return queued


def reminders_queue(*, now: datetime | None = None) -> int:
    """Everything beat checks for this part: goals due for review and rounds closing soon."""
    return goal_reviews_queue(now=now) + round_reminders_queue(now=now)
