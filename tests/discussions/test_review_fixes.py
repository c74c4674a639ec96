"""What a review of issue 18 found (the second ways to the same data): each test here failed before its fix."""

from datetime import timedelta

import pytest
from django.utils import timezone

from discussions.emails import COMMENT_POSTED, THREAD_STARTED
from discussions.models import Following, Thread
from discussions.services import comment_add, thread_follow, thread_start
from members.emails import DIGEST
from notifications.delivery import messages_claim, messages_send
from notifications.digest import NOTHING_LEFT, digests_gather
from notifications.models import Message, Preference

pytestmark = pytest.mark.django_db


def deliver(now=None) -> None:
    claim, ids = messages_claim(now=now or timezone.now() + timedelta(minutes=1))
    messages_send(claim=claim, ids=ids)


@pytest.fixture
def thread(people, collaborative) -> Thread:
    return thread_start(collaborative=collaborative, by=people["facilitator"], title="Weekends", text="Open then?")


def test_muting_after_a_message_was_kept_for_the_digest_keeps_it_out_of_the_digest(
    people, collaborative, thread, mailoutbox
):
    member = people["member"]
    Preference.objects.create(user=member, kind=COMMENT_POSTED.key, in_digest=True)
    thread_follow(user=member, thread=thread, state=Following.State.FOLLOWING)
    comment_add(thread=thread, author=people["facilitator"], text="Saturdays suit the carers best.")
    deliver()
    kept = Message.objects.filter(recipient=member, status=Message.Status.HELD)
    assert set(kept.values_list("kind", flat=True)) == {THREAD_STARTED.key, COMMENT_POSTED.key}
    # Muting wins over everything: what was kept for the digest goes too.
    thread_follow(user=member, thread=thread, state=Following.State.MUTED)
    digests_gather(now=timezone.now() + timedelta(days=2))
    deliver(now=timezone.now() + timedelta(days=3))
    digest = Message.objects.get(recipient=member, kind=DIGEST.key)
    assert (digest.status, digest.last_error) == (Message.Status.SKIPPED, NOTHING_LEFT)
    assert not [email for email in mailoutbox if member.email in email.to]
