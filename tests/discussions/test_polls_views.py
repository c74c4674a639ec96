"""The pages of polls: opening one, voting, the results fragment a quick poll refreshes, closing, the outcome,
a time poll made a meeting, and the list."""

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from discussions.models import Poll, Vote
from discussions.polls import poll_close, poll_vote
from meetings.models import Meeting
from tests.factories import MeetingFactory, MembershipFactory, VenueFactory, poll_opened, poll_past_closing

pytestmark = pytest.mark.django_db
LAMBETH = {"slug": "lambeth"}
HTMX = {"HX-Request": "true"}


def url(name: str, poll: Poll | None = None) -> str:
    return reverse(f"discussions:{name}", kwargs=LAMBETH | ({"pk": poll.pk} if poll else {}))


def text(response) -> str:
    return html.unescape(response.content.decode())


def new_poll_data(**overrides) -> dict:
    closes = timezone.localdate() + timedelta(days=7)
    return {
        "type": "one",
        "question": "Which cafe for the summer meeting?",
        "options": "Cafe on the Green\nThe Library",
        "closes_day": closes.isoformat(),
        "closes_time": "17:00",
        "names": "shown",
        "results": "after",
        "max_score": "5",
        "dots": "10",
    } | overrides


def test_a_member_opens_a_poll_that_says_before_anyone_votes_whether_names_show(member_client, collaborative):
    response = member_client.post(url("poll_new"), new_poll_data(names="anonymous"))
    poll = Poll.objects.get()
    assert response.headers["Location"] == poll.get_absolute_url()
    assert poll.anonymous
    assert list(poll.options.values_list("text", flat=True)) == ["Cafe on the Green", "The Library"]
    page = text(member_client.get(poll.get_absolute_url()))
    assert "Nobody will see how you voted, not even facilitators" in page
    assert "results appear after it closes if at least 5 people voted" in page


def test_the_form_says_both_ways_before_choosing(member_client):
    page = text(member_client.get(url("poll_new")))
    assert "Everyone will see how you voted." in page
    assert "Nobody will see how you voted, not even facilitators" in page


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"closes_day": "2001-01-01"}, "Choose a closing time in the future."),
        ({"options": "Only one"}, "Give at least two options, one on each line."),
        ({"type": "time", "options": ""}, "Offer at least two times to choose from."),
        ({"names": "anonymous", "results": "live", "type": "score", "max_score": "99"}, "less than or equal to 10"),
        ({"closes_time": "25:00"}, "Enter a valid time."),
    ],
)
def test_a_poll_that_does_not_make_sense_is_explained_and_nothing_is_saved(member_client, overrides, error):
    response = member_client.post(url("poll_new"), new_poll_data(**overrides))
    assert response.status_code == 400
    assert error in text(response)
    assert not Poll.objects.exists()


def test_a_vote_is_cast_and_changed_on_the_page(member_client, member, collaborative, facilitator):
    poll = poll_opened(collaborative, by=facilitator)
    agree, block = poll.options.get(text="Agree"), poll.options.get(text="Block")
    refused = member_client.post(poll.get_absolute_url(), {"choice": block.pk, "reason": ""})
    assert refused.status_code == 400
    assert "Say why you block: the others need to know." in text(refused)
    assert not Vote.objects.exists()
    member_client.post(poll.get_absolute_url(), {"choice": agree.pk})
    response = member_client.get(poll.get_absolute_url())
    assert "Change your vote" in text(response)
    assert response.context["form"].initial["choice"] == str(agree.pk)
    member_client.post(poll.get_absolute_url(), {"choice": block.pk, "reason": "Not step-free"})
    assert Vote.objects.filter(replaced_at__isnull=True).get().reason == "Not step-free"
    assert Vote.objects.count() == 2


