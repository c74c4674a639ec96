"""News gone stale by the time the worker gets to it (issue 15, item 22): each kind says when.

Each case queues an email the way the app does, makes its news out of date (a newer version,
a later publishing, the meeting cancelled or begun, the thing already done), then runs the
real outbox delivery. The email is skipped, the reason is recorded, and the person it was for
reads that reason, in plain words, on "Emails sent to you".
"""

from datetime import datetime, time, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from actions.emails import ACTION_ASSIGNED, ACTION_FOLLOW_UP, ACTIONS_DIGEST, ACTIONS_SUMMARY
from actions.models import Action
from actions.services import action_change
from asks.emails import ASK_ANSWERED_FACILITATORS, ASK_FACT_CHECK, ASK_OVERDUE, ASK_REMINDER, ASK_SENT
from asks.models import Ask, ResponderLink
from asks.services import answer_give, ask_fact_check_send, ask_link_resend, ask_send, clock_emails_queue
from discussions.emails import COMMENT_HIDDEN, COMMENT_POSTED, THREAD_CLOSED, THREAD_STARTED
from discussions.models import Following
from discussions.poll_emails import POLL_CLOSING_SOON, POLL_OPENED, POLL_OUTCOME  # Polls part (issue 18).
from discussions.polls import (  # Polls part (issue 18).
    poll_close,
    poll_outcome_write,
    poll_vote,
    poll_withdraw,
    polls_closing_soon_queue,
)
from discussions.services import (
    comment_add,
    comment_hide,
    comment_show,
    comment_withdraw,
    thread_close,
    thread_follow,
    thread_reopen,
    thread_start,
)
from meetings.emails import (
    AGENDA_PUBLISHED,
    MEETING_CANCELLED,
    MEETING_CHANGED,
    MEETING_REMINDER,
    MEETING_SCHEDULED,
    MOVED_UP,
    NOTES_PUBLISHED,
    RSVP_ASKED,
)
from meetings.models import Attendance, Meeting, Rsvp, Venue
from meetings.services import (
    agenda_item_propose,
    agenda_publish,
    meeting_cancel,
    meeting_change,
    meeting_schedule,
    notes_publish,
    notes_save,
    rsvp_ask_unanswered,
    rsvp_set,
    series_schedule,
)
from members.emails import JOIN_REQUESTED
from members.services import join_request_create, join_request_decline, membership_set_payments
from notifications.delivery import message_id, messages_claim, messages_send
from notifications.models import Message
from notifications.services import messages_queue
from payments.emails import EXPENSES_TO_CLAIM, PAYMENT_APPROVED, PAYMENTS_WAITING, waiting_occasion
from payments.models import Line
from payments.services import line_add, line_approve, line_reverse, lines_mark_paid
from tests.factories import (
    MeetingFactory,
    MembershipFactory,
    PaymentSettingsFactory,
    SundayAskFactory,
    action_record,
    ask_sent_for_test,
    poll_opened,  # Polls part (issue 18).
)
from vision.emails import ROUND_CLOSING, VISION_ADOPTED, VISION_DRAFT
from vision.models import Rating
from vision.services import answers_save, round_open, version_adopt, version_draft


def deliver() -> None:
    claim, ids = messages_claim(now=timezone.now() + timedelta(minutes=1))
    messages_send(claim=claim, ids=ids)


def schedule(people, collaborative, *, capacity=None) -> Meeting:
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe", address="1 High Street", capacity=capacity)
    return meeting_schedule(
        collaborative=collaborative,
        by=people["facilitator"],
        day=timezone.localdate() + timedelta(days=7),
        start=time(10),
        end=time(12, 30),
        venue=venue,
    )


def started(meeting: Meeting) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=1)
    )


def first(kind, recipient) -> Message:
    return Message.objects.filter(kind=kind.key, recipient=recipient).order_by("id").first()


# Each case: make the news stale; return the email that must now be skipped and the reason.


