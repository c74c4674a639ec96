"""The home page's "Things to do" (issue 15, item 3): each thing the person has to do appears, with a link to
where to do it, and goes once it is done; with nothing to do the card says so. It is the person's own (another
member sees their own things), and its queries do not grow with the data. Also: with no self-assessment round
open, the self-assessment page says so, and whether the person will be emailed when one opens."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from meetings.models import Rsvp
from meetings.services import rsvp_set
from notifications.models import Message
from notifications.services import preferences_save
from payments.models import Choice, Letter, Line
from payments.services import choice_make, letter_ask, line_add
from tests.factories import (
    ActionFactory,
    ContributionFactory,
    MeetingFactory,
    MembershipFactory,
    PaymentChoiceFactory,
    PaymentSettingsFactory,
)
from tests.home.test_collaborative_home import HOME, queries
from tests.vision.rounds import close_early
from vision.emails import ROUND_OPENED
from vision.models import Rating
from vision.services import (
    answers_save,
    contribution_withdraw,
    round_open,
    version_adopt,
    version_draft,
    version_set_aside,
)

pytestmark = pytest.mark.django_db

NOTHING = "Nothing for you to do just now."
ROUNDS = reverse("vision:rounds", kwargs={"slug": "lambeth"})


def things_to_do(client) -> str:
    """The "Things to do" card's HTML."""
    page = client.get(HOME).content.decode()
    start = page.index('<section aria-labelledby="to-do-heading"')
    return page[start : page.index("</section>", start)]


def open_round(collaborative, facilitator):
    return round_open(
        collaborative=collaborative,
        by=facilitator,
        title="Autumn check-in",
        closing_day=collaborative.local_today() + timedelta(days=10),
    )


def test_with_nothing_to_do_the_card_says_so(member_client):
    card = things_to_do(member_client)
    assert "Things to do" in card
    assert NOTHING in card
    assert "<li>" not in card


def test_an_open_round_until_every_statement_is_answered(member_client, collaborative, member, facilitator):
    round = open_round(collaborative, facilitator)
    statements = list(round.statements.all())
    card = things_to_do(member_client)
    assert f'<a href="{round.get_absolute_url()}">Say how we are doing: give your answers</a>' in card
    assert f"by the end of {round.closing_day:%A %-d %B}" in card
    assert NOTHING not in card

    answers_save(round=round, user=member, answers={s.pk: (Rating.STRONG, "") for s in statements[:10]})
    card = things_to_do(member_client)
    assert "Finish your answers to “How are we doing?”</a> (10 of 25 done," in card

    # A comment without a rating is not an answer; "Don't know" is.
    answers_save(round=round, user=member, answers={s.pk: (Rating.DONT_KNOW, "") for s in statements[10:24]})
    answers_save(round=round, user=member, answers={statements[24].pk: ("", "Not sure.")})
    assert "(24 of 25 done," in things_to_do(member_client)
    answers_save(round=round, user=member, answers={statements[24].pk: (Rating.NOT_YET, "Not sure.")})
    assert NOTHING in things_to_do(member_client)


