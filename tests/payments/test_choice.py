"""Each member's choice of how they are paid: from today on, the earlier ones kept; benefits advice for
everyone; never a question about which benefits someone gets."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.services import register_mark
from payments.models import Choice, Line, PaymentChoice
from payments.selectors import payments_to_do
from tests.factories import MembershipFactory, PaymentChoiceFactory, PaymentSettingsFactory
from tests.meetings.test_register import meeting_today

pytestmark = pytest.mark.django_db

URL = reverse("payments:choice", kwargs={"slug": "lambeth"})


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def paying(collaborative):
    return PaymentSettingsFactory(collaborative=collaborative)


def choices() -> list:
    return list(
        PaymentChoice.objects.order_by("id").values_list(
            "choice", "lower_amount_pence", "charity", "as_part_of_job", "employer_pays_expenses", "method"
        )
    )


@pytest.mark.parametrize("role", ["member", "facilitator", "commissioner"])
def test_every_member_makes_their_own_choice(client, people, paying, role):
    client.force_login(people[role])
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"choice": "full", "method": "voucher"})
    assert response.status_code == 302
    row = PaymentChoice.objects.get()
    assert (row.user, row.made_by, row.valid_from) == (people[role], people[role], timezone.localdate())
    assert (row.choice, row.method) == (Choice.FULL, "voucher")


def test_outsiders_get_404_and_anonymous_people_sign_in(client, people, paying):
    client.force_login(people["outsider"])
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"choice": "full", "method": "voucher"}).status_code == 404
    client.logout()
    assert client.get(URL)["Location"].startswith(reverse("account_login"))
    assert not PaymentChoice.objects.exists()


def test_a_lower_amount_is_read_in_exact_pence(member_client, paying):
    member_client.post(URL, {"choice": "lower", "lower_amount": "12.5", "method": "bank_transfer"})
    assert choices() == [("lower", 1250, "", False, False, "bank_transfer")]
    assert "at most £12.50 for each activity" in text(member_client.get(URL))


def test_what_does_not_belong_to_the_choice_is_not_kept(member_client, paying):
    member_client.post(URL, {"choice": "full", "lower_amount": "10", "charity": "Mind", "method": "voucher"})
    assert choices() == [("full", None, "", False, False, "voucher")]


def test_part_of_my_job_with_the_employer_paying_expenses_needs_no_way_to_pay(member_client, paying):
    response = member_client.post(
        URL, {"choice": "expenses_only", "as_part_of_job": "on", "employer_pays_expenses": "on"}
    )
    assert response.status_code == 302
    assert choices() == [("expenses_only", None, "", True, True, "")]
    assert "your employer pays your expenses" in text(member_client.get(URL))


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "For your time, would you like to be: This field is required."),
        ({"choice": "lower", "method": "voucher"}, "Say the most you would like for each activity"),
        (
            {"choice": "lower", "lower_amount": "ten", "method": "voucher"},
            "Give an amount in pounds, for example 12.50.",
        ),
        ({"choice": "lower", "lower_amount": "0", "method": "voucher"}, "Give an amount above £0"),
        ({"choice": "charity", "method": "voucher"}, "Say which charity to pay."),
        ({"choice": "full"}, "Choose how you would like the money."),
        ({"choice": "full", "method": "payroll"}, "Select a valid choice."),  # Not a way Lambeth pays.
        ({"choice": "full", "method": "voucher", "employer_pays_expenses": "on"}, 'Tick "I take part as part of'),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(member_client, paying, data, error):
    response = member_client.post(URL, data)
    assert response.status_code == 400
    assert error in text(response)
    assert choices() == []


def test_a_change_is_a_new_row_and_the_earlier_choices_are_listed(member_client, member, collaborative, paying):
    PaymentChoiceFactory(collaborative=collaborative, user=member, choice=Choice.FULL)
    member_client.post(URL, {"choice": "charity", "charity": "Mind in Lambeth", "method": "bank_transfer"})
    assert [row[0] for row in choices()] == ["full", "charity"]
    page = text(member_client.get(URL))
    now = page.split('id="current-heading"', 1)[1].split("</section>", 1)[0]
    assert "Paid to a charity instead</strong>: Mind in Lambeth." in now
    earlier = page.split('id="earlier-heading"', 1)[1]
    assert "Paid in full" in earlier
    # The form starts from the choice now.
    assert 'value="Mind in Lambeth"' in page


def test_the_first_choice_settles_the_lines_that_waited_for_it(
    member_client, member, facilitator, collaborative, paying
):
    meeting = meeting_today(collaborative)
    register_mark(meeting=meeting, user=member, attended=True, by=facilitator)
    assert Line.objects.get().status == Line.Status.NEEDS_CHOICE
    member_client.post(URL, {"choice": "lower", "lower_amount": "10", "method": "bank_transfer"})
    live = Line.objects.live().get()
    assert (live.amount_pence, live.status) == (1000, Line.Status.WAITING)


def test_benefits_advice_is_offered_to_everyone_and_no_one_is_asked_about_benefits(
    member_client, member, collaborative, paying
):
    PaymentChoiceFactory(collaborative=collaborative, user=member, choice=Choice.NOTHING, method="")
    page = text(member_client.get(URL))
    assert "Being paid, even a small amount, can affect some benefits." in page
    assert "Lambeth Welfare Rights, 020 7926 0000" in page
    assert "We never ask which benefits you get." in page
    form = page.split('id="choose-heading"', 1)[1].split("</form>", 1)[0]
    visible = re.sub(r"<[^>]+>", " ", form).lower()  # Words a person reads, not the token's random letters.
    assert "benefit" not in visible


def test_a_collaborative_that_does_not_pay_says_so_and_takes_no_choice(member_client, collaborative):
    PaymentSettingsFactory(collaborative=collaborative, pays=False, benefits_advice="Citizens Advice Lambeth")
    page = text(member_client.get(URL))
    assert "does not pay people for their time or expenses at the moment" in page
    assert "Citizens Advice Lambeth" in page  # Advice for everyone, even here.
    assert "Save my choice" not in page
    response = member_client.post(URL, {"choice": "full"})
    assert response.status_code == 400
    assert "does not pay people at the moment, so there is nothing to choose." in text(response)
    assert choices() == []


def test_with_no_settings_at_all_the_page_says_there_is_nothing_to_choose(member_client):
    page = text(member_client.get(URL))
    assert "does not pay people for their time or expenses at the moment" in page
    assert "ask a facilitator where to find a benefits adviser" in page


def test_a_choice_is_needed_before_the_first_paid_activity(collaborative):
    membership = MembershipFactory(collaborative=collaborative)
    assert not payments_to_do(membership, sees_everyone=False).choice  # Nothing paid yet.
    PaymentSettingsFactory(collaborative=collaborative, pays=False)
    assert not payments_to_do(membership, sees_everyone=False).choice
    PaymentSettingsFactory(collaborative=collaborative, valid_from=timezone.localdate() + timedelta(days=3))
    assert not payments_to_do(membership, sees_everyone=False).choice  # Not paying yet.
    PaymentSettingsFactory(collaborative=collaborative, valid_from=timezone.localdate())
    assert payments_to_do(membership, sees_everyone=False).choice
    PaymentChoiceFactory(collaborative=collaborative, user=membership.user)
    assert not payments_to_do(membership, sees_everyone=False).choice


@pytest.mark.parametrize("earlier", [2, 50])
def test_the_history_costs_the_same_queries_and_is_a_page_at_a_time(
    member_client, member, collaborative, paying, django_assert_num_queries, earlier
):
    today = timezone.localdate()
    for days in range(earlier):
        PaymentChoiceFactory(collaborative=collaborative, user=member, valid_from=today - timedelta(days=days))
    member_client.get(URL)
    with django_assert_num_queries(QUERIES):
        response = member_client.get(URL)
    assert response.text.count('<li class="card">') == min(earlier - 1, 20)


# One more since issue 18: the count of what is new beside "Discussions" in the navigation.
QUERIES = 8