def vision_adopted_then_a_new_draft(people, collaborative):
    facilitator = people["facilitator"]
    values = [("Care", "We listen.")]
    one = version_draft(collaborative=collaborative, by=facilitator, statement="Help is near.", values=values)
    version_adopt(version=one, by=facilitator)
    version_draft(collaborative=collaborative, by=facilitator, statement="Help is nearer.", values=values)
    return first(VISION_ADOPTED, people["member"]), "Version 2 was being drafted by then."


def agenda_published_again(people, collaborative):
    meeting = schedule(people, collaborative)
    agenda_item_propose(meeting=meeting, by=people["facilitator"], title="Welcome", accept=True)
    agenda_publish(meeting=meeting, by=people["facilitator"])
    agenda_item_propose(meeting=meeting, by=people["facilitator"], title="Tea", accept=True)
    agenda_publish(meeting=meeting, by=people["facilitator"], again=True)
    return first(AGENDA_PUBLISHED, people["member"]), "The agenda was published again since; that email goes instead."


def agenda_of_a_cancelled_meeting(people, collaborative):
    meeting = schedule(people, collaborative)
    agenda_item_propose(meeting=meeting, by=people["facilitator"], title="Welcome", accept=True)
    agenda_publish(meeting=meeting, by=people["facilitator"])
    meeting_cancel(meeting=meeting, by=people["facilitator"])
    return first(AGENDA_PUBLISHED, people["member"]), "The meeting was cancelled."


def agenda_of_a_meeting_begun(people, collaborative):
    meeting = schedule(people, collaborative)
    agenda_item_propose(meeting=meeting, by=people["facilitator"], title="Welcome", accept=True)
    agenda_publish(meeting=meeting, by=people["facilitator"])
    started(meeting)
    return first(AGENDA_PUBLISHED, people["member"]), "The meeting had already started."


def new_meeting_cancelled(people, collaborative):
    meeting = schedule(people, collaborative)
    meeting_cancel(meeting=meeting, by=people["facilitator"])
    return first(MEETING_SCHEDULED, people["member"]), "The meeting was cancelled."


def meeting_changed_twice_over(meeting, people, hours=(11,)) -> None:
    for hour in hours:
        meeting_change(
            meeting=Meeting.objects.get(pk=meeting.pk),
            by=people["facilitator"],
            day=meeting.local_start.date(),
            start=time(hour),
            end=time(hour + 2),
            title=meeting.title,
            format=meeting.format,
            venue=meeting.venue,
            online_link="",
            notes_for_members="",
        )


def run_of_meetings_all_cancelled(people, collaborative):
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe", address="1 High Street")
    today = timezone.localdate()
    meetings = series_schedule(
        collaborative=collaborative,
        by=people["facilitator"],
        week=2,
        weekday=3,
        first_month=today.replace(day=1) + timedelta(days=40),
        months=2,
        start=time(10),
        end=time(12),
        venue=venue,
    )
    for meeting in meetings:
        meeting_cancel(meeting=meeting, by=people["facilitator"])
    return first(MEETING_SCHEDULED, people["member"]), "None of these meetings is still to come."


def meeting_changed_twice(people, collaborative):
    meeting = schedule(people, collaborative)
    meeting_changed_twice_over(meeting, people, hours=(11, 14))
    return first(MEETING_CHANGED, people["member"]), "The meeting changed again since; that email goes instead."


def cancellation_after_the_meeting_time(people, collaborative):
    meeting = schedule(people, collaborative)
    meeting_cancel(meeting=meeting, by=people["facilitator"])
    started(meeting)
    return first(MEETING_CANCELLED, people["member"]), "The meeting's time had already come."


def notes_corrected_since(people, collaborative):
    meeting = schedule(people, collaborative)
    started(meeting)
    meeting = Meeting.objects.get(pk=meeting.pk)
    notes_save(meeting=meeting, by=people["facilitator"], general_notes="We met.", item_notes={})
    notes_publish(meeting=meeting, by=people["facilitator"])
    notes_save(meeting=meeting, by=people["facilitator"], general_notes="We met and talked.", item_notes={})
    notes_publish(meeting=meeting, by=people["facilitator"])
    return first(NOTES_PUBLISHED, people["member"]), "Corrected notes were published since; that email goes instead."