def test_a_dot_vote_page_refuses_too_many_dots_plainly(member_client, collaborative, facilitator):
    poll = poll_opened(collaborative, by=facilitator, type=Poll.Type.DOTS, dots=3)
    data = {f"option_{option.pk}": "2" for option in poll.options.all()}
    response = member_client.post(poll.get_absolute_url(), data)
    assert response.status_code == 400
    assert "You have 3 dots to share out, and you gave 6. Take some back." in text(response)
    assert not Vote.objects.exists()


def test_changing_whether_names_show_is_refused_once_someone_has_voted(member_client, member, collaborative):
    poll = poll_opened(collaborative, by=member)
    poll_vote(poll=poll, user=member, choices={poll.options.get(text="Agree").pk: 1})
    closes = poll.closes_at.astimezone(collaborative.zone)
    response = member_client.post(
        url("poll_edit", poll),
        {
            "question": poll.question,
            "closes_day": closes.date().isoformat(),
            "closes_time": closes.strftime("%H:%M"),
            "names": "anonymous",
            "results": "after",
        },
    )
    assert response.status_code == 400
    assert "can no longer change" in text(response)
    assert not Poll.objects.get().anonymous


class TestQuickPoll:
    def test_members_cannot_run_one_in_a_meeting(self, member_client, collaborative):
        meeting = MeetingFactory(collaborative=collaborative)
        assert member_client.get(url("poll_new") + f"?meeting={meeting.pk}").status_code == 403

    def test_a_facilitator_runs_one_and_the_meeting_page_shows_it(self, facilitator_client, collaborative):
        meeting = MeetingFactory(collaborative=collaborative)
        page = text(facilitator_client.get(meeting.get_absolute_url()))
        assert "Run a quick poll" in page
        closes = collaborative.local_now() + timedelta(minutes=10)
        facilitator_client.post(
            url("poll_new") + f"?meeting={meeting.pk}",
            new_poll_data(
                question="Biscuits or fruit?",
                options="Biscuits\nFruit",
                results="live",
                closes_day=closes.date().isoformat(),
                closes_time=closes.strftime("%H:%M"),
            ),
        )
        poll = Poll.objects.get()
        assert poll.meeting == meeting
        assert "Biscuits or fruit?" in text(facilitator_client.get(meeting.get_absolute_url()))

    def test_the_results_fragment_refreshes_itself_while_open_and_stops_once_closed(
        self, member_client, member, collaborative, facilitator
    ):
        meeting = MeetingFactory(collaborative=collaborative)
        poll = poll_opened(collaborative, by=facilitator, type=Poll.Type.ONE, meeting=meeting, results_while_open=True)
        poll_vote(poll=poll, user=member, choices={poll.options.get(text="Tea").pk: 1})
        fragment = member_client.get(poll.get_absolute_url(), headers=HTMX)
        body = fragment.content.decode()
        assert "<html" not in body
        assert 'data-hx-trigger="every 3s"' in body
        assert f'data-hx-get="{poll.get_absolute_url()}"' in body
        assert "Refresh results" in body  # Without JavaScript.
        assert "1 person voted." in body
        poll_close(poll=poll, by=facilitator)
        after = member_client.get(poll.get_absolute_url(), headers=HTMX).content.decode()
        assert "every 3s" not in after
        assert "Refresh results" not in after


class TestNames:
    def test_a_named_poll_lists_who_voted_what_and_why(self, member_client, member, collaborative, facilitator):
        poll = poll_opened(collaborative, by=facilitator, results_while_open=True)
        poll_vote(poll=poll, user=member, choices={poll.options.get(text="Disagree").pk: 1}, reason="Too far")
        page = member_client.get(poll.get_absolute_url()).content.decode()
        assert html.escape(member.display_name) in page
        assert "Too far" in page

    def test_an_anonymous_poll_never_shows_a_name_even_to_facilitators(
        self, facilitator_client, collaborative, facilitator
    ):
        poll = poll_opened(collaborative, by=facilitator, anonymous=True)
        people = [MembershipFactory(collaborative=collaborative).user for _ in range(5)]
        for person in people:
            poll_vote(poll=poll, user=person, choices={poll.options.get(text="Agree").pk: 1})
        while_open = facilitator_client.get(poll.get_absolute_url()).content.decode()
        poll_close(poll=poll, by=facilitator)
        once_closed = facilitator_client.get(poll.get_absolute_url()).content.decode()
        for page in (while_open, once_closed):
            assert not any(html.escape(person.display_name) in page for person in people)
        assert "5 people voted." in once_closed


