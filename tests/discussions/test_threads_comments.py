"""Comments and what happens to them (issue 18, the threads part): edits keep the earlier words, withdrawing takes
the words away, a facilitator hides a comment with a reason its author alone reads; following and muting decide
who is emailed; closing with an outcome makes a decision or an action."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from discussions.emails import COMMENT_HIDDEN, COMMENT_POSTED, THREAD_CLOSED, THREAD_STARTED
from discussions.models import Comment, CommentVersion, Following, Thread
from discussions.services import comment_add, comment_hide, comment_withdraw, thread_close, thread_follow, thread_start
from meetings.models import Decision
from meetings.services import meeting_schedule
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message


def url(name: str, collaborative, **kwargs) -> str:
    return reverse(f"discussions:{name}", kwargs={"slug": collaborative.slug, **kwargs})


@pytest.fixture
def thread(people, collaborative) -> Thread:
    return thread_start(collaborative=collaborative, by=people["facilitator"], title="Weekends", text="Open then?")


def told(kind, about) -> set:
    return set(Message.objects.filter(kind=kind.key, about_id=about.pk).values_list("recipient__pk", flat=True))


def deliver() -> None:
    claim, ids = messages_claim(now=timezone.now() + timedelta(minutes=1))
    messages_send(claim=claim, ids=ids)


def test_editing_keeps_the_earlier_words_shows_edited_and_members_read_them(client, people, collaborative, thread):
    comment = comment_add(thread=thread, author=people["member"], text="First words")
    client.force_login(people["member"])
    response = client.post(url("comment_edit", collaborative, pk=comment.pk), {"text": "Better words"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.text == "Better words"
    assert comment.edited_at is not None
    assert list(CommentVersion.objects.values_list("text", flat=True)) == ["First words"]
    client.force_login(people["commissioner"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert ">edited</a>" in page
    assert "First words" in client.get(url("comment_versions", collaborative, pk=comment.pk)).content.decode()


def test_an_empty_edit_is_refused_plainly_and_changes_nothing(client, people, collaborative, thread):
    comment = comment_add(thread=thread, author=people["member"], text="First words")
    client.force_login(people["member"])
    response = client.post(url("comment_edit", collaborative, pk=comment.pk), {"text": " "})
    assert response.status_code == 400
    assert "A comment cannot be empty. To take it back, withdraw it instead." in response.content.decode()
    comment.refresh_from_db()
    assert comment.text == "First words"
    assert not CommentVersion.objects.exists()


def test_withdrawing_takes_the_words_and_earlier_versions_and_leaves_a_marker_and_the_replies(
    client, people, collaborative, thread
):
    comment = comment_add(thread=thread, author=people["member"], text="Regret this")
    client.force_login(people["member"])
    client.post(url("comment_edit", collaborative, pk=comment.pk), {"text": "Regret this more"})
    reply = comment_add(thread=thread, author=people["commissioner"], text="A reply stays", parent=comment)
    client.post(url("comment_withdraw", collaborative, pk=comment.pk))
    comment.refresh_from_db()
    assert (comment.status, comment.text) == (Comment.Status.WITHDRAWN, "")
    assert not CommentVersion.objects.exists()
    client.force_login(people["commissioner"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Withdrawn by its author." in page
    assert "Regret this" not in page
    assert "A reply stays" in page
    assert Comment.objects.get(pk=reply.pk).is_shown


def test_a_hidden_comment_shows_its_words_and_reason_to_its_author_only_and_emails_them(
    client, people, collaborative, thread, mailoutbox
):
    comment = comment_add(thread=thread, author=people["member"], text="Rude words")
    client.force_login(people["facilitator"])
    response = client.post(url("comment_hide", collaborative, pk=comment.pk), {"reason": "Ground rule 2: be kind."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    client.force_login(people["commissioner"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Hidden by a facilitator." in page
    assert "Rude words" not in page
    assert "Ground rule 2" not in page
    assert client.get(url("comment_versions", collaborative, pk=comment.pk)).status_code == 403
    client.force_login(people["member"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Rude words" in page
    assert "Ground rule 2: be kind." in page
    assert told(COMMENT_HIDDEN, comment) == {people["member"].pk}
    deliver()
    hidden = [email for email in mailoutbox if "hid your comment" in email.subject]
    assert len(hidden) == 1
    assert "Ground rule 2: be kind." in hidden[0].body


def test_hiding_needs_a_reason_and_a_facilitator_can_show_it_again(client, people, collaborative, thread):
    comment = comment_add(thread=thread, author=people["member"], text="Sharp words")
    client.force_login(people["facilitator"])
    response = client.post(url("comment_hide", collaborative, pk=comment.pk), {"reason": "  "})
    assert response.status_code == 400
    assert "Say why the comment is hidden: its author will read this." in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).is_shown
    comment_hide(comment=comment, by=people["facilitator"], reason="Too sharp.")
    client.post(url("comment_show", collaborative, pk=comment.pk))
    assert Comment.objects.get(pk=comment.pk).is_shown
    client.force_login(people["commissioner"])
    assert "Sharp words" in client.get(thread.get_absolute_url()).content.decode()


def test_a_comment_hidden_or_withdrawn_before_the_email_goes_is_not_sent(people, collaborative, thread, mailoutbox):
    first = comment_add(thread=thread, author=people["member"], text="One")
    second = comment_add(thread=thread, author=people["member"], text="Two")
    comment_withdraw(comment=first, by=people["member"])
    comment_hide(comment=second, by=people["commissioner"], reason="Off topic.")
    deliver()
    reasons = set(Message.objects.filter(kind=COMMENT_POSTED.key).values_list("about_id", "status", "last_error"))
    assert reasons == {
        (first.pk, Message.Status.SKIPPED, "The comment was withdrawn by its author."),
        (second.pk, Message.Status.SKIPPED, "A facilitator hid the comment."),
    }


def test_followers_hear_of_comments_but_not_the_author_nor_anyone_who_muted(people, collaborative, thread):
    # The facilitator started it (following); the commissioner chose to follow, then muted; the member comments.
    thread_follow(user=people["commissioner"], thread=thread, state=Following.State.FOLLOWING)
    first = comment_add(thread=thread, author=people["member"], text="One")
    assert told(COMMENT_POSTED, first) == {people["facilitator"].pk, people["commissioner"].pk}
    thread_follow(user=people["commissioner"], thread=thread, state=Following.State.MUTED)
    second = comment_add(thread=thread, author=people["facilitator"], text="Two")
    # The member follows now, by commenting; the muted commissioner hears nothing, and the author nothing.
    assert told(COMMENT_POSTED, second) == {people["member"].pk}
    # Stopping following: no more.
    thread_follow(user=people["member"], thread=thread, state=None)
    third = comment_add(thread=thread, author=people["facilitator"], text="Three")
    assert told(COMMENT_POSTED, third) == set()


def test_commenting_does_not_undo_a_mute(people, collaborative, thread):
    thread_follow(user=people["member"], thread=thread, state=Following.State.MUTED)
    comment_add(thread=thread, author=people["member"], text="Even so")
    assert Following.objects.get(user=people["member"], thread=thread).state == Following.State.MUTED


def test_muting_after_the_email_was_queued_means_it_is_not_sent(people, collaborative, thread):
    comment = comment_add(thread=thread, author=people["member"], text="One")
    thread_follow(user=people["facilitator"], thread=thread, state=Following.State.MUTED)
    deliver()
    message = Message.objects.get(kind=COMMENT_POSTED.key, about_id=comment.pk)
    assert (message.status, message.last_error) == (Message.Status.SKIPPED, "You muted the discussion.")


def test_the_follow_buttons_follow_mute_and_stop(client, people, collaborative, thread):
    client.force_login(people["member"])
    client.post(url("follow", collaborative, pk=thread.pk), {"state": "muted"})
    assert Following.objects.get(user=people["member"]).state == "muted"
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "You muted this discussion" in page
    client.post(url("follow", collaborative, pk=thread.pk), {"state": "none"})
    assert not Following.objects.filter(user=people["member"]).exists()
    response = client.post(url("follow", collaborative, pk=thread.pk), {"state": "everything"}, follow=True)
    assert "Choose to follow, mute or stop following." in response.content.decode()


def test_a_new_discussion_is_told_to_every_member_but_its_starter(people, collaborative, thread):
    assert told(THREAD_STARTED, thread) == {people["member"].pk, people["commissioner"].pk}


@pytest.fixture
def meeting(people, collaborative):
    return meeting_schedule(
        collaborative=collaborative,
        by=people["facilitator"],
        day=timezone.localdate() + timedelta(days=10),
        start=time(10),
        end=time(12),
        online_link="https://meet.example.org/lambeth",
        format="online",
    )


def test_closing_with_an_outcome_records_a_decision_and_tells_every_member(
    client, people, collaborative, thread, meeting
):
    client.force_login(people["facilitator"])
    response = client.post(
        url("close", collaborative, pk=thread.pk), {"outcome": "Open on Saturdays.", "meeting": meeting.pk}
    )
    assert response.status_code == 302
    thread.refresh_from_db()
    assert (thread.status, thread.outcome) == (Thread.Status.CLOSED, "Open on Saturdays.")
    decision = Decision.objects.get()
    assert (decision.meeting, decision.text, thread.outcome_decision) == (meeting, "Open on Saturdays.", decision)
    assert told(THREAD_CLOSED, thread) == {people["member"].pk, people["commissioner"].pk}


def test_closing_can_make_an_action(client, people, collaborative, thread):
    client.force_login(people["facilitator"])
    due = timezone.localdate() + timedelta(days=30)
    client.post(
        url("close", collaborative, pk=thread.pk),
        {
            "outcome": "Ask the trust.",
            "make_action": "on",
            "action_title": "Write to the trust",
            "action_owner": people["member"].pk,
            "action_due_on": due.isoformat(),
        },
    )
    action = Action.objects.get()
    assert (action.title, action.owner, action.due_on) == ("Write to the trust", people["member"], due)
    assert Thread.objects.get(pk=thread.pk).outcome_action == action
    # And the action's page lists the discussion? Only those about it: this one became it.
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "It became an action" in page


def test_closing_without_an_outcome_says_what_is_missing(client, people, collaborative, thread):
    client.force_login(people["facilitator"])
    response = client.post(url("close", collaborative, pk=thread.pk), {"outcome": " ", "make_action": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Write what came of the discussion before closing it." in page
    assert "Give the action a due date." in page
    assert Thread.objects.get(pk=thread.pk).is_open


def test_reopening_keeps_the_outcome_and_a_stale_outcome_email_is_skipped(client, people, collaborative, thread):
    thread_close(thread=thread, by=people["facilitator"], outcome="Agreed.")
    client.force_login(people["facilitator"])
    client.post(url("reopen", collaborative, pk=thread.pk))
    thread.refresh_from_db()
    assert thread.is_open
    assert thread.outcome == "Agreed."
    assert (
        "This is what came of it when it was closed before." in client.get(thread.get_absolute_url()).content.decode()
    )
    deliver()
    message = Message.objects.filter(kind=THREAD_CLOSED.key).first()
    assert (message.status, message.last_error) == (Message.Status.SKIPPED, "The discussion was opened again since.")


def test_comment_add_refuses_a_closed_discussion(people, collaborative, thread):
    thread_close(thread=thread, by=people["facilitator"], outcome="Agreed.")
    with pytest.raises(ValidationError, match=r"This discussion is closed, so it takes no new comments\."):
        comment_add(thread=thread, author=people["member"], text="Late")


def test_digest_items_name_the_discussion_and_go_when_the_comment_does(people, collaborative, thread):
    comment = comment_add(thread=thread, author=people["member"], text="Saturdays, please.")
    message = Message.objects.get(kind=COMMENT_POSTED.key, about_id=comment.pk)
    item = COMMENT_POSTED.digest_item(message)
    assert (item.group, item.title, item.path) == (f"thread:{thread.pk}", "Weekends", comment.get_absolute_url())
    assert "Saturdays, please." in item.text
    comment_withdraw(comment=comment, by=people["member"])
    message.refresh_from_db()
    assert COMMENT_POSTED.digest_item(message) is None
    started = Message.objects.filter(kind=THREAD_STARTED.key).first()
    assert THREAD_STARTED.digest_item(started).group == f"thread:{thread.pk}"