def place_given_up_before_the_email(people, collaborative):
    meeting = schedule(people, collaborative, capacity=1)
    rsvp_set(meeting=meeting, user=people["facilitator"], answer=Rsvp.Answer.COMING)
    rsvp_set(meeting=meeting, user=people["member"], answer=Rsvp.Answer.COMING)  # Waiting.
    rsvp_set(meeting=meeting, user=people["facilitator"], answer=Rsvp.Answer.NOT_COMING)  # The member moves up.
    rsvp_set(meeting=meeting, user=people["member"], answer=Rsvp.Answer.NOT_COMING)
    return first(MOVED_UP, people["member"]), "The answer for this meeting changed since the place came free."


def request_to_join_already_answered(people, collaborative):
    join_request = join_request_create(
        collaborative=collaborative, name="Sam Lee", email="sam@example.org", message="", user=None
    )
    join_request_decline(join_request=join_request, by=people["facilitator"])
    return first(JOIN_REQUESTED, people["facilitator"]), "The request had already been answered (declined)."


def action_given_then_done(people, collaborative):
    action = action_record(collaborative, by=people["facilitator"], owner=people["member"])
    action_change(action=action, by=people["facilitator"], changes={"status": Action.Status.DONE})
    return first(ACTION_ASSIGNED, people["member"]), "The action is done."


def digest_for_a_meeting_begun(people, collaborative):
    meeting = schedule(people, collaborative)
    messages_queue(recipients=[people["facilitator"]], collaborative=collaborative, kind=ACTIONS_DIGEST, about=meeting)
    started(meeting)
    return first(ACTIONS_DIGEST, people["facilitator"]), "The meeting had already started."


def summary_of_a_month_gone(people, collaborative):
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    messages_queue(
        recipients=[people["commissioner"]],
        collaborative=collaborative,
        kind=ACTIONS_SUMMARY,
        about=collaborative,
        occasion=f"summary-{last_month:%Y-%m}",
    )
    return first(ACTIONS_SUMMARY, people["commissioner"]), "A newer monthly summary is due instead."


def reminder_to_answer_a_round_already_answered(people, collaborative):
    round = round_open(
        collaborative=collaborative,
        by=people["facilitator"],
        title="Spring",
        closing_day=timezone.localdate() + timedelta(days=7),
    )
    messages_queue(
        recipients=[people["member"]],
        collaborative=collaborative,
        kind=ROUND_CLOSING,
        about=round,
        occasion=f"closing-{round.closing_day.isoformat()}",
    )
    answers_save(
        round=round, user=people["member"], answers={s.pk: (Rating.STRONG, "") for s in round.statements.all()}
    )
    return first(ROUND_CLOSING, people["member"]), "Every statement had been answered by then."


# The rules kinds had before: tested where their app's emails are, and here again for the words shown.


def reminder_for_a_meeting_that_moved(people, collaborative):
    meeting = schedule(people, collaborative)
    messages_queue(
        recipients=[people["member"]],
        collaborative=collaborative,
        kind=MEETING_REMINDER,
        about=meeting,
        occasion=f"reminder-1-{meeting.starts_at:%Y%m%dT%H%M}",
    )
    meeting_changed_twice_over(meeting, people)
    return first(MEETING_REMINDER, people["member"]), "The meeting moved; a reminder for the new time goes instead."


def follow_up_for_an_action_already_done(people, collaborative):
    action = action_record(collaborative, by=people["facilitator"], owner=people["member"])
    messages_queue(
        recipients=[people["member"]],
        collaborative=collaborative,
        kind=ACTION_FOLLOW_UP,
        about=action,
        occasion=f"due-{action.due_on.isoformat()}",
    )
    action_change(action=action, by=people["member"], changes={"status": Action.Status.DONE})
    return first(ACTION_FOLLOW_UP, people["member"]), "The action is done."


