"""One rule for every form page: a POST the page refuses comes back as the page, with what to put right, and
answers 400; nothing is saved. (An htmx fragment answers 200, errors and all: htmx swaps only successful
answers. See collaborative.views.render_page.)

The walk below finds every page of the apps that takes both GET and POST, and fails for one that is not
covered here or named with the test that covers it, so a new form page cannot miss the rule unnoticed.
"""

import html
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from actions.models import Action
from asks.links import responder_token
from asks.models import Answer, Ask, AskEvent, AskEvidence, FactCheck
from asks.services import ask_fact_check_send
from discussions.models import Comment, CommentVersion, Poll, Thread, ThreadVersion
from discussions.polls import poll_close
from discussions.services import comment_add, thread_start
from impact.models import Credit, Publication, PublicationEvent
from meetings.links import rsvp_token
from meetings.models import AgendaItem, Meeting, MeetingSeries, Rsvp, Venue
from meetings.services import meeting_cancel
from members.models import Collaborative, GroundRules, Invitation, JoinRequest, Membership, MembershipChange, User
from notifications import kinds
from notifications.kinds import Kind
from notifications.models import Message, Preference
from payments.models import PaymentChoice, PaymentSettings
from tests.factories import (
    PASSWORD,
    ActionFactory,
    AskFactory,
    CreditFactory,
    MeetingFactory,
    PaymentSettingsFactory,
    PublicationFactory,
    SundayAskFactory,
    VenueFactory,
    ask_sent_for_test,
    poll_opened,
    poll_past_closing,
)

pytestmark = pytest.mark.django_db

LAMBETH = {"slug": "lambeth"}
APPS = (
    "members",
    "meetings",
    "vision",
    "actions",
    "payments",
    "asks",
    "impact",
    "notifications",
    "home",
    "discussions",
)


@dataclass
class Given:
    """What a set-up is given: the test's client (signed in by the set-up), people, Lambeth and monkeypatch."""

    client: Client
    people: dict
    collaborative: Collaborative
    monkeypatch: pytest.MonkeyPatch


@dataclass
class Refusal:
    """A POST its page refuses: where, what is sent, the words that say what to put right, and a snapshot of
    what must not change."""

    url: str
    data: dict
    error: str
    unchanged: Callable[[], object]


# Case id: (the page's URL name, the set-up: Given in, the Refusal out).
REFUSALS: dict[str, tuple[str, Callable]] = {}


def refusal(name: str, case: str = ""):
    def register(setup: Callable) -> Callable:
        REFUSALS[f"{name} {case}".strip()] = (name, setup)
        return setup

    return register


def text(response) -> str:
    return html.unescape(response.content.decode())


def in_a_month() -> str:
    return (timezone.localdate() + timedelta(days=30)).isoformat()


def meeting_data(venue, **overrides) -> dict:
    data = {
        "title": "Monthly meeting",
        "day": in_a_month(),
        "start_time": "10:00",
        "end_time": "12:30",
        "format": "in_person",
        "venue": venue.pk,
        "online_link": "",
        "notes_for_members": "",
    }
    return data | overrides


def venue_data(**overrides) -> dict:
    return {"name": "Cafe on the Green", "address": "1 High Street\nLondon SE11 5AA", "capacity": "24"} | overrides


def meetings() -> list:
    return list(Meeting.objects.values_list("title", "starts_at", "ends_at", "status", "cancelled_reason"))


# Meetings


