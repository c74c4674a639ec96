"""A person's payments page and their statement for any period: every line, and totals of what counts (money
paid or due) by week, Monday to Sunday, and by calendar month, as a page, a spreadsheet and a PDF."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader

from members.models import Membership
from payments.models import ExpenseType, Letter, Line
from payments.services import letter_ask, line_add, lines_mark_paid
from payments.statements import default_period, statement_for
from tests.factories import MembershipFactory, PaymentChoiceFactory
from tests.payments.helpers import make_line, reverse_line

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2026-01-01", "end": "2026-02-28"}


@pytest.fixture
def lines(collaborative, member, facilitator) -> dict:
    """Across the end of January 2026 (Thursday 29 January to Monday 2 February): what counts and what does not."""
    made = {
        "jan": make_line(collaborative, member, date(2026, 1, 29), 3000, status=Line.Status.PAID, by=facilitator),
        "fares": make_line(collaborative, member, date(2026, 2, 1), 1250, kind=Line.Kind.EXPENSE, by=facilitator),
        "feb": make_line(collaborative, member, date(2026, 2, 2), 3000, by=facilitator),
        "waiting": make_line(collaborative, member, date(2026, 1, 31), 999, status=Line.Status.WAITING),
        "refused": make_line(collaborative, member, date(2026, 1, 30), 777, status=Line.Status.REFUSED, by=facilitator),
        "corrected": make_line(collaborative, member, date(2026, 2, 1), 3000, status=Line.Status.PAID, by=facilitator),
    }
    made["reversal"] = reverse_line(made["corrected"], by=facilitator)
    # Someone else's line, and one outside the period: in no one's totals here.
    other = MembershipFactory(collaborative=collaborative).user
    make_line(collaborative, other, date(2026, 1, 29), 5000, by=facilitator)
    make_line(collaborative, member, date(2026, 3, 2), 4000, by=facilitator)
    return made


def url(name: str, collaborative, user, **query) -> str:
    address = reverse(name, kwargs={"slug": collaborative.slug, "user_pk": user.pk})
    return address + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_weekly_and_monthly_totals_across_a_month_boundary(collaborative, member, lines):
    statement = statement_for(collaborative, member, date(2026, 1, 1), date(2026, 2, 28))
    weeks = [(week.start, week.end, week.time_pence, week.expenses_pence) for week in statement.weeks]
    # Monday 26 January to Sunday 1 February holds January's meeting and February's first-day fares;
    # the corrected line and its reversal add up to nothing; waiting and refused lines do not count.
    assert weeks == [
        (date(2026, 1, 26), date(2026, 2, 1), 3000, 1250),
        (date(2026, 2, 2), date(2026, 2, 8), 3000, 0),
    ]
    months = [(month.label, month.time_pence, month.expenses_pence) for month in statement.months]
    assert months == [("January 2026", 3000, 0), ("February 2026", 3000, 1250)]
    assert statement.whole.total_pence == 7250
    assert statement.waiting_pence == 999
    assert len(statement.lines) == 7  # Every line of the person's in the period, counted or not.
    assert [line.activity_on for line in statement.lines] == sorted(line.activity_on for line in statement.lines)


def test_the_default_period_is_this_tax_year_so_far():
    assert default_period(date(2026, 4, 5)) == (date(2025, 4, 6), date(2026, 4, 5))
    assert default_period(date(2026, 4, 6)) == (date(2026, 4, 6), date(2026, 4, 6))


def test_the_statement_page_shows_lines_and_totals(client, collaborative, member, lines):
    client.force_login(member)
    response = client.get(url("payments:statement", collaborative, member, **PERIOD))
    assert response.status_code == 200
    text = response.text
    assert "Mon 26 Jan 2026 to Sun 1 Feb 2026" in text
    assert "£72.50" in text  # The whole period.
    assert "£42.50" in text  # The first week, and February.
    assert "Waiting for approval, not counted yet: £9.99" in text
    assert "What counts:" in text
    assert "Correction: Monthly meeting" in text
    assert "-£30.00" in text
    assert "£50.00" not in text  # Someone else's.
    assert "£40.00" not in text  # After the period.


def test_a_bad_period_is_explained_and_this_tax_year_shown(client, collaborative, member, lines):
    client.force_login(member)
    response = client.get(url("payments:statement", collaborative, member, start="2026-03-01", end="2026-01-01"))
    assert response.status_code == 200
    assert "The end of the period must be on or after its start." in response.text
    response = client.get(url("payments:statement", collaborative, member, start="soon"))
    assert "Enter a valid date." in response.text
    # A download of a bad period goes to the page, which says why.
    response = client.get(url("payments:statement_csv", collaborative, member, start="soon"))
    assert response.status_code == 302
    assert response["Location"].startswith(url("payments:statement", collaborative, member))


def test_the_statement_as_a_spreadsheet(client, collaborative, member, lines):
    client.force_login(member)
    response = client.get(url("payments:statement_csv", collaborative, member, **PERIOD))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][1] == member.display_name
    assert ["2026-01-29", "Monthly meeting", "For your time", "Paid", "yes", "30.00", "2026-01-29", "BACS 2901"] in rows
    assert any(row[:2] == ["2026-01-31", "Monthly meeting"] and row[4] == "no" for row in rows)
    assert ["Mon 26 Jan 2026 to Sun 1 Feb 2026", "2026-01-26", "2026-02-01", "30.00", "12.50", "42.50"] in rows
    assert ["February 2026", "2026-02-01", "2026-02-28", "30.00", "12.50", "42.50"] in rows
    assert ["The whole period", "2026-01-01", "2026-02-28", "60.00", "12.50", "72.50"] in rows


def test_paid_in_totals_go_by_the_day_paid(client, collaborative, member, facilitator):
    """Universal Credit counts money when it is received: beside the totals by the day of the activity, the
    statement totals what was paid in the period by the day paid, whatever the day of the activity."""
    december = make_line(collaborative, member, date(2025, 12, 30), 3000, by=facilitator)
    january = make_line(collaborative, member, date(2026, 1, 29), 1500, by=facilitator)
    make_line(collaborative, member, date(2026, 1, 30), 700, by=facilitator)  # Approved, not paid yet.
    # Claimed in January: paid days come after the day a line was made.
    Line.objects.filter(pk__in=[december.pk, january.pk]).update(created_at=datetime(2026, 1, 30, 12, tzinfo=UTC))
    lines_mark_paid(lines=[december, january], by=facilitator, paid_on=date(2026, 2, 3), reference="BACS 0302")
    statement = statement_for(collaborative, member, date(2026, 1, 1), date(2026, 1, 31))
    assert statement.whole.total_pence == 2200  # By the day of the activity: January's two.
    assert statement.paid_whole.total_pence == 0  # Nothing was paid in January.
    assert (statement.paid_weeks, statement.paid_months) == ([], [])
    statement = statement_for(collaborative, member, date(2026, 2, 1), date(2026, 2, 28))
    assert statement.whole.total_pence == 0
    assert statement.paid_whole.total_pence == 4500  # December's and January's, both paid on 3 February.
    assert [(week.start, week.total_pence) for week in statement.paid_weeks] == [(date(2026, 2, 2), 4500)]
    assert [(month.label, month.total_pence) for month in statement.paid_months] == [("February 2026", 4500)]

    client.force_login(member)
    february = {"start": "2026-02-01", "end": "2026-02-28"}
    text = client.get(url("payments:statement", collaborative, member, **february)).text
    assert "Totals by the day of the activity" in text
    assert "Paid in, by the day paid" in text
    assert "Paid in each week, Monday to Sunday" in text
    assert "£45.00" in text
    response = client.get(url("payments:statement_csv", collaborative, member, **february))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    headings = ["From", "To", "For time (£)", "Expenses (£)", "Total (£)"]
    assert ["Paid in the whole period, by the day paid", *headings] in rows
    assert ["Week (Monday to Sunday), by the day of the activity", *headings] in rows
    assert ["Mon 2 Feb 2026 to Sun 8 Feb 2026", "2026-02-02", "2026-02-08", "45.00", "0.00", "45.00"] in rows


@pytest.mark.parametrize(
    "query",
    [{"start": "0001-01-01"}, {"end": "9999-12-31"}, {"start": "2019-01-01"}],
)
def test_a_single_date_is_held_to_six_years_too(client, collaborative, member, query):
    """The period runs to today (or from this tax year's start) when one end is not given: six years at most."""
    client.force_login(member)
    response = client.get(url("payments:statement", collaborative, member, **query))
    assert response.status_code == 200
    assert "Choose a period of six years or less." in response.text
    assert response.context["statement"].start == default_period(collaborative.local_today())[0]
    for name in ("payments:statement_csv", "payments:statement_pdf"):
        response = client.get(url(name, collaborative, member, **query))
        assert response.status_code == 302, name
        assert response["Location"].startswith(url("payments:statement", collaborative, member))


def booking(collaborative, user, day: date, pence: int, by, *, status=Line.Status.PAID) -> Line:
    """A ticket the Collaborative booked for the person, as it stands once booked and paid."""
    return line_add(
        by=by,
        collaborative=collaborative,
        user=user,
        kind=Line.Kind.BOOKING,
        expense_type=ExpenseType.PUBLIC_TRANSPORT,
        description="Train to the regional event",
        activity_on=day,
        unit_pence=pence,
        amount_pence=pence,
        status=status,
        **({"paid_on": day, "paid_reference": "Booked"} if status == Line.Status.PAID else {}),
    )


def test_tickets_booked_are_listed_apart_and_never_counted(client, collaborative, member, facilitator, lines):
    """A ticket the Collaborative booked and paid for is not money paid to the person: not in their totals
    (by the day of the activity, or paid in), listed as booked for them."""
    booking(collaborative, member, date(2026, 1, 29), 8800, facilitator)
    booking(collaborative, member, date(2026, 2, 2), 4100, facilitator, status=Line.Status.APPROVED)
    statement = statement_for(collaborative, member, date(2026, 1, 1), date(2026, 2, 28))
    assert statement.whole.total_pence == 7250  # As without the bookings.
    assert [(week.start, week.total_pence) for week in statement.weeks] == [
        (date(2026, 1, 26), 4250),
        (date(2026, 2, 2), 3000),
    ]
    # Paid in: the meeting of 29 January and the line later corrected (its reversal is netted off when paid).
    assert statement.paid_whole.total_pence == 6000
    assert [line.amount_pence for line in statement.booked] == [8800, 4100]
    assert all(not line.counts for line in statement.booked)
    assert all(line.kind != Line.Kind.BOOKING for line in statement.lines)

    client.force_login(member)
    text = client.get(url("payments:statement", collaborative, member, **PERIOD)).text
    assert "Booked for you" in text
    assert "£88.00" in text
    assert "£72.50" in text
    response = client.get(url("payments:statement_csv", collaborative, member, **PERIOD))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["2026-01-29", "Train to the regional event", "Paid", "88.00"] in rows
    assert ["The whole period", "2026-01-01", "2026-02-28", "60.00", "12.50", "72.50"] in rows


def test_a_line_waiting_for_a_choice_speaks_to_the_person_only_on_their_own_page(
    client, collaborative, member, facilitator
):
    line_add(
        by=facilitator,
        collaborative=collaborative,
        user=member,
        kind=Line.Kind.TIME,
        activity="meeting",
        description="Monthly meeting",
        activity_on=date(2026, 1, 14),
        unit_pence=3000,
        amount_pence=3000,
        status=Line.Status.NEEDS_CHOICE,
    )
    own = "Waiting for you to say how you would like to be paid"
    theirs = "Waiting for their choice of how to be paid"
    client.force_login(member)
    text = client.get(reverse("payments:home", kwargs={"slug": collaborative.slug})).text
    assert own in text
    assert theirs not in text
    client.force_login(facilitator)
    for page in (
        url("payments:person", collaborative, member),
        url("payments:statement", collaborative, member, **PERIOD),
    ):
        text = client.get(page).text
        assert theirs in text, page
        assert own not in text, page
    # The spreadsheet is a document about the person, whoever downloads it.
    client.force_login(member)
    csv_text = client.get(url("payments:statement_csv", collaborative, member, **PERIOD)).content.decode("utf-8-sig")
    assert theirs in csv_text
    assert own not in csv_text


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_statement_as_a_pdf_holds_the_name_dates_and_totals(client, collaborative, member, lines):
    client.force_login(member)
    response = client.get(url("payments:statement_pdf", collaborative, member, **PERIOD))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert member.display_name in text
    assert "1 January 2026 to 28 February 2026" in text
    assert "Mon 26 Jan 2026 to Sun 1 Feb 2026" in text
    assert "£72.50" in text
    assert "Show this period" not in text  # The page's form is for the screen only.


def test_without_weasyprint_the_pdf_is_a_page_saying_to_print(client, collaborative, member, lines, monkeypatch):
    import payments.pdf

    def missing(html):
        raise payments.pdf.PdfUnavailable("no Pango")

    monkeypatch.setattr("payments.views.pdf_from_html", missing)
    client.force_login(member)
    response = client.get(url("payments:statement_pdf", collaborative, member, **PERIOD))
    assert response.status_code == 503
    assert "use your browser's Print instead" in response.text


def test_another_member_and_a_commissioner_get_404(client, collaborative, member, people, lines):
    other = MembershipFactory(collaborative=collaborative).user
    for viewer in (other, people["commissioner"], people["outsider"]):
        client.force_login(viewer)
        for name in ("payments:person", "payments:statement", "payments:statement_csv", "payments:statement_pdf"):
            assert client.get(url(name, collaborative, member)).status_code == 404, (viewer, name)


def test_the_payments_contact_and_facilitators_see_anyones(client, collaborative, member, facilitator, lines):
    contact = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    for viewer in (contact, facilitator):
        client.force_login(viewer)
        response = client.get(url("payments:person", collaborative, member))
        assert response.status_code == 200
        assert f"Payments and expenses: {escape(member.display_name)}" in response.text
        assert client.get(url("payments:statement_csv", collaborative, member, **PERIOD)).status_code == 200


# The person's own page


def test_own_page_shows_the_choice_and_lines_newest_first(client, collaborative, member, lines):
    PaymentChoiceFactory(collaborative=collaborative, user=member)
    client.force_login(member)
    response = client.get(reverse("payments:home", kwargs={"slug": collaborative.slug}))
    assert response.status_code == 200
    text = response.text
    assert "Your payments and expenses" in text
    assert "Paid in full, bank transfer." in text
    assert reverse("payments:choice", kwargs={"slug": collaborative.slug}) in text
    assert reverse("payments:claim", kwargs={"slug": collaborative.slug}) in text
    assert text.index("2 March 2026") < text.index("2 February 2026") < text.index("29 January 2026")
    assert "29 January 2026, reference BACS 2901" in text
    assert "Not approved" in text
    assert url("payments:statement", collaborative, member) in text


def test_own_page_without_a_choice_says_so(client, collaborative, member):
    client.force_login(member)
    response = client.get(reverse("payments:home", kwargs={"slug": collaborative.slug}))
    assert "You have not said yet how you would like to be paid." in response.text
    assert "No payments or expenses yet." in response.text


def test_the_lines_fragment_for_htmx(client, collaborative, member, lines):
    client.force_login(member)
    response = client.get(reverse("payments:home", kwargs={"slug": collaborative.slug}), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Monthly meeting" in response.text


@pytest.mark.parametrize("how_many", [2, 50])
def test_own_page_queries_do_not_grow_and_pages_are_bounded(
    client, collaborative, member, facilitator, django_assert_num_queries, how_many
):
    for number in range(how_many):
        make_line(collaborative, member, date(2026, 1, 1 + number % 28), 100 + number, by=facilitator)
    client.force_login(member)
    address = reverse("payments:home", kwargs={"slug": collaborative.slug})
    client.get(address)  # Sessions and the like, read once.
    with django_assert_num_queries(QUERIES_OWN_PAGE):
        response = client.get(address)
    assert response.text.count('data-label="Amount"') == min(how_many, 25)


# One more since issue 18: the count of what is new beside "Discussions" in the navigation.
QUERIES_OWN_PAGE = 9


def test_the_membership_of_another_collaborative_sees_nothing_here(client, collaborative, other_collaborative, member):
    """Someone in Luton only: Lambeth's payments pages are a 404, as for everything of Lambeth's."""
    luton = MembershipFactory(collaborative=other_collaborative, role=Membership.Role.MEMBER).user
    client.force_login(luton)
    assert client.get(reverse("payments:home", kwargs={"slug": collaborative.slug})).status_code == 404


def test_the_payments_contact_reaches_every_page_here(client, collaborative, member, facilitator, lines):
    """The payments contact (a member with that responsibility, and two-step sign-in) sees anyone's payments,
    statements and letters, signs letters and sees the totals; a session without the code step is asked for it."""
    contact = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    january = {"period_from": date(2026, 1, 1), "period_to": date(2026, 1, 31)}
    letter = letter_ask(collaborative=collaborative, user=member, kind=Letter.Kind.BENEFITS, **january)
    slug = {"slug": collaborative.slug}
    person = slug | {"user_pk": member.pk}
    pages = [
        reverse("payments:home", kwargs=slug),
        reverse("payments:person", kwargs=person),
        reverse("payments:statement", kwargs=person),
        reverse("payments:statement_csv", kwargs=person),
        reverse("payments:statement_pdf", kwargs=person),
        reverse("payments:letters", kwargs=slug),
        reverse("payments:letter", kwargs=slug | {"pk": letter.pk}),
        reverse("payments:letter_ask", kwargs=slug),
        reverse("payments:totals", kwargs=slug),
    ]
    client.force_login(contact)
    for page in pages:
        assert client.get(page).status_code == 200, page
    sign = reverse("payments:letter_sign", kwargs=slug | {"pk": letter.pk})
    client.force_login(contact, two_step=False)
    for page in pages[1:2] + pages[5:7] + pages[8:]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("members:two_step")), page
    assert client.post(sign)["Location"].startswith(reverse("members:two_step"))
    client.force_login(contact)
    assert client.post(sign).status_code == 302
    letter.refresh_from_db()
    assert letter.signed_by == contact
    assert client.get(reverse("payments:letter_pdf", kwargs=slug | {"pk": letter.pk})).status_code == 200