def are_you_coming_already_answered(people, collaborative):
    meeting = schedule(people, collaborative)
    rsvp_ask_unanswered(meeting=meeting, by=people["facilitator"])
    rsvp_set(meeting=meeting, user=people["member"], answer=Rsvp.Answer.MAYBE)
    return first(RSVP_ASKED, people["member"]), "An answer had been given by then."


def ideas_asked_for_a_draft_since_adopted(people, collaborative):
    facilitator = people["facilitator"]
    values = [("Care", "We listen.")]
    draft = version_draft(
        collaborative=collaborative, by=facilitator, statement="Help is near.", values=values, ask_members=True
    )
    version_adopt(version=draft, by=facilitator)
    return first(VISION_DRAFT, people["member"]), "Version 1 is no longer a draft."


# Payments (issue 16, item 7).


def a_claim(people, collaborative, **fields) -> Line:
    PaymentSettingsFactory(collaborative=collaborative, claim_within_days=fields.pop("claim_within_days", 90))
    member = people["member"]
    fields.setdefault("activity_on", timezone.localdate())
    return line_add(
        by=member,
        collaborative=collaborative,
        user=member,
        kind=Line.Kind.EXPENSE,
        expense_type="public_transport",
        description="Bus fare",
        unit_pence=450,
        amount_pence=450,
        **fields,
    )


def payment_approved_then_corrected(people, collaborative):
    line = line_approve(line=a_claim(people, collaborative), by=people["facilitator"])
    line_reverse(line=line, by=people["facilitator"], reason="Claimed twice.")
    return first(PAYMENT_APPROVED, people["member"]), "The payment was corrected since."


def payment_approved_then_paid(people, collaborative):
    line = line_approve(line=a_claim(people, collaborative), by=people["facilitator"])
    lines_mark_paid(lines=[line], by=people["facilitator"], paid_on=timezone.localdate(), reference="PAY-1")
    return first(PAYMENT_APPROVED, people["member"]), "It was paid since; that email goes instead."


def expenses_to_claim_for(people, collaborative, *, days_ago=1, claim_within_days=90) -> Meeting:
    PaymentSettingsFactory(collaborative=collaborative, claim_within_days=claim_within_days)
    start = timezone.now() - timedelta(days=days_ago)
    meeting = MeetingFactory(collaborative=collaborative, starts_at=start, ends_at=start + timedelta(hours=2))
    Attendance.objects.create(meeting=meeting, user=people["member"], attended=True)
    messages_queue(recipients=[people["member"]], collaborative=collaborative, kind=EXPENSES_TO_CLAIM, about=meeting)
    return meeting


def expenses_to_claim_but_marked_not_there(people, collaborative):
    meeting = expenses_to_claim_for(people, collaborative)
    Attendance.objects.filter(meeting=meeting).update(attended=False)
    return first(EXPENSES_TO_CLAIM, people["member"]), "The register no longer shows this person at the meeting."


def expenses_claimed_before_the_email(people, collaborative):
    meeting = expenses_to_claim_for(people, collaborative)
    a_claim(people, collaborative, meeting=meeting, activity_on=meeting.local_start.date())
    return first(EXPENSES_TO_CLAIM, people["member"]), "Expenses for this meeting had been claimed by then."


def expenses_to_claim_after_the_deadline(people, collaborative):
    expenses_to_claim_for(people, collaborative, days_ago=5, claim_within_days=2)
    return first(EXPENSES_TO_CLAIM, people["member"]), "The time to claim expenses for this meeting had passed."


def payments_list_for(people, collaborative, *, weeks_ago=0):
    contact = MembershipFactory(collaborative=collaborative, handles_payments=True)
    today = collaborative.local_today()
    monday = today - timedelta(days=today.weekday() + 7 * weeks_ago)
    line = a_claim(people, collaborative)
    messages_queue(
        recipients=[contact.user],
        collaborative=collaborative,
        kind=PAYMENTS_WAITING,
        about=collaborative,
        occasion=waiting_occasion(monday),
    )
    return contact, line