class TestOutcomeAndMeeting:
    def test_the_opener_writes_the_outcome_after_closing(self, member_client, member, collaborative):
        poll = poll_opened(collaborative, by=member)
        member_client.post(url("poll_close", poll))
        assert Poll.objects.get().closed_at is not None
        refused = member_client.post(url("poll_outcome", poll), {"outcome": " "})
        assert refused.status_code == 400
        assert "Say what came of it." in text(refused)
        member_client.post(url("poll_outcome", poll), {"outcome": "We meet in the park in July."})
        assert "We meet in the park in July." in text(member_client.get(poll.get_absolute_url()))

    def test_a_closed_time_poll_becomes_a_meeting_at_the_best_time_in_one_step(
        self, facilitator_client, member, collaborative, facilitator
    ):
        poll = poll_opened(collaborative, by=member, type=Poll.Type.TIME)
        times = list(poll.options.all())
        poll_vote(poll=poll, user=member, choices={times[0].pk: 0, times[1].pk: 2, times[2].pk: 1})
        poll = poll_past_closing(poll)
        form = facilitator_client.get(url("poll_meeting", poll))
        best = times[1].starts_at.astimezone(collaborative.zone)
        assert form.context["form"].initial["day"] == best.date()
        assert form.context["form"].initial["start_time"] == best.time()
        venue = VenueFactory(collaborative=collaborative)
        data = {
            "title": "Extra meeting",
            "day": best.date().isoformat(),
            "start_time": best.strftime("%H:%M"),
            "end_time": (best + timedelta(hours=2)).strftime("%H:%M"),
            "format": "in_person",
            "venue": venue.pk,
        }
        response = facilitator_client.post(url("poll_meeting", poll), data)
        meeting = Meeting.objects.get(title="Extra meeting")
        assert response.headers["Location"] == meeting.get_absolute_url()
        assert meeting.starts_at == times[1].starts_at
        assert Poll.objects.get().meeting_made == meeting
        again = facilitator_client.post(url("poll_meeting", poll), data)
        assert again.status_code == 302
        assert Meeting.objects.filter(title="Extra meeting").count() == 1


def test_the_list_shows_open_polls_first_and_those_you_have_not_voted_in(member_client, member, collaborative):
    closed = poll_opened(collaborative, by=member, question="Closed one")
    poll_close(poll=closed, by=member)
    voted = poll_opened(collaborative, by=member, question="Voted one")
    poll_vote(poll=voted, user=member, choices={voted.options.first().pk: 1})
    poll_opened(collaborative, by=member, question="Not voted one", days=3)
    page = text(member_client.get(url("polls")))
    assert page.index("Not voted one") < page.index("Voted one") < page.index("Closed one")
    assert page.count("You have not voted") == 1


def test_the_list_takes_as_many_queries_for_fifty_polls_as_for_two(
    member_client, member, collaborative, django_assert_num_queries
):
    def grow(to: int) -> None:
        now = timezone.now()
        Poll.objects.bulk_create(
            Poll(
                collaborative=collaborative,
                type="one",
                question=f"Poll {i}",
                opened_at=now,
                closes_at=now + timedelta(days=i + 1),
            )
            for i in range(to - Poll.objects.count())
        )

    member_client.get(url("polls"))
    grow(2)
    with CaptureQueriesContext(connection) as small:
        member_client.get(url("polls"))
    grow(50)
    with django_assert_num_queries(len(small)):
        response = member_client.get(url("polls"))
    assert len(response.context["page"].object_list) == 20
