"""Polls and proposals: opening one, voting, counting, closing, the outcome, and a time poll made a meeting.

The counting is pure (`count` and the functions it calls, one for each type): ballots in, figures out, with
no names in them, so that what a closed poll keeps (`Poll.results`) names nobody.

Anonymous polls follow the rule of self-assessment rounds (vision/services.py, round_count): a person's
ballot is kept only while the poll is open, so that they can change it; nobody sees it, facilitators and
the site's administrators included. When the poll closes the ballots are counted into `Poll.results` and
`Poll.voters` and deleted, every earlier ballot too, so nothing links anyone to their vote. The results are
shown only after closing, and only if at least ANONYMOUS_MIN people voted; otherwise the figures are not
even kept. Named polls keep every ballot (a changed vote keeps the earlier one, `Vote.replaced_at`) and show
who voted what, with the results, as votes come in or once it has closed, as its opener chose.

Polls close at their closing time by beat's scan (polls_close_due), or early by whoever opened them or a
facilitator; whichever comes first claims the poll with one conditional UPDATE, so it is counted once.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DateTimeField, Exists, F, IntegerField, OuterRef, Prefetch, Q, Value, When
from django.utils import timezone

from collaborative.permissions import facilitates
from discussions.models import Poll, PollOption, Thread, Vote, VoteChoice
from discussions.poll_emails import POLL_CLOSED, POLL_CLOSING_SOON, POLL_OPENED, POLL_OUTCOME, outcome_occasion
from meetings.models import Meeting
from meetings.services import meeting_schedule
from members.models import Collaborative, Membership, User
from notifications.services import messages_queue, tell_once

logger = logging.getLogger(__name__)

# Anonymous polls show results only if at least this many people voted (as self-assessment rounds).
ANONYMOUS_MIN = 5
WITHHELD = f"Fewer than {ANONYMOUS_MIN} people voted, so the results are not shown, to keep votes private."
# A proposal's four positions, made for it when it is opened, in this order.
AGREE, ABSTAIN, DISAGREE, BLOCK = "Agree", "Abstain", "Disagree", "Block"
POSITIONS = (AGREE, ABSTAIN, DISAGREE, BLOCK)
REASON_NEEDED = (DISAGREE, BLOCK)
# A time poll's answers, as VoteChoice.value.
YES, IF_I_MUST, NO = 2, 1, 0
TIME_ANSWERS = ((YES, "Yes"), (IF_I_MUST, "If I must"), (NO, "No"))
MOST_OPTIONS = 20
MOST_SCORE = 10
MOST_DOTS = 100
# How long before closing the members who have not voted are reminded, once.
CLOSING_SOON = timedelta(hours=24)
NAMES_SHOWN = "Everyone will see how you voted."
NAMES_HIDDEN = (
    "Nobody will see how you voted, not even facilitators; results appear after it closes "
    f"if at least {ANONYMOUS_MIN} people voted."
)


# Counting: pure functions.


@dataclass(frozen=True)
class Ballot:
    """One person's vote, as counting sees it: what they gave each option (by option id), and why."""

    choices: dict[int, int]
    reason: str = ""


@dataclass(frozen=True)
class Option:
    id: int
    text: str


def _share(part: int, whole: int) -> int:
    """A whole percentage, 0 of nothing."""
    return round(100 * part / whole) if whole else 0


def count_proposal(options: list[Option], ballots: list[Ballot]) -> dict:
    """How many took each position and their share of voters; the reasons given, without names, in order of
    position then words (not of voting, which could tell who wrote which); blocks counted plainly."""
    voters = len(ballots)
    counts = Counter(option_id for ballot in ballots for option_id, value in ballot.choices.items() if value)
    text = {option.id: option.text for option in options}
    order = {option.id: index for index, option in enumerate(options)}
    reasons = sorted(
        (
            (order[option_id], ballot.reason)
            for ballot in ballots
            if ballot.reason
            for option_id, value in ballot.choices.items()
            if value and option_id in text
        ),
    )
    rows = [
        {"id": option.id, "text": option.text, "count": counts[option.id], "share": _share(counts[option.id], voters)}
        for option in options
    ]
    blocks = sum(row["count"] for row in rows if row["text"] == BLOCK)
    return {
        "voters": voters,
        "options": rows,
        "reasons": [{"position": options[index].text, "reason": reason} for index, reason in reasons],
        "blocks": blocks,
    }


