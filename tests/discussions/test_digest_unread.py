"""What is new since a member last looked (issue 18, item 5): unread discussions and polls on the home page and
beside "Discussions", in a fixed number of queries, and "Mark all as read"."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from discussions.models import AllRead, Following, Poll, Seen, Thread, Vote
from discussions.unread import SHOWN, unread_counts, unread_for
from members.models import Membership

pytestmark = pytest.mark.django_db

HOME = reverse("home:collaborative_home", kwargs={"slug": "lambeth"})


def threads(collaborative, count: int, *, ago: timedelta = timedelta(hours=1)) -> list[Thread]:
    at = timezone.now() - ago
    return Thread.objects.bulk_create(
        Thread(collaborative=collaborative, title=f"Discussion {n}", text="What do we think?", last_activity_at=at)
        for n in range(count)
    )


def polls(collaborative, count: int) -> list[Poll]:
    now = timezone.now()
    return Poll.objects.bulk_create(
        Poll(
            collaborative=collaborative,
            type=Poll.Type.PROPOSAL,
            question=f"Proposal {n}",
            opened_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=3),
        )
        for n in range(count)
    )


def fresh_counts(user, slug):
    user._unread_counts = None
    return unread_counts(user, slug)


def test_activity_since_the_last_look_is_new_and_muted_discussions_never_are(member, collaborative):
    seen, newer, muted, quiet = threads(collaborative, 4)
    Seen.objects.create(user=member, thread=seen, seen_at=timezone.now())
    Seen.objects.create(user=member, thread=newer, seen_at=timezone.now() - timedelta(hours=2))
    Following.objects.create(user=member, thread=muted, state=Following.State.MUTED)
    assert fresh_counts(member, "lambeth") == (2, 0)
    membership = Membership.objects.get(user=member, collaborative=collaborative)
    member._unread_counts = None
    assert {t.pk for t in unread_for(membership).threads} == {newer.pk, quiet.pk}


def test_open_polls_not_voted_in_are_new(member, collaborative):
    voted, _waiting, closed = polls(collaborative, 3)
    Vote.objects.create(poll=voted, user=member)
    Poll.objects.filter(pk=closed.pk).update(closed_at=timezone.now())
    assert fresh_counts(member, "lambeth") == (0, 1)


def test_mark_all_as_read_asks_first_then_marks(member_client, member, collaborative):
    threads(collaborative, 2)
    polls(collaborative, 1)
    url = reverse("discussions:read_all", kwargs={"slug": "lambeth"})
    page = member_client.get(url)
    assert page.status_code == 200
    assert '<button type="submit">Mark all as read</button>' in page.text
    assert not AllRead.objects.exists()
    response = member_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == HOME
    assert "Everything here is marked as read." in response.text
    assert AllRead.objects.get(user=member, collaborative=collaborative)
    assert fresh_counts(member, "lambeth") == (0, 0)
    assert "New since you last looked" not in response.text
    # Something happening afterwards is new again.
    later = threads(collaborative, 1, ago=timedelta(0))[0]
    Thread.objects.filter(pk=later.pk).update(last_activity_at=timezone.now() + timedelta(seconds=1))
    assert fresh_counts(member, "lambeth") == (1, 0)


def test_the_home_page_lists_a_few_with_links_and_the_navigation_counts_them(member_client, collaborative):
    found = threads(collaborative, SHOWN + 2)
    waiting = polls(collaborative, 1)
    page = member_client.get(HOME).text
    assert "New since you last looked" in page
    assert page.count('href="/c/lambeth/discussions/') >= SHOWN  # The nav link, and one for each shown.
    assert "And 2 more discussions" in page
    assert f'href="{waiting[0].get_absolute_url()}"' in page
    assert 'Discussions <span class="badge">8<span class="visually-hidden"> new</span></span>' in page
    assert f">{found[-1].title}</a>" in page  # The newest first.


def test_outsiders_count_nothing(people, collaborative):
    threads(collaborative, 2)
    assert fresh_counts(people["outsider"], "lambeth") == (0, 0)


@pytest.mark.parametrize("size", [2, 50])
def test_a_constant_number_of_queries_however_many(member, collaborative, size, django_assert_num_queries):
    threads(collaborative, size)
    polls(collaborative, size)
    membership = Membership.objects.select_related("user", "collaborative").get(
        user=member, collaborative=collaborative
    )
    member._unread_counts = None
    # One query counts both (and the navigation shares it); one lists each.
    with django_assert_num_queries(3):
        unread = unread_for(membership)
    assert (unread.thread_count, unread.poll_count) == (size, size)
    assert len(unread.threads) == len(unread.polls) == min(size, SHOWN)
    with django_assert_num_queries(0):
        unread_counts(membership.user, "lambeth")


def test_the_home_page_reads_as_many_for_two_as_for_fifty(member_client, collaborative):
    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert member_client.get(HOME).status_code == 200
        return len(context.captured_queries)

    threads(collaborative, 2)
    polls(collaborative, 2)
    few = count()
    threads(collaborative, 48)
    polls(collaborative, 48)
    assert count() == few