def payments_list_when_all_was_paid(people, collaborative):
    contact, line = payments_list_for(people, collaborative)
    line_approve(line=line, by=contact.user)
    lines_mark_paid(lines=[line], by=contact.user, paid_on=timezone.localdate(), reference="PAY-1")
    return first(PAYMENTS_WAITING, contact.user), "Nothing was waiting any more."


def payments_list_to_a_former_payments_contact(people, collaborative):
    contact, _ = payments_list_for(people, collaborative)
    membership_set_payments(membership=contact, handles_payments=False, by=people["facilitator"])
    return first(PAYMENTS_WAITING, contact.user), "No longer the payments contact."


def payments_list_of_a_week_gone(people, collaborative):
    contact, _ = payments_list_for(people, collaborative, weeks_ago=1)
    return first(PAYMENTS_WAITING, contact.user), "A newer weekly list is due instead."


# Asks (issue 17): to the facilitators, and (below) to the responder, who has no account.


def an_ask_sent(people, collaborative, **fields):
    ask, _ = ask_sent_for_test(collaborative, by=people["facilitator"], **fields)
    return ask, ResponderLink.objects.get(ask=ask, purpose=ResponderLink.Purpose.ANSWER)


def answer_to_an_ask_since_withdrawn(people, collaborative):
    ask, link = an_ask_sent(people, collaborative)
    answer_give(link=link, kind="part", text="Some of it.", name="Priya Shah", today=collaborative.local_today())
    Ask.objects.filter(pk=ask.pk).update(status=Ask.Status.WITHDRAWN)
    return first(ASK_ANSWERED_FACILITATORS, people["facilitator"]), "The ask was withdrawn."


def overdue_ask_answered_since(people, collaborative):
    _ask, link = an_ask_sent(people, collaborative, today=collaborative.local_today() - timedelta(days=60))
    # Beat's scan, yesterday morning (Collaborative time): the ask was overdue by then.
    yesterday = collaborative.local_today() - timedelta(days=1)
    clock_emails_queue(now=datetime.combine(yesterday, time(9, 30), tzinfo=collaborative.zone))
    answer_give(link=link, kind="will", text="Done.", name="Priya Shah", today=collaborative.local_today())
    return first(ASK_OVERDUE, people["facilitator"]), "They had answered by then."


# --- Polls part (issue 18) ---
def poll_opened_then_withdrawn(people, collaborative):
    poll = poll_opened(collaborative, by=people["facilitator"])
    poll_withdraw(poll=poll, by=people["facilitator"])
    return first(POLL_OPENED, people["member"]), "The poll was withdrawn."


def poll_closing_soon_after_voting(people, collaborative):
    poll = poll_opened(collaborative, by=people["facilitator"], days=2)
    polls_closing_soon_queue(now=poll.closes_at - timedelta(hours=12))
    poll_vote(poll=poll, user=people["member"], choices={poll.options.get(text="Agree").pk: 1})
    return first(POLL_CLOSING_SOON, people["member"]), "They had voted by then."


def poll_outcome_corrected(people, collaborative):
    poll = poll_opened(collaborative, by=people["facilitator"])
    poll_close(poll=poll, by=people["facilitator"])
    poll_outcome_write(poll=poll, by=people["facilitator"], outcome="We go to the park.")
    poll_outcome_write(poll=poll, by=people["facilitator"], outcome="We go to the park in July.")
    return first(POLL_OUTCOME, people["member"]), "The outcome was corrected since; that email goes instead."


# --- End of the polls part. ---
# ---- Discussions (issue 18, the threads part): a comment withdrawn or hidden before its email went, an outcome of a
# discussion opened again since, a hidden comment shown again, and a discussion muted since.


def a_discussion(people, collaborative):
    return thread_start(collaborative=collaborative, by=people["facilitator"], title="Weekends", text="Open then?")