def count_choices(options: list[Option], ballots: list[Ballot]) -> dict:
    """Choose one or several: how many chose each, and what share of the voters that is."""
    voters = len(ballots)
    counts = Counter(option_id for ballot in ballots for option_id, value in ballot.choices.items() if value)
    rows = [
        {"id": option.id, "text": option.text, "count": counts[option.id], "share": _share(counts[option.id], voters)}
        for option in options
    ]
    return {"voters": voters, "options": rows}


def count_scores(options: list[Option], ballots: list[Ballot]) -> dict:
    """Scores: each option's total and its average over the people who scored it (to one decimal place)."""
    rows = []
    for option in options:
        given = [ballot.choices[option.id] for ballot in ballots if option.id in ballot.choices]
        total = sum(given)
        rows.append(
            {
                "id": option.id,
                "text": option.text,
                "total": total,
                "average": round(total / len(given), 1) if given else 0,
            }
        )
    return {"voters": len(ballots), "options": rows}


def count_dots(options: list[Option], ballots: list[Ballot]) -> dict:
    """Dots: the dots each option was given in all, and its share of all the dots given."""
    totals = Counter()
    for ballot in ballots:
        totals.update({option_id: value for option_id, value in ballot.choices.items() if value})
    given = sum(totals[option.id] for option in options)
    rows = [
        {"id": option.id, "text": option.text, "total": totals[option.id], "share": _share(totals[option.id], given)}
        for option in options
    ]
    return {"voters": len(ballots), "options": rows, "dots_given": given}


def count_times(options: list[Option], ballots: list[Ballot]) -> dict:
    """Times: how many said yes, if I must, and no to each. The best time has the most yes; of those with as
    many, the fewest no; of those, the earliest offered. None when nobody voted."""
    rows = []
    for option in options:
        answers = Counter(ballot.choices.get(option.id, NO) for ballot in ballots)
        rows.append(
            {"id": option.id, "text": option.text, "yes": answers[YES], "maybe": answers[IF_I_MUST], "no": answers[NO]}
        )
    best = None
    if ballots and rows:
        best = max(rows, key=lambda row: (row["yes"], -row["no"], -rows.index(row)))["id"]
    for row in rows:
        row["best"] = row["id"] == best
    return {"voters": len(ballots), "options": rows, "best": best}


COUNTERS = {
    Poll.Type.PROPOSAL: count_proposal,
    Poll.Type.ONE: count_choices,
    Poll.Type.SEVERAL: count_choices,
    Poll.Type.SCORE: count_scores,
    Poll.Type.DOTS: count_dots,
    Poll.Type.TIME: count_times,
}


def count(poll_type: str, options: list[Option], ballots: list[Ballot]) -> dict:
    """The figures of a poll of `poll_type`: always "voters" and one row per option, in the options' order."""
    return COUNTERS[poll_type](options, ballots)


# Reading a poll's ballots.


def _options(poll: Poll) -> list[Option]:
    return [Option(id=option.pk, text=option.text) for option in poll.options.all()]


def current_votes(poll: Poll):
    """Each voter's latest ballot, with what it gave each option and who cast it."""
    return (
        Vote.objects.filter(poll=poll, replaced_at__isnull=True)
        .select_related("user")
        .prefetch_related(Prefetch("choices", queryset=VoteChoice.objects.order_by("option__position", "option_id")))
        .order_by("cast_at", "id")
    )


def _ballots(votes) -> list[Ballot]:
    return [Ballot(choices={c.option_id: c.value for c in vote.choices.all()}, reason=vote.reason) for vote in votes]


def live_results(poll: Poll) -> dict:
    return count(poll.type, _options(poll), _ballots(current_votes(poll)))


@dataclass
class Shown:
    """What a poll's page may show a viewer: the figures (or None), why not if none, and who voted what."""

    results: dict | None
    why_not: str = ""
    votes: list = field(default_factory=list)