def test_a_round_that_has_closed_is_not_asked_for(member_client, collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    close_early(round, facilitator)
    assert NOTHING in things_to_do(member_client)


def test_a_draft_asks_for_ideas_until_the_member_adds_one(member_client, collaborative, member, facilitator):
    draft = version_draft(collaborative=collaborative, by=facilitator, statement="Help is near.", values=[])
    link = f'<a href="{draft.get_absolute_url()}">Add your ideas to the draft vision (version 1)</a>'
    assert link in things_to_do(member_client)
    # Someone else's idea does not count as the member's.
    ContributionFactory(version=draft, author=MembershipFactory(collaborative=collaborative).user)
    assert link in things_to_do(member_client)
    idea = ContributionFactory(version=draft, author=member)
    assert NOTHING in things_to_do(member_client)
    contribution_withdraw(contribution=idea, by=member)  # Taken back: nothing of theirs is on it now.
    assert link in things_to_do(member_client)


def test_a_draft_adopted_or_set_aside_asks_for_nothing(member_client, collaborative, facilitator):
    first = version_draft(collaborative=collaborative, by=facilitator, statement="Help is near.", values=[])
    second = version_draft(collaborative=collaborative, by=facilitator, statement="Help is here.", values=[])
    card = things_to_do(member_client)
    assert card.index("(version 2)") < card.index("(version 1)")  # Newest first.
    version_adopt(version=first, by=facilitator)
    version_set_aside(version=second)
    assert NOTHING in things_to_do(member_client)


def test_the_facilitator_who_started_a_draft_is_not_asked_for_ideas_on_it(client, collaborative, facilitator):
    version_draft(collaborative=collaborative, by=facilitator, statement="Help is near.", values=[])
    client.force_login(facilitator)
    assert NOTHING in things_to_do(client)


def test_a_few_drafts_are_named_and_the_rest_are_on_the_vision_page(member_client, collaborative, facilitator):
    for number in range(5):
        version_draft(collaborative=collaborative, by=facilitator, statement=f"Draft {number}.", values=[])
    card = things_to_do(member_client)
    assert card.count("Add your ideas to the draft vision") == 3
    assert "(version 5)" in card
    assert "(version 2)" not in card
    vision = reverse("vision:home", kwargs={"slug": "lambeth"})
    assert f'<a href="{vision}#drafts-heading">More drafts you can add ideas to</a>' in card


def test_the_next_meeting_until_the_member_answers(member_client, collaborative, member):
    meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() + timedelta(days=4))
    card = things_to_do(member_client)
    day = f"{meeting.local_start:%A %-d %B}"
    assert f'<a href="#rsvp-{meeting.pk}">Say if you are coming to the meeting on {day}</a>' in card
    # The link goes to "Are you coming?" on the same page.
    assert f'<div id="rsvp-{meeting.pk}" class="rsvp">' in member_client.get(HOME).content.decode()
    rsvp_set(meeting=meeting, user=member, answer=Rsvp.Answer.MAYBE)
    assert NOTHING in things_to_do(member_client)


def test_answering_without_javascript_takes_the_meeting_off(member_client, collaborative):
    meeting = MeetingFactory(collaborative=collaborative)
    assert "Say if you are coming" in things_to_do(member_client)
    response = member_client.post(HOME, {"meeting": meeting.pk, "answer": Rsvp.Answer.NOT_COMING}, follow=True)
    assert response.status_code == 200
    assert NOTHING in things_to_do(member_client)


def test_a_meeting_that_has_started_is_not_asked_about(member_client, collaborative):
    MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(minutes=10))
    assert NOTHING in things_to_do(member_client)


def test_actions_overdue_and_due_soon_are_counted_and_point_to_my_actions(member_client, collaborative, member):
    today = collaborative.local_today()
    late = ActionFactory(collaborative=collaborative, owner=member, due_on=today - timedelta(days=2))
    card = things_to_do(member_client)
    assert '<a href="#my-actions-heading">1 of your actions is overdue</a>: say how it is going.' in card
    soon = [ActionFactory(collaborative=collaborative, owner=member, due_on=today + timedelta(days=d)) for d in (0, 3)]
    card = things_to_do(member_client)
    assert "1 of your actions is overdue, and 2 are due soon</a>: say how they are going." in card
    Action.objects.filter(pk=late.pk).update(status=Action.Status.DONE)
    assert "2 of your actions are due in the next 3 days</a>: say how they are going." in things_to_do(member_client)
    Action.objects.filter(pk__in=[action.pk for action in soon]).update(status=Action.Status.DROPPED, status_reason="-")
    assert NOTHING in things_to_do(member_client)


def test_actions_not_due_soon_or_not_the_members_are_not_counted(member_client, collaborative, member):
    today = collaborative.local_today()
    ActionFactory(collaborative=collaborative, owner=member, due_on=today + timedelta(days=4))
    ActionFactory(collaborative=collaborative, due_on=today - timedelta(days=4))  # Someone else's.
    ActionFactory(collaborative=collaborative, supporters=[member], due_on=today - timedelta(days=4))
    assert NOTHING in things_to_do(member_client)


def test_each_person_sees_their_own(client, collaborative, member, facilitator):
    """The card is kept ready-made for each person: the member's things are never shown to another."""
    meeting = MeetingFactory(collaborative=collaborative)
    ActionFactory(collaborative=collaborative, owner=member, due_on=collaborative.local_today() - timedelta(days=1))
    rsvp_set(meeting=meeting, user=facilitator, answer=Rsvp.Answer.COMING)
    client.force_login(member)
    mine = things_to_do(client)
    assert "Say if you are coming" in mine
    assert "overdue" in mine
    client.force_login(facilitator)
    assert NOTHING in things_to_do(client)