def comment_withdrawn_before_the_email(people, collaborative):
    comment = comment_add(thread=a_discussion(people, collaborative), author=people["member"], text="Saturdays.")
    comment_withdraw(comment=comment, by=people["member"])
    return first(COMMENT_POSTED, people["facilitator"]), "The comment was withdrawn by its author."


def comment_hidden_before_the_email(people, collaborative):
    comment = comment_add(thread=a_discussion(people, collaborative), author=people["member"], text="Saturdays.")
    comment_hide(comment=comment, by=people["commissioner"], reason="Off topic.")
    return first(COMMENT_POSTED, people["facilitator"]), "A facilitator hid the comment."


def hidden_comment_shown_again(people, collaborative):
    comment = comment_add(thread=a_discussion(people, collaborative), author=people["member"], text="Saturdays.")
    comment_hide(comment=comment, by=people["facilitator"], reason="Off topic.")
    comment_show(comment=comment, by=people["facilitator"])
    return first(COMMENT_HIDDEN, people["member"]), "A facilitator showed the comment again since."


def outcome_of_a_discussion_opened_again(people, collaborative):
    thread = a_discussion(people, collaborative)
    thread_close(thread=thread, by=people["facilitator"], outcome="Agreed.")
    thread_reopen(thread=thread, by=people["facilitator"])
    return first(THREAD_CLOSED, people["member"]), "The discussion was opened again since."


def new_discussion_muted_before_the_email(people, collaborative):
    thread = a_discussion(people, collaborative)
    thread_follow(user=people["member"], thread=thread, state=Following.State.MUTED)
    return first(THREAD_STARTED, people["member"]), "You muted the discussion."


CASES = [
    poll_opened_then_withdrawn,  # Polls part (issue 18).
    poll_closing_soon_after_voting,  # Polls part (issue 18).
    poll_outcome_corrected,  # Polls part (issue 18).
    vision_adopted_then_a_new_draft,
    agenda_published_again,
    agenda_of_a_cancelled_meeting,
    agenda_of_a_meeting_begun,
    new_meeting_cancelled,
    run_of_meetings_all_cancelled,
    meeting_changed_twice,
    cancellation_after_the_meeting_time,
    notes_corrected_since,
    place_given_up_before_the_email,
    request_to_join_already_answered,
    action_given_then_done,
    digest_for_a_meeting_begun,
    summary_of_a_month_gone,
    reminder_to_answer_a_round_already_answered,
    reminder_for_a_meeting_that_moved,
    follow_up_for_an_action_already_done,
    are_you_coming_already_answered,
    ideas_asked_for_a_draft_since_adopted,
    payment_approved_then_corrected,
    payment_approved_then_paid,
    expenses_to_claim_but_marked_not_there,
    expenses_claimed_before_the_email,
    expenses_to_claim_after_the_deadline,
    payments_list_when_all_was_paid,
    payments_list_to_a_former_payments_contact,
    payments_list_of_a_week_gone,
    answer_to_an_ask_since_withdrawn,
    overdue_ask_answered_since,
    comment_withdrawn_before_the_email,
    comment_hidden_before_the_email,
    hidden_comment_shown_again,
    outcome_of_a_discussion_opened_again,
    new_discussion_muted_before_the_email,
]


@pytest.mark.parametrize("make_stale", CASES, ids=[case.__name__ for case in CASES])
def test_stale_news_is_not_sent_and_the_person_reads_why(client, people, collaborative, mailoutbox, make_stale):
    stale, reason = make_stale(people, collaborative)
    assert stale is not None
    deliver()
    stale.refresh_from_db()
    assert (stale.status, stale.last_error) == (Message.Status.SKIPPED, reason)
    assert message_id(stale) not in {email.extra_headers["Message-ID"] for email in mailoutbox}

    client.force_login(stale.recipient)
    page = client.get(reverse("notifications:mine")).content.decode()
    assert escape(reason) in page
    detail = client.get(reverse("notifications:mine_detail", kwargs={"pk": stale.pk})).content.decode()
    assert f"Not sent: {escape(reason)}" in detail