def poll_shown(poll: Poll) -> Shown:
    """The results and names a poll shows now: the same for every viewer, facilitators included."""
    if poll.withdrawn_at is not None:
        return Shown(None, "This poll was withdrawn, so nothing is counted.")
    if poll.closed_at is None:
        if poll.anonymous:
            return Shown(None, f"Results appear after it closes, if at least {ANONYMOUS_MIN} people voted.")
        if not poll.results_while_open:
            return Shown(None, "Results appear when it closes.")
        votes = list(current_votes(poll))
        return Shown(count(poll.type, _options(poll), _ballots(votes)), votes=votes)
    if poll.anonymous:
        if poll.results.get("withheld"):
            return Shown(None, WITHHELD)
        return Shown(poll.results)
    return Shown(poll.results, votes=list(current_votes(poll)))


def poll_closed_if_due(poll: Poll) -> Poll:
    """The poll, closed and counted first if its closing time has passed and beat has not got to it (as
    vision's round_counted): what a page shows is never a poll open past its time."""
    if poll.closed_at is None and poll.withdrawn_at is None and poll.closes_at <= timezone.now():
        return poll_close(poll=poll)
    return poll


# Opening and changing a poll.


def _refuse(message: str, field_name: str | None = None):
    raise ValidationError({field_name: message} if field_name else message)


def _check_closing(closes_at: datetime, now: datetime) -> None:
    if closes_at <= now:
        _refuse("Choose a closing time in the future.", "closes_at")
    if closes_at > now + timedelta(days=366):
        _refuse("Choose a closing time within a year.", "closes_at")


def _check_names(anonymous: bool, results_while_open: bool) -> None:
    if anonymous and results_while_open:
        _refuse(
            "An anonymous poll shows its results only after it closes: choose one or the other.", "results_while_open"
        )


def time_text(collaborative: Collaborative, moment: datetime) -> str:
    """A time on offer, as the Collaborative's clocks show it: "Tuesday 3 June 2025, 18:30"."""
    return f"{collaborative.local_now(moment):%A %-d %B %Y, %H:%M}"


def _option_rows(
    poll: Poll, options: list[str], times: list[datetime], now: datetime, collaborative: Collaborative
) -> list[PollOption]:
    if poll.type == Poll.Type.PROPOSAL:
        return [PollOption(poll=poll, text=text, position=index) for index, text in enumerate(POSITIONS)]
    if poll.type == Poll.Type.TIME:
        times = sorted(set(times))
        if len(times) < 2:
            _refuse("Offer at least two times to choose from.", "times")
        if len(times) > MOST_OPTIONS:
            _refuse(f"Offer {MOST_OPTIONS} times at most.", "times")
        if times[0] <= now:
            _refuse("Offer times that have not passed yet.", "times")
        return [
            PollOption(poll=poll, text=time_text(collaborative, moment), starts_at=moment, position=index)
            for index, moment in enumerate(times)
        ]
    texts = [text.strip() for text in options if text.strip()]
    if len(texts) < 2:
        _refuse("Give at least two options, one on each line.", "options")
    if len(texts) > MOST_OPTIONS:
        _refuse(f"Give {MOST_OPTIONS} options at most.", "options")
    if len({text.casefold() for text in texts}) < len(texts):
        _refuse("Each option must be different: one is there twice.", "options")
    if any(len(text) > 200 for text in texts):
        _refuse("Keep each option to 200 characters at most.", "options")
    return [PollOption(poll=poll, text=text, position=index) for index, text in enumerate(texts)]