def test_its_queries_do_not_grow_with_the_data(member_client, collaborative, member, facilitator):
    def grow(n: int) -> None:
        for number in range(n):
            other = MembershipFactory(collaborative=collaborative).user
            draft = version_draft(collaborative=collaborative, by=facilitator, statement=f"{n}/{number}", values=[])
            ContributionFactory(version=draft, author=other)
            ActionFactory(collaborative=collaborative, owner=member, due_on=collaborative.local_today() - timedelta(1))
            ActionFactory(collaborative=collaborative, owner=other)
            answers_save(round=round, user=other, answers={s.pk: (Rating.STRONG, "") for s in statements})

    MeetingFactory(collaborative=collaborative)
    round = open_round(collaborative, facilitator)
    statements = list(round.statements.all())
    grow(2)
    small = queries(member_client)
    grow(20)
    assert queries(member_client) == small
    assert "Say how we are doing" in things_to_do(member_client)


# With no round open, the self-assessment page says so, and whether the person will be emailed when one opens.


def test_with_no_round_open_the_page_says_members_are_emailed_when_one_opens(member_client, member, collaborative):
    page = member_client.get(ROUNDS).content.decode()
    assert "No round is open just now. When one opens, we will email you to ask for your answers." in page
    # It is true: opening a round queues that email for every member.
    facilitator = MembershipFactory(collaborative=collaborative, role="facilitator").user
    open_round(collaborative, facilitator)
    assert Message.objects.filter(recipient=member, kind=ROUND_OPENED.key).exists()
    assert "No round is open just now" not in member_client.get(ROUNDS).content.decode()


def test_with_those_emails_turned_off_the_page_says_to_look_here(member_client, member):
    preferences_save(user=member, choices={ROUND_OPENED: {"enabled": False, "frequency": "weekly"}})
    page = member_client.get(ROUNDS).content.decode()
    assert "No round is open just now. You have turned off emails about self-assessment rounds" in page
    assert "we will email you" not in page
    assert f'href="{reverse("notifications:preferences")}"' in page


# Payments: asked how you would like to be paid before your first paid activity; the payments contact and
# facilitators are told of payments waiting too long and letters to sign.


def test_a_collaborative_that_pays_asks_how_you_would_like_to_be_paid_until_you_say(
    member_client, collaborative, member
):
    assert "how you would like to be paid" not in things_to_do(member_client)  # It does not pay.
    PaymentSettingsFactory(collaborative=collaborative)
    card = things_to_do(member_client)
    assert "Tell us how you would like to be paid" in card
    assert reverse("payments:choice", kwargs={"slug": "lambeth"}) in card
    choice_make(collaborative=collaborative, user=member, by=member, choice=Choice.EXPENSES_ONLY)
    assert NOTHING in things_to_do(member_client)


def test_payments_waiting_too_long_and_letters_to_sign_are_for_the_contact_and_facilitators(
    client, collaborative, member, facilitator
):
    PaymentSettingsFactory(collaborative=collaborative)
    contact = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    for user in (member, facilitator, contact):
        PaymentChoiceFactory(collaborative=collaborative, user=user)
    old = timezone.now() - timedelta(days=60)
    for number in range(2):
        line = line_add(
            by=member,
            collaborative=collaborative,
            user=member,
            kind=Line.Kind.EXPENSE,
            description=f"Bus {number}",
            activity_on=old.date(),
            amount_pence=300,
        )
        Line.objects.filter(pk=line.pk).update(created_at=old)
    letter_ask(
        collaborative=collaborative,
        user=member,
        kind=Letter.Kind.BENEFITS,
        period_from=old.date(),
        period_to=timezone.localdate(),
        employer="",
    )
    for user in (contact, facilitator):
        client.force_login(user)
        card = things_to_do(client)
        assert "2 payments have waited more than 20 working days" in card
        assert "1 letter waits to be signed" in card
    client.force_login(member)
    card = things_to_do(client)
    assert "waited more than 20 working days" not in card
    assert "to be signed" not in card


def test_the_payments_contact_is_not_told_of_letters_to_employers_a_facilitator_signs(
    client, collaborative, member, facilitator
):
    contact = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    today = timezone.localdate()
    letter_ask(
        collaborative=collaborative,
        user=member,
        kind=Letter.Kind.EMPLOYER,
        period_from=today,
        period_to=today + timedelta(days=90),
        employer="Lambeth Council",
    )
    client.force_login(contact)
    assert "to be signed" not in things_to_do(client)
    client.force_login(facilitator)
    assert "1 letter waits to be signed" in things_to_do(client)
