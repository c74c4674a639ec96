"""The payments settings page: facilitators say what the Collaborative pays, from a day on; the earlier
settings stay, and the page lists them, a page at a time."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Membership
from payments.models import PaymentSettings
from tests.factories import MembershipFactory, PaymentSettingsFactory

pytestmark = pytest.mark.django_db

URL = reverse("payments:settings", kwargs={"slug": "lambeth"})


def text(response) -> str:
    return html.unescape(response.content.decode())


def settings_data(**overrides) -> dict:
    data = {
        "pays": "on",
        "rate_meeting": "30",
        "rate_online": "",
        "rate_hour": "12.50",
        "rate_half_day": "",
        "rate_day": "",
        "expense_types": ["public_transport", "mileage"],
        "mileage_pence": "45",
        "methods": ["bank_transfer"],
        "claim_within_days": "90",
        "benefits_advice": "Lambeth Welfare Rights, 020 7926 0000",
        "valid_from": timezone.localdate().isoformat(),
    }
    return data | overrides


def rows() -> list:
    return list(PaymentSettings.objects.values_list("pays", "rate_meeting_pence", "valid_from"))


@pytest.mark.parametrize(
    ("role", "status"), [("member", 403), ("commissioner", 403), ("outsider", 404), ("facilitator", 200)]
)
def test_only_facilitators_open_the_settings(client, people, role, status):
    client.force_login(people[role])
    assert client.get(URL).status_code == status
    assert client.post(URL, settings_data()).status_code == (302 if role == "facilitator" else status)
    assert PaymentSettings.objects.exists() == (role == "facilitator")


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_payments_contact_who_is_not_a_facilitator_cannot_change_them(client, collaborative):
    contact = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    client.force_login(contact)
    assert client.get(URL).status_code == 403


def test_saving_makes_new_settings_with_the_rates_in_exact_pence(facilitator_client, facilitator, collaborative):
    response = facilitator_client.post(URL, settings_data(rate_meeting="30", rate_hour="12.50", rate_day="£100.10"))
    assert response.status_code == 302
    row = PaymentSettings.objects.get()
    assert (row.rate_meeting_pence, row.rate_hour_pence, row.rate_day_pence) == (3000, 1250, 10010)
    assert (row.rate_online_pence, row.rate_half_day_pence) == (None, None)
    assert row.expense_types == ["public_transport", "mileage"]
    assert row.methods == ["bank_transfer"]
    assert (row.set_by, row.valid_from) == (facilitator, timezone.localdate())
    page = text(facilitator_client.get(URL))
    assert "The new payment settings apply from today." in page
    assert "A meeting: £30.00; An hour: £12.50; A whole day: £100.10" in page


def test_a_change_is_a_new_row_and_the_earlier_settings_stay_listed(facilitator_client, facilitator, collaborative):
    earlier = PaymentSettingsFactory(collaborative=collaborative, rate_meeting_pence=2500, set_by=facilitator)
    tomorrow = timezone.localdate() + timedelta(days=1)
    facilitator_client.post(URL, settings_data(rate_meeting="30.00", valid_from=tomorrow.isoformat()))
    facilitator_client.post(URL, settings_data(rate_meeting="28"))
    assert PaymentSettings.objects.count() == 3
    earlier.refresh_from_db()
    assert earlier.rate_meeting_pence == 2500  # Never changed.
    page = text(facilitator_client.get(URL))
    in_force = page.split('id="in-force-heading"', 1)[1].split("</section>", 1)[0]
    assert "A meeting: £28.00" in in_force
    assert f"From {tomorrow:%-d %B %Y}" in in_force
    assert "A meeting: £30.00" in in_force
    history = page.split('id="earlier-heading"', 1)[1]
    assert "A meeting: £25.00" in history
    assert f"Set by {facilitator.display_name}" in history


def test_the_form_starts_from_the_latest_settings(facilitator_client, collaborative):
    PaymentSettingsFactory(collaborative=collaborative, rate_meeting_pence=3050)
    page = facilitator_client.get(URL).content.decode()
    assert 'name="rate_meeting" value="30.50"' in page


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"rate_meeting": "thirty"}, "A meeting, in pounds: Give an amount in pounds, for example 12.50."),
        ({"rate_meeting": "30.001"}, "Give the amount to the penny, for example 12.50."),
        ({"rate_meeting": "-5"}, "Give an amount in pounds, for example 12.50."),
        ({"rate_meeting": "0.00"}, "Give an amount above £0, or leave it empty if you do not pay for this."),
        ({"rate_hour": "20000"}, "That is more than £10,000. Check the amount."),
        ({"valid_from": "2000-01-01"}, "Choose today or a later day"),
        ({"valid_from": "next week"}, "From: Enter a valid date."),
        ({"methods": []}, "How we pay: Tick at least one way you pay people."),
        (
            {"rate_meeting": "", "rate_hour": "", "expense_types": []},
            "Give at least one rate, or tick the expenses you pay back.",
        ),
        ({"claim_within_days": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"mileage_pence": "0.45"}, "Enter a whole number."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(facilitator_client, overrides, error):
    response = facilitator_client.post(URL, settings_data(**overrides))
    assert response.status_code == 400
    assert error in text(response)
    assert rows() == []


def test_not_paying_needs_no_rates(facilitator_client):
    response = facilitator_client.post(URL, settings_data(pays="", rate_meeting="", rate_hour="", methods=[]))
    assert response.status_code == 302
    assert rows() == [(False, None, timezone.localdate())]
    assert "No, not at the moment" in text(facilitator_client.get(URL))


def test_a_facilitator_without_two_step_sign_in_is_sent_to_set_it_up(client, collaborative):
    facilitator = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, two_factor=False
    ).user
    client.force_login(facilitator)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


@pytest.mark.parametrize("earlier", [2, 50])
def test_the_history_costs_the_same_queries_and_is_a_page_at_a_time(
    facilitator_client, collaborative, django_assert_num_queries, earlier
):
    today = timezone.localdate()
    for days in range(earlier):
        PaymentSettingsFactory(collaborative=collaborative, valid_from=today - timedelta(days=days + 1))
    facilitator_client.get(URL)  # Sessions and the like, read once.
    with django_assert_num_queries(QUERIES):
        response = facilitator_client.get(URL)
    assert response.text.count('<li class="card">') == min(earlier - 1, 20)


# One more since issue 18: the count of what is new beside "Discussions" in the navigation.
QUERIES = 10