@transaction.atomic
def poll_open(
    *,
    collaborative: Collaborative,
    by: User,
    type: str,
    question: str,
    closes_at: datetime,
    details: str = "",
    anonymous: bool = False,
    results_while_open: bool = False,
    options: list[str] = (),
    times: list[datetime] = (),
    max_score: int = 5,
    dots: int = 10,
    thread: Thread | None = None,
    meeting: Meeting | None = None,
    now: datetime | None = None,
) -> Poll:
    """Open a poll: on its own, in a discussion, or during a meeting (a quick poll). Every member is emailed,
    but for a quick poll: the people it is for are in the meeting."""
    now = now or timezone.now()
    _check_closing(closes_at, now)
    _check_names(anonymous, results_while_open)
    if thread is not None and (thread.collaborative_id != collaborative.pk or not thread.is_open):
        _refuse("Polls can be opened only in an open discussion of this Collaborative.")
    if meeting is not None and meeting.collaborative_id != collaborative.pk:
        _refuse("Quick polls can be run only in this Collaborative's meetings.")
    if type == Poll.Type.SCORE and not 1 <= max_score <= MOST_SCORE:
        _refuse(f"Choose a highest score from 1 to {MOST_SCORE}.", "max_score")
    if type == Poll.Type.DOTS and not 1 <= dots <= MOST_DOTS:
        _refuse(f"Give each person from 1 to {MOST_DOTS} dots.", "dots")
    poll = Poll(
        collaborative=collaborative,
        thread=thread,
        meeting=meeting,
        type=type,
        question=question.strip(),
        details=details.strip(),
        anonymous=anonymous,
        results_while_open=results_while_open,
        max_score=max_score if type == Poll.Type.SCORE else Poll._meta.get_field("max_score").default,
        dots=dots if type == Poll.Type.DOTS else Poll._meta.get_field("dots").default,
        opened_by=by,
        opened_at=now,
        closes_at=closes_at,
    )
    poll.full_clean()
    rows = _option_rows(poll, list(options), list(times), now, collaborative)
    poll.save()
    PollOption.objects.bulk_create(rows)
    if meeting is None:
        members = [m.user for m in Membership.objects.current_in(collaborative).exclude(user=by)]
        messages_queue(recipients=members, collaborative=collaborative, kind=POLL_OPENED, about=poll)
    return poll


def _locked(poll: Poll) -> Poll:
    return Poll.objects.select_for_update(of=("self",)).select_related("collaborative").get(pk=poll.pk)


NAMES_FIXED = "People have voted already, so whether names are shown, and when results are shown, can no longer change."


@transaction.atomic
def poll_change(
    *,
    poll: Poll,
    question: str,
    details: str,
    closes_at: datetime,
    anonymous: bool,
    results_while_open: bool,
    now: datetime | None = None,
) -> Poll:
    """Change an open poll's words and closing time; whether names are shown, and when results are, only until
    someone has voted (what a voter was told stays true)."""
    now = now or timezone.now()
    poll = _locked(poll)
    if not poll.is_open:
        _refuse("This poll is no longer open, so it cannot be changed.")
    _check_closing(closes_at, now)
    _check_names(anonymous, results_while_open)
    names_changed = (anonymous, results_while_open) != (poll.anonymous, poll.results_while_open)
    if names_changed and poll.votes.exists():
        _refuse(NAMES_FIXED)
    poll.question, poll.details, poll.closes_at = question.strip(), details.strip(), closes_at
    poll.anonymous, poll.results_while_open = anonymous, results_while_open
    poll.full_clean()
    poll.save(update_fields=["question", "details", "closes_at", "anonymous", "results_while_open"])
    return poll


# Voting.


def _check_ballot(poll: Poll, options: dict[int, PollOption], choices: dict[int, int], reason: str) -> dict[int, int]:
    """The ballot's choices as they are kept, or a ValidationError saying plainly what to put right."""
    if any(option_id not in options for option_id in choices):
        _refuse("That is not one of this poll's options. Reload the page and vote again.")
    if any(value < 0 for value in choices.values()):
        _refuse("Numbers cannot be below 0.")
    chosen = {option_id: value for option_id, value in choices.items() if value}
    if poll.type in (Poll.Type.PROPOSAL, Poll.Type.ONE):
        if len(chosen) != 1 or set(chosen.values()) != {1}:
            _refuse("Choose one." if poll.type == Poll.Type.ONE else "Choose agree, abstain, disagree or block.")
        if poll.type == Poll.Type.PROPOSAL:
            position = options[next(iter(chosen))].text
            if position in REASON_NEEDED and not reason.strip():
                _refuse(f"Say why you {position.lower()}: the others need to know.", "reason")
        return chosen
    if poll.type == Poll.Type.SEVERAL:
        if not chosen or set(chosen.values()) != {1}:
            _refuse("Choose at least one.")
        return chosen
    if poll.type == Poll.Type.SCORE:
        if set(choices) != set(options):
            _refuse("Give every option a score.")
        if any(value > poll.max_score for value in choices.values()):
            _refuse(f"Scores go from 0 to {poll.max_score}.")
        return dict(choices)
    if poll.type == Poll.Type.DOTS:
        given = sum(chosen.values())
        if given > poll.dots:
            _refuse(f"You have {poll.dots} dots to share out, and you gave {given}. Take some back.")
        if not given:
            _refuse("Put at least one dot on an option.")
        return chosen
    if set(choices) != set(options):
        _refuse("Answer yes, if I must, or no for every time.")
    if any(value not in (YES, IF_I_MUST, NO) for value in choices.values()):
        _refuse("Answer yes, if I must, or no for every time.")
    return dict(choices)