@refusal("meetings:schedule")
def _schedule_one(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    venue = VenueFactory(collaborative=given.collaborative)
    return Refusal(
        reverse("meetings:schedule", kwargs=LAMBETH),
        meeting_data(venue, day="9 September"),
        "Day: Enter a valid date.",
        meetings,
    )


@refusal("meetings:schedule_series")
def _schedule_series(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    venue = VenueFactory(collaborative=given.collaborative)
    return Refusal(
        reverse("meetings:schedule_series", kwargs=LAMBETH),
        meeting_data(venue, week="2", weekday="3", months="25"),
        "For how many months: Ensure this value is less than or equal to 24.",
        lambda: (meetings(), MeetingSeries.objects.count()),
    )


@refusal("meetings:edit")
def _meeting_edit(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    meeting = MeetingFactory(collaborative=given.collaborative)
    return Refusal(
        reverse("meetings:edit", kwargs=LAMBETH | {"pk": meeting.pk}),
        meeting_data(meeting.venue, end_time="09:00"),
        "Ends at: The meeting must end after it starts.",
        meetings,
    )


@refusal("meetings:cancel")
def _meeting_cancel(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    meeting = MeetingFactory(collaborative=given.collaborative)
    return Refusal(
        reverse("meetings:cancel", kwargs=LAMBETH | {"pk": meeting.pk}),
        {"reason": "x" * 301},
        "Ensure this value has at most 300 characters (it has 301).",
        meetings,
    )


@refusal("meetings:venue_add")
def _venue_add(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("meetings:venue_add", kwargs=LAMBETH),
        venue_data(name=""),
        "Name: This field is required.",
        lambda: Venue.objects.count(),
    )


@refusal("meetings:venue_edit")
def _venue_edit(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    venue = VenueFactory(collaborative=given.collaborative, capacity=12)
    return Refusal(
        reverse("meetings:venue_edit", kwargs=LAMBETH | {"pk": venue.pk}),
        venue_data(capacity="many"),
        "Enter a whole number.",
        lambda: list(Venue.objects.values_list("name", "address", "capacity")),
    )


@refusal("meetings:agenda_propose")
def _agenda_propose(given) -> Refusal:
    given.client.force_login(given.people["member"])
    meeting = MeetingFactory(collaborative=given.collaborative)
    return Refusal(
        reverse("meetings:agenda_propose", kwargs=LAMBETH | {"pk": meeting.pk}),
        {"title": "", "minutes": "0"},
        "What it is about: This field is required.",
        lambda: AgendaItem.objects.count(),
    )


def _agenda_item_on_the_agenda(given) -> AgendaItem:
    given.client.force_login(given.people["facilitator"])
    meeting = MeetingFactory(collaborative=given.collaborative)
    return AgendaItem.objects.create(
        meeting=meeting, title="Crisis care", status=AgendaItem.Status.ACCEPTED, position=1, minutes=20
    )


def _agenda_items() -> list:
    return list(AgendaItem.objects.values_list("title", "minutes", "status", "position", "decline_reason"))


@refusal("meetings:agenda_item_edit")
def _agenda_item_edit(given) -> Refusal:
    item = _agenda_item_on_the_agenda(given)
    return Refusal(
        reverse("meetings:agenda_item_edit", kwargs=LAMBETH | {"meeting_pk": item.meeting_id, "pk": item.pk}),
        {"title": "", "minutes": "0"},
        "What it is about: This field is required.",
        _agenda_items,
    )


@refusal("meetings:agenda_item_remove")
def _agenda_item_remove(given) -> Refusal:
    item = _agenda_item_on_the_agenda(given)
    return Refusal(
        reverse("meetings:agenda_item_remove", kwargs=LAMBETH | {"meeting_pk": item.meeting_id, "pk": item.pk}),
        {"reason": "Too long. " * 120},
        "Keep it to 1,000 characters or fewer",
        _agenda_items,
    )


@refusal("meetings:rsvp_link")
def _rsvp_link(given) -> Refusal:
    """The answer link from a reminder, pressed after the meeting was cancelled: not signed in."""
    meeting = MeetingFactory(collaborative=given.collaborative)
    meeting_cancel(meeting=meeting, by=given.people["facilitator"])
    token = rsvp_token(meeting, given.people["member"], Rsvp.Answer.COMING)
    return Refusal(
        reverse("meetings:rsvp_link", kwargs={"token": token}),
        {},
        "This meeting is cancelled.",
        lambda: Rsvp.objects.count(),
    )


# Members


@refusal("members:ground_rules_edit")
def _ground_rules_edit(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("members:ground_rules_edit", kwargs=LAMBETH),
        {"text": ""},
        "This field is required.",
        lambda: GroundRules.objects.count(),
    )


@refusal("members:collaborative_settings")
def _collaborative_settings(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    data = {
        "name": "New name",
        "area": "Lambeth",
        "description": "",
        "time_zone": "Mars/Olympus",
        "first_reminder_days": "7",
        "second_reminder_days": "1",
    }
    return Refusal(
        reverse("members:collaborative_settings", kwargs=LAMBETH),
        data,
        "Mars/Olympus is not a time zone we know.",
        lambda: list(Collaborative.objects.values_list("name", "time_zone")),
    )


@refusal("members:profile")
def _profile(given) -> Refusal:
    given.client.force_login(given.people["member"])
    return Refusal(
        reverse("members:profile"),
        {"display_name": ""},
        "This field is required.",
        lambda: User.objects.get(pk=given.people["member"].pk).display_name,
    )


@refusal("members:member_manage")
def _member_manage(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("members:member_manage", kwargs=LAMBETH | {"pk": given.people["member"].pk}),
        {"role": "chair"},
        "Role: Select a valid choice. chair is not one of the available choices.",
        lambda: (list(Membership.objects.values_list("role", flat=True)), MembershipChange.objects.count()),
    )


@refusal("members:invitations")
def _invitations(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("members:invitations", kwargs=LAMBETH),
        {"addresses": "nope\nalso nope@", "role": "member", "message": ""},
        "None of these is an email address we can send to. Check the list and try again.",
        lambda: (Invitation.objects.count(), Message.objects.count()),
    )


@refusal("members:public_page")
def _public_page(given) -> Refusal:
    """Asking to join from the public page: not signed in."""
    given.collaborative.is_public = True
    given.collaborative.save()
    return Refusal(
        reverse("members:public_page", kwargs=LAMBETH),
        {"name": "", "email": "joy at example", "message": "", "website": ""},
        "Your name: This field is required.",
        lambda: (JoinRequest.objects.count(), Message.objects.count()),
    )


@refusal("members:leave")
def _leave(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("members:leave", kwargs=LAMBETH),
        {},
        "You are the only facilitator. Make someone else a facilitator before you leave.",
        lambda: (list(Membership.objects.values_list("status", flat=True)), MembershipChange.objects.count()),
    )


def _confirmed(client, user) -> None:
    """Signed in, and confirmed it is them a moment ago (with the password), as deleting an account asks."""
    client.force_login(user)
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302


@refusal("members:account_delete", "box not ticked")
def _account_delete(given) -> Refusal:
    _confirmed(given.client, given.people["member"])
    return Refusal(
        reverse("members:account_delete"),
        {},
        "Tick the box to say you understand",
        lambda: list(User.objects.values_list("display_name", "is_active")),
    )


@refusal("members:account_delete", "only facilitator")
def _account_delete_only_facilitator(given) -> Refusal:
    _confirmed(given.client, given.people["facilitator"])
    return Refusal(
        reverse("members:account_delete"),
        {"confirm": "on"},
        "You are the only facilitator of Lambeth Living Well Collaborative",
        lambda: list(User.objects.values_list("display_name", "is_active")),
    )


@refusal("members:reauthenticate_by_email")
def _reauthenticate_by_email(given) -> Refusal:
    given.client.force_login(given.people["member"])
    url = reverse("members:reauthenticate_by_email")
    given.client.post(url, {"send": "1"})
    return Refusal(
        url,
        {"code": "not-the-code"},
        "That is not the code we sent. Check the email and try again.",
        lambda: given.client.session.get(AUTHENTICATION_METHODS_SESSION_KEY),
    )


@refusal("members:take_break")
def _take_break(given) -> Refusal:
    given.client.force_login(given.people["member"])
    return Refusal(
        reverse("members:take_break", kwargs=LAMBETH),
        {"until": timezone.localdate().isoformat()},
        "Choose a day after today.",
        lambda: list(Membership.objects.values_list("break_until", flat=True)),
    )


# Payments


@refusal("payments:settings")
def _payment_settings(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("payments:settings", kwargs=LAMBETH),
        {
            "pays": "on",
            "rate_meeting": "thirty pounds",
            "methods": ["bank_transfer"],
            "mileage_pence": "45",
            "claim_within_days": "90",
            "valid_from": timezone.localdate().isoformat(),
        },
        "A meeting, in pounds: Give an amount in pounds, for example 12.50.",
        lambda: PaymentSettings.objects.count(),
    )


@refusal("payments:choice")
def _payment_choice(given) -> Refusal:
    PaymentSettingsFactory(collaborative=given.collaborative)
    given.client.force_login(given.people["member"])
    return Refusal(
        reverse("payments:choice", kwargs=LAMBETH),
        {"choice": "lower", "lower_amount": "", "method": "bank_transfer"},
        "Say the most you would like for each activity",
        lambda: PaymentChoice.objects.count(),
    )


# Asks


def ask_data(**overrides) -> dict:
    return {
        "title": "Open the crisis cafe at weekends",
        "request": "Please open the crisis cafe on Saturdays and Sundays.",
        "reasons": "",
        "organisation": "South London and Maudsley NHS Trust",
        "responder_name": "Alex Morgan",
        "responder_role": "",
        "responder_email": "alex.morgan@nhs.example.org",
        "fact_check_days": "5",
    } | overrides


def asks() -> list:
    return list(Ask.objects.values_list("title", "organisation", "responder_email", "status"))


@refusal("asks:propose")
def _ask_propose(given) -> Refusal:
    given.client.force_login(given.people["member"])
    return Refusal(
        reverse("asks:propose", kwargs=LAMBETH),
        ask_data(responder_email="alex at the trust"),
        "Their email address: Give an email address such as name@example.org.",
        asks,
    )


@refusal("asks:new")
def _ask_new(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("asks:new", kwargs=LAMBETH),
        ask_data(title=""),
        "What we ask, in a line: Say in a line what we ask.",
        asks,
    )


@refusal("asks:edit")
def _ask_edit(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    ask = AskFactory(collaborative=given.collaborative)
    return Refusal(
        reverse("asks:edit", kwargs=LAMBETH | {"pk": ask.pk}),
        ask_data(fact_check_days="0"),
        "Give at least 1 working day for a fact check.",
        lambda: (asks(), AskEvent.objects.count()),
    )


@refusal("asks:evidence_add")
def _ask_evidence_add(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    ask = AskFactory(collaborative=given.collaborative)
    return Refusal(
        reverse("asks:evidence_add", kwargs=LAMBETH | {"pk": ask.pk}),
        {"description": "A survey", "link": ""},
        "Add a file or a link.",
        lambda: (AskEvidence.objects.count(), AskEvent.objects.count()),
    )


# ---- Discussions (issue 18, the threads part)


def _discussion(given):
    return thread_start(
        collaborative=given.collaborative, by=given.people["member"], title="Weekends", text="Open then?"
    )


def discussions() -> list:
    return list(Thread.objects.values_list("title", "text", "status", "outcome"))


def comments() -> list:
    return list(Comment.objects.values_list("text", "status", "hidden_reason"))


@refusal("discussions:new")
def _discussion_new(given) -> Refusal:
    given.client.force_login(given.people["member"])
    return Refusal(
        reverse("discussions:new", kwargs=LAMBETH),
        {"title": "", "text": "Open then?"},
        "Give the discussion a title.",
        discussions,
    )


@refusal("discussions:thread_edit")
def _discussion_edit(given) -> Refusal:
    thread = _discussion(given)
    given.client.force_login(given.people["member"])
    return Refusal(
        reverse("discussions:thread_edit", kwargs=LAMBETH | {"pk": thread.pk}),
        {"title": "Weekends", "text": " "},
        "Say what you would like to talk about.",
        lambda: (discussions(), ThreadVersion.objects.count()),
    )


@refusal("discussions:close")
def _discussion_close(given) -> Refusal:
    thread = _discussion(given)
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("discussions:close", kwargs=LAMBETH | {"pk": thread.pk}),
        {
            "outcome": "Agreed.",
            "make_action": "on",
            "action_due_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
        "Choose a due date from today on.",
        lambda: (discussions(), Action.objects.count()),
    )


@refusal("discussions:comment_edit")
def _comment_edit(given) -> Refusal:
    comment = comment_add(thread=_discussion(given), author=given.people["member"], text="Saturdays.")
    given.client.force_login(given.people["member"])
    return Refusal(
        reverse("discussions:comment_edit", kwargs=LAMBETH | {"pk": comment.pk}),
        {"text": ""},
        "A comment cannot be empty. To take it back, withdraw it instead.",
        lambda: (comments(), CommentVersion.objects.count()),
    )


@refusal("discussions:comment_hide")
def _comment_hide(given) -> Refusal:
    comment = comment_add(thread=_discussion(given), author=given.people["member"], text="Saturdays.")
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("discussions:comment_hide", kwargs=LAMBETH | {"pk": comment.pk}),
        {"reason": "   "},
        "Say why the comment is hidden: its author will read this.",
        comments,
    )


# ---- Polls (issue 18): the outcome of a closed poll, and a time poll made a meeting.


def _closed_poll(given, type=Poll.Type.PROPOSAL):
    poll = poll_past_closing(poll_opened(given.collaborative, by=given.people["facilitator"], type=type))
    return poll_close(poll=poll)


def polls() -> list:
    return list(Poll.objects.values_list("question", "outcome", "closed_at", "meeting_made"))


@refusal("discussions:poll_outcome")
def _poll_outcome(given) -> Refusal:
    poll = _closed_poll(given)
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("discussions:poll_outcome", kwargs=LAMBETH | {"pk": poll.pk}),
        {"outcome": "  "},
        "Say what came of it.",
        polls,
    )


@refusal("discussions:poll_meeting")
def _poll_meeting(given) -> Refusal:
    poll = _closed_poll(given, type=Poll.Type.TIME)
    given.client.force_login(given.people["facilitator"])
    day = (timezone.localdate() + timedelta(days=20)).isoformat()
    return Refusal(
        reverse("discussions:poll_meeting", kwargs=LAMBETH | {"pk": poll.pk}),
        {
            "title": "Extra meeting",
            "day": day,
            "start_time": "18:00",
            "end_time": "17:00",
            "format": "online",
            "online_link": "https://example.org/join",
        },
        "The meeting must end after it starts.",
        lambda: (polls(), Meeting.objects.count()),
    )


# What changed (issue 17)


@refusal("impact:publish")
def _impact_publish(given) -> Refusal:
    action = ActionFactory(collaborative=given.collaborative, status=Action.Status.DONE, done_at=timezone.now())
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("impact:publish", kwargs=LAMBETH),
        {"kind": "you_said", "id": action.pk, "title": "Cafes mapped", "summary": ""},
        "Write a short summary of what changed, for the public.",
        lambda: (Publication.objects.count(), PublicationEvent.objects.count()),
    )


@refusal("impact:publish", "figures for a year that is a typing slip")
def _impact_publish_figures(given) -> Refusal:
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("impact:publish", kwargs=LAMBETH),
        {"kind": "figures", "title": "Forever", "period_start": "2026-04-01", "period_end": "9999-12-31"},
        "Choose a date between 2000 and 2099.",
        lambda: (Publication.objects.count(), PublicationEvent.objects.count()),
    )


@refusal("impact:edit")
def _impact_edit(given) -> Refusal:
    publication = PublicationFactory(collaborative=given.collaborative, title="As it was")
    given.client.force_login(given.people["facilitator"])
    return Refusal(
        reverse("impact:edit", kwargs=LAMBETH | {"pk": publication.pk}),
        {"title": "", "summary": "New words"},
        "Give the item a title for the public page.",
        lambda: (list(Publication.objects.values_list("title", "summary")), PublicationEvent.objects.count()),
    )


@refusal("impact:credit")
def _impact_credit(given) -> Refusal:
    credit = CreditFactory(
        publication=PublicationFactory(collaborative=given.collaborative), user=given.people["member"]
    )
    given.client.force_login(given.people["member"])
    return Refusal(
        reverse("impact:credit", kwargs=LAMBETH | {"pk": credit.pk}),
        {"answer": "maybe"},
        "Choose “Yes, name me” or “No, do not name me”.",
        lambda: list(Credit.objects.values_list("agreed_at", "declined_at")),
    )


# Notifications


@refusal("notifications:preferences")
def _preferences(given) -> Refusal:
    # No kind of email the apps send today is a digest; one is what gives this page a choice that can be wrong.
    digest = Kind(key="digest", label="Actions digest", description="A summary of open actions.", digest=True)
    given.monkeypatch.setitem(kinds._registry, digest.key, digest)
    given.client.force_login(given.people["member"])
    return Refusal(
        reverse("notifications:preferences"),
        {"digest_enabled": "on", "digest_frequency": "hourly"},
        "Select a valid choice. hourly is not one of the available choices.",
        lambda: Preference.objects.count(),
    )


# Asks: the responder's signed link, with no account (issue 17)


@refusal("asks:respond", "answer without a choice")
def _respond_answer(given) -> Refusal:
    _ask, token = ask_sent_for_test(given.collaborative, by=given.people["facilitator"])
    return Refusal(
        reverse("asks:respond", kwargs={"token": token}),
        {"text": "We are looking into it.", "name": "Priya Shah"},
        "Choose one of the answers.",
        lambda: (Answer.objects.count(), list(Ask.objects.values_list("status", "due_on"))),
    )


@refusal("asks:respond", "more time, to a day before the due date")
def _respond_more_time(given) -> Refusal:
    ask, token = ask_sent_for_test(given.collaborative, by=given.people["facilitator"])
    return Refusal(
        reverse("asks:respond", kwargs={"token": token}),
        {"kind": "more_time", "until": ask.due_on.isoformat(), "text": "Our board meets later.", "name": "Priya"},
        "Choose a day after the current due date",
        lambda: (Answer.objects.count(), list(Ask.objects.values_list("status", "due_on"))),
    )


@refusal("asks:respond", "fact check with nothing said")
def _respond_fact_check(given) -> Refusal:
    ask = SundayAskFactory(collaborative=given.collaborative, created_by=given.people["facilitator"])
    link = ask_fact_check_send(ask=ask, by=given.people["facilitator"], today=given.collaborative.local_today())
    return Refusal(
        reverse("asks:respond", kwargs={"token": responder_token(link)}),
        {"name": "Priya Shah", "text": "   "},
        "Say what is not right.",
        lambda: FactCheck.objects.count(),
    )


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refused_post_answers_400_with_what_to_put_right_and_saves_nothing(
    client, people, collaborative, monkeypatch, case
):
    _, setup = REFUSALS[case]
    given = Given(client, people, collaborative, monkeypatch)
    refused = setup(given)
    before = refused.unchanged()

    response = client.post(refused.url, refused.data)

    assert response.status_code == 400
    assert "<html" in response.content.decode()  # The whole page, to put it right there.
    assert refused.error in text(response)
    assert refused.unchanged() == before


def test_an_htmx_post_still_gets_its_fragment_with_200(member_client, collaborative):
    """htmx swaps only successful answers, so a refused fragment answers 200, with its error."""
    meeting = MeetingFactory(collaborative=collaborative)
    url = reverse("meetings:rsvp", kwargs=LAMBETH | {"pk": meeting.pk})

    response = member_client.post(url, {"answer": "yes please"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "Choose coming, maybe or can't come." in text(response)
    assert not Rsvp.objects.exists()


# Every form page, found by walking the URLs

# Form pages whose refusals were answered with 400 before these tests: the test that proves it.
TESTED_ELSEWHERE = {
    "actions:new": "tests.actions.test_actions:test_an_owner_is_required",
    "actions:edit": "tests.actions.test_actions:test_blocked_and_dropped_need_a_reason_in_every_form_and_the_service",
    "home:collaborative_home": (
        "tests.members.test_views:test_a_status_refused_on_the_home_page_keeps_everything_typed_and_saves_nothing"
    ),
    "actions:review_sign_off": (
        "tests.actions.test_reviews:test_signing_off_keeps_a_comment_typed_but_not_saved_and_waits_for_it"
    ),
    "meetings:agenda_item_decline": (
        "tests.meetings.test_agenda:test_a_reason_too_long_comes_back_in_its_box_and_nothing_changes"
    ),
    "meetings:notes": "tests.meetings.test_notes:test_notes_that_are_too_long_are_explained_and_nothing_is_saved",
    "members:two_step": (
        "tests.members.test_two_step_sessions:test_facilitator_pages_need_this_session_to_have_given_the_code"
    ),
    "vision:goal_edit": (
        "tests.vision.test_views_goals:test_a_goal_that_does_not_make_sense_is_explained_and_nothing_changes"
    ),
    "vision:goal_new": (
        "tests.vision.test_views_goals:test_a_goal_that_does_not_make_sense_is_explained_and_nothing_changes"
    ),
    "vision:goal_review": (
        "tests.vision.test_views_goals:test_a_review_that_does_not_make_sense_is_explained_and_nothing_changes"
    ),
    "vision:round": "tests.vision.test_views_rounds:TestAnswering.test_bad_answers_are_explained_and_nothing_is_saved",
    "vision:round_dates": "tests.vision.test_views_rounds:TestFacilitating.test_a_bad_closing_date_is_explained",
    "vision:round_new": "tests.vision.test_views_rounds:TestOpening.test_a_round_that_does_not_make_sense_is_explained",
    "vision:statement_edit": "tests.vision.test_views_rounds:TestFramework.test_rewording_with_nothing_is_explained",
    "vision:statement_new": (
        "tests.vision.test_views_rounds:TestFramework.test_a_statement_that_does_not_make_sense_is_explained"
    ),
    "vision:version_adopt": (
        "tests.vision.test_views_vision:test_a_meeting_of_another_collaborative_or_not_a_meeting_cannot_be_named"
    ),
    "vision:version_edit": (
        "tests.vision.test_views_vision:test_values_that_do_not_make_sense_are_explained_and_nothing_is_saved"
    ),
    "vision:version_new": (
        "tests.vision.test_views_vision:test_values_that_do_not_make_sense_are_explained_and_nothing_is_saved"
    ),
    "payments:claim": "tests.payments.test_claims:test_a_program_renamed_pdf_is_refused",
    "payments:activity_add": "tests.payments.test_claims:test_hours_are_needed_when_paid_by_the_hour",
    "payments:letter_ask": "tests.payments.test_letters:test_bad_asks_are_explained_and_nothing_is_saved",
    "discussions:poll_new": (
        "tests.discussions.test_polls_views:test_a_poll_that_does_not_make_sense_is_explained_and_nothing_is_saved"
    ),
    "discussions:poll": "tests.discussions.test_polls_views:test_a_dot_vote_page_refuses_too_many_dots_plainly",
    "discussions:poll_edit": (
        "tests.discussions.test_polls_views:test_changing_whether_names_show_is_refused_once_someone_has_voted"
    ),
    "payments:line_correct": (
        "tests.payments.test_queue:test_a_correction_is_a_reversal_and_a_new_line_nothing_rubbed_out"
    ),
}

# Pages that take a POST with nothing typed to get wrong: each refusal is said on the next page (a redirect).
NOTHING_TO_GET_WRONG = {
    "meetings:calendar": "Buttons only: a new calendar address, or stop it.",
    "meetings:agenda_publish": "Asks first, then one button.",
    "members:ground_rules": "One button, to agree.",
    "members:invitation": "One button, to join; the signed link is the permission (a bad one answers 400).",
    "notifications:unsubscribe": "One button; the signed link is the permission (a bad one answers 400).",
    "vision:round_close": "Asks first, then one button.",
    "vision:version_set_aside": "Asks first, then one button.",
    "discussions:poll_close": "Asks first, then one button.",
    "discussions:poll_withdraw": "Asks first, then one button.",
    "discussions:read_all": "Asks first, then one button.",
}


def _app_patterns(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _app_patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and namespace in APPS:
            yield f"{namespace}:{pattern.name}", pattern


def allowed_methods(name: str, view, default_args: dict, user) -> set[str]:
    """The methods a view takes: a class-based view's handlers, or what a function view's method check (such as
    @require_http_methods) says to a PUT, which no page takes: 405, and the methods in Allow."""
    if view_class := getattr(view, "view_class", None):
        return {method.upper() for method in view_class.http_method_names if hasattr(view_class, method)}
    request = RequestFactory().put("/")
    request.user = user
    response = view(request, **default_args)
    assert response.status_code == 405, f"{name} answers a PUT with {response.status_code}, not 405"
    return {method.strip() for method in response["Allow"].split(",")}


def form_pages(user) -> set[str]:
    """Every page of the apps that takes both GET and POST."""
    return {
        name
        for name, pattern in _app_patterns(get_resolver().url_patterns)
        if {"GET", "POST"} <= allowed_methods(name, pattern.callback, pattern.default_args, user)
    }


def test_every_form_page_is_held_to_the_rule(member):
    tested_here = {name for name, _ in REFUSALS.values()}
    named = tested_here | TESTED_ELSEWHERE.keys() | NOTHING_TO_GET_WRONG.keys()
    pages = form_pages(member)

    assert pages - named == set(), "Form pages with no test of a refused POST: add a case to REFUSALS"
    assert named - pages == set(), "Named here but not a form page (renamed, or no longer takes GET and POST)"
    assert not tested_here & TESTED_ELSEWHERE.keys()


@pytest.mark.parametrize("name", sorted(TESTED_ELSEWHERE))
def test_each_form_page_tested_elsewhere_names_a_test_of_its_400(name):
    module_name, _, test_name = TESTED_ELSEWHERE[name].partition(":")
    test = importlib.import_module(module_name)
    for part in test_name.split("."):
        test = getattr(test, part)
    assert "== 400" in inspect.getsource(test)
