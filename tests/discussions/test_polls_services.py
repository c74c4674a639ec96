"""Polls through their services (discussions/polls.py) on the real database: voting, anonymity, closing once."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from discussions.models import Poll, Vote, VoteChoice
from discussions.poll_emails import POLL_CLOSED, POLL_CLOSING_SOON, POLL_OPENED, POLL_OUTCOME
from discussions.polls import (
    NAMES_FIXED,
    WITHHELD,
    poll_change,
    poll_close,
    poll_outcome_write,
    poll_shown,
    poll_vote,
    poll_withdraw,
    polls_close_due,
    polls_closing_soon_queue,
)
from notifications.models import Message
from tests.factories import MeetingFactory, MembershipFactory, poll_opened, poll_past_closing

pytestmark = pytest.mark.django_db


def option(poll: Poll, text: str) -> int:
    return poll.options.get(text=text).pk


def voters(collaborative, n: int) -> list:
    return [MembershipFactory(collaborative=collaborative).user for _ in range(n)]


def test_a_proposal_is_opened_with_its_four_positions_and_every_other_member_is_emailed(people, collaborative):
    poll = poll_opened(collaborative, by=people["member"])
    assert list(poll.options.values_list("text", flat=True)) == ["Agree", "Abstain", "Disagree", "Block"]
    told = set(Message.objects.filter(kind=POLL_OPENED.key).values_list("recipient", flat=True))
    assert told == {people["facilitator"].pk, people["commissioner"].pk}


def test_disagree_and_block_need_a_reason(people, collaborative):
    poll = poll_opened(collaborative, by=people["facilitator"])
    for position in ("Disagree", "Block"):
        with pytest.raises(ValidationError, match=f"Say why you {position.lower()}"):
            poll_vote(poll=poll, user=people["member"], choices={option(poll, position): 1}, reason="  ")
    assert not Vote.objects.exists()
    poll_vote(poll=poll, user=people["member"], choices={option(poll, "Block"): 1}, reason="Not step-free")
    assert Vote.objects.get().reason == "Not step-free"


def test_changing_a_named_vote_keeps_the_earlier_one_and_counts_the_latest(people, collaborative):
    poll = poll_opened(collaborative, by=people["facilitator"], type=Poll.Type.ONE, results_while_open=True)
    poll_vote(poll=poll, user=people["member"], choices={option(poll, "Tea"): 1})
    poll_vote(poll=poll, user=people["member"], choices={option(poll, "Coffee"): 1})
    assert Vote.objects.filter(poll=poll).count() == 2
    assert Vote.objects.filter(poll=poll, replaced_at__isnull=False).count() == 1
    counts = {row["text"]: row["count"] for row in poll_shown(poll).results["options"]}
    assert counts == {"Tea": 0, "Coffee": 1, "Juice": 0}


def test_a_dot_vote_refuses_more_dots_than_each_person_has(people, collaborative):
    poll = poll_opened(collaborative, by=people["facilitator"], type=Poll.Type.DOTS, dots=5)
    with pytest.raises(ValidationError, match="You have 5 dots to share out, and you gave 6"):
        poll_vote(poll=poll, user=people["member"], choices={option(poll, "Tea"): 4, option(poll, "Juice"): 2})
    assert not Vote.objects.exists()


def test_scores_and_times_refuse_what_the_poll_does_not_offer(people, collaborative):
    score = poll_opened(collaborative, by=people["facilitator"], type=Poll.Type.SCORE, max_score=3)
    with pytest.raises(ValidationError, match="Scores go from 0 to 3"):
        poll_vote(poll=score, user=people["member"], choices={o.pk: 4 for o in score.options.all()})
    with pytest.raises(ValidationError, match="Give every option a score"):
        poll_vote(poll=score, user=people["member"], choices={option(score, "Tea"): 1})
    times = poll_opened(collaborative, by=people["facilitator"], type=Poll.Type.TIME)
    with pytest.raises(ValidationError, match="Answer yes, if I must, or no for every time"):
        poll_vote(poll=times, user=people["member"], choices={times.options.first().pk: 2})
    assert not Vote.objects.exists()


def test_opening_refuses_a_closing_time_past_and_too_few_options(people, collaborative):
    with pytest.raises(ValidationError, match="Choose a closing time in the future"):
        poll_opened(collaborative, by=people["member"], closes_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="Give at least two options"):
        poll_opened(collaborative, by=people["member"], type=Poll.Type.ONE, options=["Tea", " "])
    with pytest.raises(ValidationError, match="An anonymous poll shows its results only after it closes"):
        poll_opened(collaborative, by=people["member"], anonymous=True, results_while_open=True)
    assert not Poll.objects.exists()


def test_whether_names_show_cannot_change_once_anyone_has_voted(people, collaborative):
    poll = poll_opened(collaborative, by=people["member"])
    settings = {"question": poll.question, "details": "", "closes_at": poll.closes_at, "results_while_open": False}
    poll_change(poll=poll, anonymous=True, **settings)  # Nobody has voted: it may still change.
    poll_vote(poll=poll, user=people["facilitator"], choices={option(poll, "Agree"): 1})
    with pytest.raises(ValidationError, match=NAMES_FIXED):
        poll_change(poll=poll, anonymous=False, **settings)
    with pytest.raises(ValidationError, match=NAMES_FIXED):
        poll_change(poll=poll, anonymous=False, **settings | {"results_while_open": True})
    poll.refresh_from_db()
    assert (poll.anonymous, poll.results_while_open) == (True, False)
    poll_change(poll=poll, anonymous=True, **settings | {"question": "Meet in the park in July?"})
    assert Poll.objects.get().question == "Meet in the park in July?"


class TestAnonymous:
    def test_nobody_sees_results_while_it_is_open(self, people, collaborative):
        poll = poll_opened(collaborative, by=people["facilitator"], anonymous=True)
        for user in voters(collaborative, 6):
            poll_vote(poll=poll, user=user, choices={option(poll, "Agree"): 1})
        shown = poll_shown(poll)
        assert shown.results is None
        assert shown.votes == []
        assert shown.why_not == "Results appear after it closes, if at least 5 people voted."

    def test_closing_counts_the_ballots_then_deletes_every_one_earlier_ones_too(self, people, collaborative):
        poll = poll_opened(collaborative, by=people["facilitator"], anonymous=True)
        people_voting = voters(collaborative, 5)
        poll_vote(poll=poll, user=people_voting[0], choices={option(poll, "Block"): 1}, reason="Too far")
        for user in people_voting:
            poll_vote(poll=poll, user=user, choices={option(poll, "Agree"): 1})  # The first changes their vote.
        assert Vote.objects.filter(poll=poll).count() == 5  # An anonymous poll keeps no earlier ballot.

        poll_close(poll=poll, by=people["facilitator"])

        assert not Vote.objects.filter(poll=poll).exists()
        assert not VoteChoice.objects.filter(option__poll=poll).exists()
        poll.refresh_from_db()
        assert poll.voters == 5
        assert {row["text"]: row["count"] for row in poll.results["options"]}["Agree"] == 5
        assert poll.results["reasons"] == []
        assert poll_shown(poll).votes == []

    def test_fewer_than_five_voters_show_no_results_and_keep_no_figures(self, people, collaborative):
        poll = poll_opened(collaborative, by=people["facilitator"], anonymous=True)
        for user in voters(collaborative, 4):
            poll_vote(poll=poll, user=user, choices={option(poll, "Agree"): 1})
        poll_close(poll=poll, by=people["facilitator"])
        poll.refresh_from_db()
        assert poll.results == {"withheld": True}
        assert poll.voters == 4
        assert poll_shown(poll).why_not == WITHHELD
        assert not Vote.objects.exists()

    def test_withdrawing_deletes_its_ballots_too(self, people, collaborative):
        poll = poll_opened(collaborative, by=people["facilitator"], anonymous=True)
        poll_vote(poll=poll, user=people["member"], choices={option(poll, "Agree"): 1})
        poll_withdraw(poll=poll, by=people["facilitator"])
        assert not Vote.objects.exists()
        with pytest.raises(ValidationError, match="This poll has closed"):
            poll_vote(poll=poll, user=people["member"], choices={option(poll, "Agree"): 1})


def test_a_named_poll_keeps_its_ballots_when_it_closes(people, collaborative):
    poll = poll_opened(collaborative, by=people["facilitator"])
    poll_vote(poll=poll, user=people["member"], choices={option(poll, "Disagree"): 1}, reason="Too far")
    poll_close(poll=poll, by=people["facilitator"])
    shown = poll_shown(Poll.objects.get(pk=poll.pk))
    assert [vote.user for vote in shown.votes] == [people["member"]]
    assert shown.results["reasons"] == [{"position": "Disagree", "reason": "Too far"}]


class TestClosing:
    def test_the_scan_closes_what_is_due_once_and_the_opener_is_asked_for_the_outcome(self, people, collaborative):
        due = poll_past_closing(poll_opened(collaborative, by=people["member"]))
        not_yet = poll_opened(collaborative, by=people["member"])
        assert polls_close_due() == 1
        assert polls_close_due() == 0
        due.refresh_from_db()
        assert due.closed_at == due.closes_at
        assert Poll.objects.get(pk=not_yet.pk).closed_at is None
        assert list(Message.objects.filter(kind=POLL_CLOSED.key).values_list("recipient", flat=True)) == [
            people["member"].pk
        ]
        with pytest.raises(ValidationError, match="closed already"):
            poll_close(poll=due, by=people["facilitator"])

    def test_a_vote_after_the_closing_time_is_refused(self, people, collaborative):
        poll = poll_past_closing(poll_opened(collaborative, by=people["member"]))
        with pytest.raises(ValidationError, match="This poll has closed"):
            poll_vote(poll=poll, user=people["member"], choices={option(poll, "Agree"): 1})


@pytest.mark.django_db(transaction=True)
def test_two_workers_scanning_at_once_close_and_count_each_poll_once(people, collaborative):
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite locks the whole table. Set DATABASE_URL (see README, Tests).")
    polls = [poll_past_closing(poll_opened(collaborative, by=people["member"], anonymous=True)) for _ in range(3)]
    for poll in polls:
        for user in voters(collaborative, 5):
            Vote.objects.create(poll=poll, user=user).choices.create(option=poll.options.get(text="Agree"))
    start, closed = threading.Barrier(2), []

    def worker():
        try:
            start.wait()
            closed.append(polls_close_due())
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert sum(closed) == 3
    assert Message.objects.filter(kind=POLL_CLOSED.key).count() == 3
    assert all(poll.voters == 5 for poll in Poll.objects.all())
    assert not Vote.objects.exists()


class TestEmails:
    def test_the_outcome_goes_to_every_member_but_its_writer(self, people, collaborative):
        poll = poll_opened(collaborative, by=people["member"])
        with pytest.raises(ValidationError, match="once the poll has closed"):
            poll_outcome_write(poll=poll, by=people["member"], outcome="We go to the park.")
        poll_close(poll=poll, by=people["member"])
        with pytest.raises(ValidationError, match="Say what came of it"):
            poll_outcome_write(poll=poll, by=people["member"], outcome="  ")
        poll_outcome_write(poll=poll, by=people["member"], outcome="We go to the park.")
        told = set(Message.objects.filter(kind=POLL_OUTCOME.key).values_list("recipient", flat=True))
        assert told == {people["facilitator"].pk, people["commissioner"].pk}

    def test_closing_soon_goes_once_to_those_who_have_not_voted(self, people, collaborative):
        poll = poll_opened(collaborative, by=people["member"], days=3)
        poll_vote(poll=poll, user=people["facilitator"], choices={option(poll, "Agree"): 1})
        a_day_before = poll.closes_at - timedelta(hours=23)
        assert polls_closing_soon_queue(now=poll.closes_at - timedelta(hours=25)) == 0
        assert polls_closing_soon_queue(now=a_day_before) == 2
        assert polls_closing_soon_queue(now=a_day_before) == 0
        told = set(Message.objects.filter(kind=POLL_CLOSING_SOON.key).values_list("recipient", flat=True))
        assert told == {people["member"].pk, people["commissioner"].pk}

    def test_a_quick_poll_emails_nobody_when_it_opens_and_reminds_nobody(self, people, collaborative):
        meeting = MeetingFactory(collaborative=collaborative)
        poll = poll_opened(
            collaborative, by=people["facilitator"], meeting=meeting, closes_at=timezone.now() + timedelta(hours=30)
        )
        assert polls_closing_soon_queue(now=poll.closes_at - timedelta(hours=1)) == 0
        assert not Message.objects.filter(kind__startswith="poll_").exists()