@transaction.atomic
def poll_vote(
    *, poll: Poll, user: User, choices: dict[int, int], reason: str = "", now: datetime | None = None
) -> Vote:
    """Cast or change a person's vote while the poll is open. A named poll keeps the earlier ballot (marked
    replaced); an anonymous one keeps none, as it will keep none of any ballot once it closes."""
    now = now or timezone.now()
    # The poll's row, locked: closing it (poll_close) waits for this vote, or this vote for the closing.
    poll = _locked(poll)
    if poll.closed_at is not None or poll.withdrawn_at is not None or poll.closes_at <= now:
        _refuse("This poll has closed, so votes can no longer be cast or changed.")
    options = {option.pk: option for option in poll.options.all()}
    kept = _check_ballot(poll, options, choices, reason)
    reason = reason.strip() if poll.type == Poll.Type.PROPOSAL else ""
    if len(reason) > 2000:
        _refuse("Keep your reason to 2,000 characters at most.", "reason")
    earlier = Vote.objects.filter(poll=poll, user=user, replaced_at__isnull=True)
    if poll.anonymous:
        earlier.delete()
    else:
        earlier.update(replaced_at=now)
    vote = Vote.objects.create(poll=poll, user=user, reason=reason, cast_at=now)
    VoteChoice.objects.bulk_create(
        VoteChoice(vote=vote, option=options[option_id], value=value) for option_id, value in kept.items()
    )
    return vote


def my_vote(poll: Poll, user: User) -> Vote | None:
    """The person's latest ballot in an open poll (theirs alone to see, to change it), or None."""
    return Vote.objects.filter(poll=poll, user=user, replaced_at__isnull=True).prefetch_related("choices").first()


# Closing, withdrawing, the outcome.


def _count_and_forget(poll: Poll) -> None:
    """Count a poll just closed into its results; an anonymous one's ballots are then deleted, every one."""
    votes = list(current_votes(poll))
    poll.voters = len(votes)
    if poll.anonymous:
        if poll.voters < ANONYMOUS_MIN:
            poll.results = {"withheld": True}
        else:
            poll.results = count(poll.type, _options(poll), _ballots(votes))
        VoteChoice.objects.filter(vote__poll=poll).delete()
        Vote.objects.filter(poll=poll).delete()
    else:
        poll.results = count(poll.type, _options(poll), _ballots(votes))
    poll.save(update_fields=["results", "voters"])


def _close(poll: Poll, by: User | None, now: datetime) -> Poll | None:
    """Claim the poll with one conditional UPDATE, count it, tell whoever opened it; None if it was not
    there to claim (closed or withdrawn already, or for beat, not due yet)."""
    with transaction.atomic():
        claimable = Poll.objects.filter(pk=poll.pk, closed_at__isnull=True, withdrawn_at__isnull=True)
        if by is None:
            claimable = claimable.filter(closes_at__lte=now)
        # At its closing time it closed then; early, now.
        if not claimable.update(closed_at=F("closes_at") if by is None else now):
            return None
        poll = Poll.objects.select_related("collaborative", "opened_by").get(pk=poll.pk)
        _count_and_forget(poll)
        if poll.opened_by is not None and poll.opened_by.is_active:
            messages_queue(recipients=[poll.opened_by], collaborative=poll.collaborative, kind=POLL_CLOSED, about=poll)
    return poll