def test_news_still_true_goes_out(people, collaborative, mailoutbox):
    """The latest of each goes: the second agenda, the corrected notes, the later change."""
    agenda_published_again(people, collaborative)
    deliver()
    latest = Message.objects.filter(kind=AGENDA_PUBLISHED.key, recipient=people["member"]).order_by("-id").first()
    assert latest.status == Message.Status.SENT


def test_a_kind_with_nothing_left_to_be_about_is_skipped_in_plain_words(people, collaborative):
    meeting = schedule(people, collaborative)
    Message.objects.filter(kind=MEETING_SCHEDULED.key).update(
        about_type=ContentType.objects.get_for_model(Meeting), about_id=meeting.pk + 1000
    )
    deliver()
    message = first(MEETING_SCHEDULED, people["member"])
    assert (message.status, message.last_error) == (Message.Status.SKIPPED, "The meeting no longer exists.")


# To the responder (no account): each case makes the news stale; the reason is recorded on the outbox's row.


def reminder_once_answered(people, collaborative):
    ask, link = an_ask_sent(people, collaborative)
    message = _reminder_queued(ask)
    answer_give(link=link, kind="will", text="Yes.", name="Priya Shah", today=collaborative.local_today())
    return message, "They had answered by then."


def reminder_once_withdrawn(people, collaborative):
    ask, _link = an_ask_sent(people, collaborative)
    message = _reminder_queued(ask)
    Ask.objects.filter(pk=ask.pk).update(status=Ask.Status.WITHDRAWN)
    return message, "The ask was withdrawn."


def reminder_for_a_due_date_moved(people, collaborative):
    ask, _link = an_ask_sent(people, collaborative)
    message = _reminder_queued(ask)
    ask.sendings.update(due_on=ask.due_on + timedelta(days=14))
    return message, "The due date has changed."


def ask_email_once_the_link_was_sent_again(people, collaborative):
    ask, _link = an_ask_sent(people, collaborative)
    ask_link_resend(ask=ask, by=people["facilitator"])
    return Message.objects.filter(kind=ASK_SENT.key).order_by("pk").first(), "A newer link was sent since."


def fact_check_request_once_the_ask_was_sent(people, collaborative):
    ask = SundayAskFactory(collaborative=collaborative)
    ask_fact_check_send(ask=ask, by=people["facilitator"], today=collaborative.local_today())
    ask_send(ask=ask, by=people["facilitator"], today=collaborative.local_today())
    return Message.objects.get(kind=ASK_FACT_CHECK.key), "The ask was sent since."


def _reminder_queued(ask) -> Message:
    """The reminder due today, queued as beat's scan would queue it."""
    sending = ask.sendings.get()
    return Message.objects.create(
        to_address=sending.responder_email,
        collaborative=ask.collaborative,
        kind=ASK_REMINDER.key,
        about_type=ContentType.objects.get_for_model(sending),
        about_id=sending.pk,
        occasion=f"reminder-{sending.pk}-due-{sending.due_on.isoformat()}",
        due_at=timezone.now(),
    )


TO_ADDRESS_CASES = [
    reminder_once_answered,
    reminder_once_withdrawn,
    reminder_for_a_due_date_moved,
    ask_email_once_the_link_was_sent_again,
    fact_check_request_once_the_ask_was_sent,
]


@pytest.mark.parametrize("make_stale", TO_ADDRESS_CASES, ids=[case.__name__ for case in TO_ADDRESS_CASES])
def test_stale_news_to_someone_with_no_account_is_not_sent(people, collaborative, mailoutbox, make_stale):
    stale, reason = make_stale(people, collaborative)
    deliver()
    stale.refresh_from_db()
    assert (stale.status, stale.last_error) == (Message.Status.SKIPPED, reason)
    assert message_id(stale) not in {email.extra_headers["Message-ID"] for email in mailoutbox}