def poll_close(*, poll: Poll, by: User | None = None, now: datetime | None = None) -> Poll:
    """Close a poll and count it, once: at its closing time (by=None: beat, or the first look after it), or
    early by whoever opened it or a facilitator (`by`). Whoever opened it is emailed to write the outcome.

    The poll is claimed with one conditional UPDATE, so two workers, or a worker and a person pressing
    "Close now", count it once: the second finds nothing to claim."""
    closed = _close(poll, by, now or timezone.now())
    if closed is None:
        if by is not None:
            _refuse("This poll has closed already, or was withdrawn.")
        return Poll.objects.select_related("collaborative").get(pk=poll.pk)
    return closed


def polls_close_due(now: datetime | None = None) -> int:
    """Beat's scan: close and count every poll past its closing time; how many it closed. Each in a
    transaction of its own: one that fails is logged and tried again next time, and holds up no other."""
    now = now or timezone.now()
    due = Poll.objects.filter(closed_at__isnull=True, withdrawn_at__isnull=True, closes_at__lte=now)
    closed = 0
    for pk in list(due.order_by("closes_at", "pk").values_list("pk", flat=True)):
        try:
            closed += _close(Poll(pk=pk), None, now) is not None
        except Exception:
            logger.exception("Poll %s could not be closed; it will be tried again.", pk)
    return closed


@transaction.atomic
def poll_withdraw(*, poll: Poll, by: User, now: datetime | None = None) -> Poll:
    """Withdraw an open poll: it is kept, with nothing counted. An anonymous one's ballots go at once."""
    now = now or timezone.now()
    if not Poll.objects.filter(pk=poll.pk, closed_at__isnull=True, withdrawn_at__isnull=True).update(withdrawn_at=now):
        _refuse("This poll has closed already, so it cannot be withdrawn: its results stand.")
    poll = Poll.objects.select_related("collaborative").get(pk=poll.pk)
    if poll.anonymous:
        VoteChoice.objects.filter(vote__poll=poll).delete()
        Vote.objects.filter(poll=poll).delete()
    return poll


@transaction.atomic
def poll_outcome_write(*, poll: Poll, by: User, outcome: str, now: datetime | None = None) -> Poll:
    """Write (or correct) what came of a closed poll; every member is emailed it."""
    now = now or timezone.now()
    poll = _locked(poll)
    if poll.closed_at is None:
        _refuse("The outcome is written once the poll has closed.")
    outcome = outcome.strip()
    if not outcome:
        _refuse("Say what came of it.", "outcome")
    poll.outcome, poll.outcome_at, poll.outcome_by = outcome, now, by
    poll.full_clean()
    poll.save(update_fields=["outcome", "outcome_at", "outcome_by"])
    members = [m.user for m in Membership.objects.current_in(poll.collaborative).exclude(user=by)]
    messages_queue(
        recipients=members,
        collaborative=poll.collaborative,
        kind=POLL_OUTCOME,
        about=poll,
        occasion=outcome_occasion(poll),
    )
    return poll


CLOSING_SOON_OCCASION = "closing-soon"


def polls_closing_soon_queue(now: datetime | None = None) -> int:
    """Beat's scan: remind the members who have not voted, once, when a poll closes within CLOSING_SOON.
    Polls open for less than that (quick polls in a meeting among them) send no reminder."""
    now = now or timezone.now()
    soon = (
        Poll.objects.open(now)
        .filter(closes_at__lte=now + CLOSING_SOON, meeting__isnull=True)
        .select_related("collaborative")
    )
    queued = 0
    for poll in soon:
        if poll.closes_at - poll.opened_at <= CLOSING_SOON:
            continue
        voted = Vote.objects.filter(poll=poll, user_id=OuterRef("user_id"))
        members = Membership.objects.current_in(poll.collaborative).exclude(Exists(voted))
        queued += tell_once(
            members=members,
            collaborative=poll.collaborative,
            kind=POLL_CLOSING_SOON,
            about=poll,
            occasion=CLOSING_SOON_OCCASION,
        )
    return queued


# A time poll made a meeting.


def best_option(poll: Poll) -> PollOption | None:
    """A closed time poll's best time, as counted (None if nobody voted, or its results are not shown)."""
    best = poll.results.get("best") if poll.results else None
    return poll.options.filter(pk=best).first() if best else None


@transaction.atomic
def poll_meeting_make(*, poll: Poll, by: User, **meeting) -> Meeting:
    """Set up the time a closed time poll chose as a meeting, in one step (meetings.services.meeting_schedule
    takes `meeting`'s fields), and note it on the poll: once."""
    poll = _locked(poll)
    if poll.type != Poll.Type.TIME:
        _refuse("Only a poll to find a time can become a meeting.")
    if poll.closed_at is None:
        _refuse("Wait until the poll has closed, to set up the time it chose.")
    if poll.meeting_made_id is not None:
        _refuse("A meeting has been set up from this poll already.")
    made = meeting_schedule(collaborative=poll.collaborative, by=by, **meeting)
    poll.meeting_made = made
    poll.save(update_fields=["meeting_made"])
    return made


# Reads for the pages.


def polls_listed(collaborative: Collaborative, user: User, now: datetime | None = None):
    """The Collaborative's polls, open ones first (closing soonest first), then the rest (latest first), each
    with `voted`: whether the person has a ballot in it."""
    now = now or timezone.now()
    is_open = Q(closed_at__isnull=True, withdrawn_at__isnull=True, closes_at__gt=now)
    return (
        Poll.objects.for_collaborative(collaborative)
        .annotate(
            open_first=Case(When(is_open, then=Value(0)), default=Value(1), output_field=IntegerField()),
            soonest=Case(When(is_open, then=F("closes_at")), default=None, output_field=DateTimeField()),
            voted=Exists(Vote.objects.filter(poll=OuterRef("pk"), user=user, replaced_at__isnull=True)),
        )
        .order_by("open_first", "soonest", "-closes_at", "-id")
    )


def thread_polls(thread: Thread):
    """The polls opened in a discussion, newest first, for its page (templates/discussions/poll_summary.html)."""
    return Poll.objects.filter(thread=thread).order_by("-opened_at", "-id")


def meeting_polls(meeting: Meeting) -> list[Poll]:
    """The quick polls of a meeting, newest first."""
    return list(Poll.objects.filter(meeting=meeting).order_by("-opened_at", "-id"))


@dataclass(frozen=True)
class MeetingPanel:
    """The quick polls on a meeting's page (meetings/panels.py): the same for everyone of a role."""

    polls: list
    can_open: bool


def meeting_panel(meeting: Meeting, membership: Membership) -> MeetingPanel | None:
    """For the meeting's page: its quick polls, and for facilitators a way to run one (not once it is
    cancelled). Left out when there is nothing to show. Depends on the role only (see meetings/panels.py)."""
    can_open = facilitates(membership) and not meeting.is_cancelled
    polls = meeting_polls(meeting)
    if not polls and not can_open:
        return None
    return MeetingPanel(polls=polls, can_open=can_open)


def vote_lines(poll: Poll, votes: list[Vote]) -> list[dict]:
    """Who voted what in a named poll, in words: {"name", "answer", "reason"} for each ballot."""
    text = {option.pk: option.text for option in poll.options.all()}
    said = dict(TIME_ANSWERS)
    lines = []
    for vote in votes:
        given = [(choice.option_id, choice.value) for choice in vote.choices.all()]
        if poll.type == Poll.Type.SCORE:
            answer = "; ".join(f"{text[pk]}: {value}" for pk, value in given)
        elif poll.type == Poll.Type.DOTS:
            answer = "; ".join(f"{text[pk]}: {value} dot{'s' if value != 1 else ''}" for pk, value in given)
        elif poll.type == Poll.Type.TIME:
            answer = "; ".join(f"{text[pk]}: {said[value].lower()}" for pk, value in given)
        else:
            answer = ", ".join(text[pk] for pk, _value in given)
        name = (vote.user.display_name if vote.user else "") or "A former member"
        lines.append({"name": name, "answer": answer, "reason": vote.reason})
    return lines
