"""Letters a member asks for: for a benefits adviser or Jobcentre Plus (the activity, the days they took part,
their payments with weekly and monthly totals), or to their employer asking for time to take part (the
Collaborative, its purpose, the meetings' days and times). Someone else signs; then the member prints it or
downloads the PDF, made by WeasyPrint from the same page."""

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from meetings.models import Attendance, Meeting
from members.models import Membership
from members.personal_data import account_erase
from payments.models import Letter, Line
from payments.services import letter_ask, line_add
from tests.factories import MeetingFactory, MembershipFactory, VisionVersionFactory
from tests.payments.helpers import make_line

pytestmark = pytest.mark.django_db

JANUARY = {"period_from": date(2026, 1, 1), "period_to": date(2026, 1, 31)}
EMPLOYER = {"kind": "employer", "period_from": "2026-01-01", "period_to": "2026-06-30"}


def address(name: str, collaborative, letter=None) -> str:
    kwargs = {"slug": collaborative.slug} | ({"pk": letter.pk} if letter else {})
    return reverse(name, kwargs=kwargs)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def at(collaborative, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=collaborative.zone)


@pytest.fixture
def benefits_letter(collaborative, member, facilitator):
    """The member came to the meeting of 14 January 2026 (paid, £30) and claimed bus fares (£4.80)."""
    meeting = MeetingFactory(
        collaborative=collaborative,
        title="January meeting",
        starts_at=at(collaborative, date(2026, 1, 14), 10),
        ends_at=at(collaborative, date(2026, 1, 14), 12, 30),
    )
    Attendance.objects.create(meeting=meeting, user=member, attended=True, marked_by=facilitator)
    make_line(collaborative, member, date(2026, 1, 14), 3000, meeting=meeting, status=Line.Status.PAID, by=facilitator)
    make_line(collaborative, member, date(2026, 1, 14), 480, kind=Line.Kind.EXPENSE, by=facilitator)
    make_line(
        collaborative, member, date(2026, 2, 3), 1500, activity="hour", description="Interview panel", by=facilitator
    )
    return letter_ask(
        collaborative=collaborative,
        user=member,
        kind=Letter.Kind.BENEFITS,
        period_from=date(2026, 1, 1),
        period_to=date(2026, 3, 31),
    )


@pytest.fixture
def employer_letter(collaborative, member, facilitator):
    """Two meetings to come in the period (one of them cancelled) and one after it; the vision adopted."""
    VisionVersionFactory(
        collaborative=collaborative,
        statement="Help is easy to get, near home.",
        status="adopted",
        adopted_at=timezone.now(),
    )
    today = collaborative.local_today()
    soon, later, outside = today + timedelta(days=10), today + timedelta(days=40), today + timedelta(days=120)
    for day, title, status in (
        (soon, "Crisis care meeting", Meeting.Status.SCHEDULED),
        (later, "Cancelled meeting", Meeting.Status.CANCELLED),
        (outside, "Meeting after the period", Meeting.Status.SCHEDULED),
    ):
        MeetingFactory(
            collaborative=collaborative,
            title=title,
            status=status,
            starts_at=at(collaborative, day, 10),
            ends_at=at(collaborative, day, 12, 30),
        )
    letter = letter_ask(
        collaborative=collaborative,
        user=member,
        kind=Letter.Kind.EMPLOYER,
        period_from=today,
        period_to=today + timedelta(days=90),
        employer="Lambeth Council",
    )
    letter.soon = soon
    return letter


def test_a_member_asks_for_a_letter(client, collaborative, member):
    client.force_login(member)
    page = client.get(address("payments:letter_ask", collaborative))
    assert page.status_code == 200
    assert "Nobody asks which benefits you get." in page.text
    response = client.post(
        address("payments:letter_ask", collaborative),
        {"kind": "employer", "period_from": "2026-01-01", "period_to": "2026-06-30", "employer": "Lambeth Council"},
    )
    letter = Letter.objects.get(user=member)
    assert response.status_code == 302
    assert response["Location"] == address("payments:letter", collaborative, letter)
    assert (letter.kind, letter.employer, letter.status) == ("employer", "Lambeth Council", "asked")
    page = client.get(response["Location"])
    assert "It is waiting to be signed" in page.text
    assert "Draft: not signed yet." in page.text
    assert address("payments:letter_pdf", collaborative, letter) not in page.text


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (EMPLOYER | {"employer": " "}, "Say who your employer is"),
        ({"kind": "benefits", "period_from": "2026-06-01", "period_to": "2026-01-01"}, "must be on or after its start"),
        ({"kind": "benefits", "period_from": "2010-01-01", "period_to": "2026-01-01"}, "six years or less"),
        ({"kind": "pension", "period_from": "2026-01-01", "period_to": "2026-02-01"}, "Select a valid choice"),
        ({"kind": "benefits", "period_from": "soon", "period_to": "2026-02-01"}, "Enter a valid date"),
    ],
)
def test_bad_asks_are_explained_and_nothing_is_saved(client, collaborative, member, data, error):
    client.force_login(member)
    response = client.post(address("payments:letter_ask", collaborative), data)
    assert response.status_code == 400
    assert error in response.text
    assert not Letter.objects.exists()


def test_the_person_cannot_sign_their_own_letter(client, collaborative, member, facilitator):
    own = letter_ask(collaborative=collaborative, user=facilitator, kind="benefits", **JANUARY)
    members = letter_ask(collaborative=collaborative, user=member, kind="benefits", **JANUARY)
    client.force_login(member)
    assert client.post(address("payments:letter_sign", collaborative, members)).status_code == 403
    # Not even a facilitator signs their own.
    client.force_login(facilitator)
    assert client.post(address("payments:letter_sign", collaborative, own)).status_code == 403
    assert "It is waiting to be signed" in client.get(address("payments:letter", collaborative, own)).text
    own.refresh_from_db()
    members.refresh_from_db()
    assert own.status == members.status == Letter.Status.ASKED


def test_a_facilitator_signs_then_the_member_prints_it(client, collaborative, member, facilitator, benefits_letter):
    client.force_login(member)
    response = client.get(address("payments:letter_pdf", collaborative, benefits_letter))
    assert response.status_code == 302  # Not signed yet: back to the letter, saying so.
    assert flash(response) == ["The letter can be downloaded once it is signed."]

    client.force_login(facilitator)
    listed = client.get(address("payments:letters", collaborative))
    assert escape(member.display_name) in listed.text
    assert address("payments:letter_sign", collaborative, benefits_letter) in listed.text
    response = client.post(address("payments:letter_sign", collaborative, benefits_letter))
    assert response.status_code == 302
    assert flash(response) == [f"Signed. {member.display_name} can now print the letter or download it as a PDF."]
    benefits_letter.refresh_from_db()
    assert (benefits_letter.status, benefits_letter.signed_by) == (Letter.Status.SIGNED, facilitator)
    again = client.post(address("payments:letter_sign", collaborative, benefits_letter))
    assert flash(again)[-1] == "This letter has been signed already."

    client.force_login(member)
    page = client.get(address("payments:letter", collaborative, benefits_letter))
    assert page.status_code == 200
    assert "Draft" not in page.text
    assert f"<strong>{escape(facilitator.display_name)}</strong><br>Facilitator, {collaborative.name}" in page.text
    assert "css/print.css" in page.text
    assert address("payments:letter_pdf", collaborative, benefits_letter) in page.text


def test_the_benefits_letter_pdf_holds_the_names_dates_and_payments(
    client, collaborative, member, facilitator, benefits_letter
):
    client.force_login(facilitator)
    client.post(address("payments:letter_sign", collaborative, benefits_letter))
    client.force_login(member)
    response = client.get(address("payments:letter_pdf", collaborative, benefits_letter))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for words in (
        member.display_name,
        collaborative.name,
        "voluntary involvement",
        "1 January 2026 to 31 March 2026",
        "14 January 2026: January meeting",
        "3 February 2026: Interview panel",
        "£49.80",  # £30 paid, £4.80 and £15 due.
        "Mon 12 Jan 2026 to Sun 18 Jan 2026",
        "January 2026",
        "February 2026",
        facilitator.display_name,
        "Facilitator",
    ):
        assert words in text, words
    assert "Sign this letter" not in text
    assert "Living Well Collaboratives: people who use services" not in text  # The site's footer is not printed.


def test_the_employer_letter_pdf_holds_the_meetings_to_come(
    client, collaborative, member, facilitator, employer_letter
):
    client.force_login(facilitator)
    assert client.post(address("payments:letter_sign", collaborative, employer_letter)).status_code == 302
    client.force_login(member)
    response = client.get(address("payments:letter_pdf", collaborative, employer_letter))
    text = pdf_text(response.content)
    soon = employer_letter.soon
    for words in (
        "To Lambeth Council",
        member.display_name,
        collaborative.name,
        "Help is easy to get, near home.",
        f"{soon:%A} {soon.day} {soon:%B %Y}, 10am to 12:30pm: Crisis care meeting",
        facilitator.display_name,
        "Facilitator",
    ):
        assert words in text, words
    assert "Cancelled meeting" not in text
    assert "Meeting after the period" not in text


def test_a_signed_letter_says_what_it_said_when_signed(client, collaborative, member, facilitator, benefits_letter):
    """Signing fixes the letter: a line approved later, or the signer no longer a facilitator, changes
    neither the page nor the PDF. A draft is worked out afresh each time it is read."""
    draft = letter_ask(collaborative=collaborative, user=member, kind=Letter.Kind.BENEFITS, **JANUARY)
    client.force_login(facilitator)
    client.post(address("payments:letter_sign", collaborative, benefits_letter))
    benefits_letter.refresh_from_db()
    assert benefits_letter.content["whole"]["total"] == "£49.80"
    assert benefits_letter.content["signer_role"] == "Facilitator"

    make_line(collaborative, member, date(2026, 1, 20), 2500, description="Working group", by=facilitator)
    MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR)  # Someone else facilitates.
    Membership.objects.filter(collaborative=collaborative, user=facilitator).update(
        role=Membership.Role.MEMBER, handles_payments=True
    )
    client.force_login(member)
    page = client.get(address("payments:letter", collaborative, benefits_letter)).text
    assert "£49.80" in page
    assert "£74.80" not in page
    assert "20 January 2026: Working group" not in page
    assert f"<strong>{escape(facilitator.display_name)}</strong><br>Facilitator, {collaborative.name}" in page
    text = pdf_text(client.get(address("payments:letter_pdf", collaborative, benefits_letter)).content)
    assert "£49.80" in text
    assert "£74.80" not in text
    assert "Working group" not in text
    assert "Facilitator" in text
    # The draft for January has the line approved since.
    page = client.get(address("payments:letter", collaborative, draft)).text
    assert "20 January 2026: Working group" in page
    assert "£59.80" in page  # £30, £4.80 and now £25.


def test_an_employer_letter_is_signed_by_a_facilitator(
    client, collaborative, member, facilitator, employer_letter, benefits_letter
):
    contact = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    client.force_login(contact)
    listed = client.get(address("payments:letters", collaborative)).text
    assert address("payments:letter_sign", collaborative, benefits_letter) in listed
    assert address("payments:letter_sign", collaborative, employer_letter) not in listed
    assert "Waiting for a facilitator to sign it" in listed
    page = client.get(address("payments:letter", collaborative, employer_letter)).text
    assert address("payments:letter_sign", collaborative, employer_letter) not in page
    assert "a facilitator signs a letter to an employer" in page
    response = client.post(address("payments:letter_sign", collaborative, employer_letter))
    assert response.status_code == 403
    assert "Only a facilitator can sign a letter to an employer." in response.text
    employer_letter.refresh_from_db()
    assert employer_letter.status == Letter.Status.ASKED
    # The payments contact still signs the benefits letter; a facilitator the employer's.
    assert client.post(address("payments:letter_sign", collaborative, benefits_letter)).status_code == 302
    client.force_login(facilitator)
    assert (
        address("payments:letter_sign", collaborative, employer_letter)
        in client.get(address("payments:letter", collaborative, employer_letter)).text
    )
    assert client.post(address("payments:letter_sign", collaborative, employer_letter)).status_code == 302
    employer_letter.refresh_from_db()
    assert (employer_letter.status, employer_letter.signed_by) == (Letter.Status.SIGNED, facilitator)


def test_the_benefits_letter_says_which_day_each_total_goes_by_and_leaves_bookings_out(
    client, collaborative, member, facilitator, benefits_letter
):
    """The totals by the day of the activity, those paid in by the day paid (the meeting's £30, paid on
    14 January), and the ticket the Collaborative booked: listed, not counted."""
    line_add(
        by=facilitator,
        collaborative=collaborative,
        user=member,
        kind=Line.Kind.BOOKING,
        expense_type="public_transport",
        description="Train to the regional event",
        activity_on=date(2026, 2, 10),
        unit_pence=8800,
        amount_pence=8800,
        status=Line.Status.APPROVED,
    )
    client.force_login(facilitator)
    client.post(address("payments:letter_sign", collaborative, benefits_letter))
    client.force_login(member)
    text = pdf_text(client.get(address("payments:letter_pdf", collaborative, benefits_letter)).content)
    for words in (
        "By the day of the activity",
        "By the day the money was paid",
        "Paid in each week",
        "£30.00",
        "£49.80",
        "Booked for them",
        "10 February 2026: Train to the regional event",
    ):
        assert words in text, words
    assert "£88.00" not in text
    assert "£137.80" not in text


def test_erasing_the_signer_leaves_the_letter_signed_by_a_former_member(
    client, collaborative, member, facilitator, benefits_letter
):
    client.force_login(facilitator)
    client.post(address("payments:letter_sign", collaborative, benefits_letter))
    MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR)  # Someone else facilitates.
    name = facilitator.display_name
    account_erase(user=facilitator)
    client.force_login(member)
    page = client.get(address("payments:letter", collaborative, benefits_letter)).text
    assert name not in page
    assert "<strong>Former member</strong><br>Facilitator" in page


def test_without_weasyprint_the_letter_pdf_is_a_page_saying_to_print(
    client, collaborative, member, facilitator, benefits_letter, monkeypatch
):
    import payments.pdf

    def missing(html):
        raise payments.pdf.PdfUnavailable("no Pango")

    monkeypatch.setattr("payments.views.pdf_from_html", missing)
    client.force_login(facilitator)
    client.post(address("payments:letter_sign", collaborative, benefits_letter))
    response = client.get(address("payments:letter_pdf", collaborative, benefits_letter))
    assert response.status_code == 503
    assert "use your browser's Print instead" in response.text


def test_the_pdf_reads_only_our_static_files():
    from payments.pdf import static_file

    assert static_file("https://pdf.invalid/static/css/print.css").endswith("print.css")
    assert static_file("https://pdf.invalid/static/../settings.py") is None
    assert static_file("https://example.org/tracker.css") is None
    assert static_file("file:///etc/passwd") is None


def test_who_sees_a_letter(client, collaborative, member, people, benefits_letter):
    other = MembershipFactory(collaborative=collaborative).user
    for viewer in (other, people["commissioner"], people["outsider"]):
        client.force_login(viewer)
        for name in ("payments:letter", "payments:letter_pdf"):
            assert client.get(address(name, collaborative, benefits_letter)).status_code == 404, (viewer, name)
        assert client.post(address("payments:letter_sign", collaborative, benefits_letter)).status_code == 404
    client.force_login(people["commissioner"])
    assert client.get(address("payments:letters", collaborative)).status_code == 403
    client.force_login(member)
    assert client.get(address("payments:letters", collaborative)).status_code == 403


@pytest.mark.parametrize("how_many", [2, 50])
def test_the_letters_list_queries_do_not_grow(client, collaborative, facilitator, django_assert_num_queries, how_many):
    for number in range(how_many):
        person = MembershipFactory(collaborative=collaborative, role=Membership.Role.MEMBER).user
        letter = letter_ask(collaborative=collaborative, user=person, kind="benefits", **JANUARY)
        if number % 2:
            Letter.objects.filter(pk=letter.pk).update(status="signed", signed_by=facilitator, signed_at=timezone.now())
    client.force_login(facilitator)
    page = address("payments:letters", collaborative)
    client.get(page)
    with django_assert_num_queries(QUERIES_LETTERS):
        response = client.get(page)
    assert response.text.count('data-label="Period"') == min(how_many, 30)
    # Those waiting come first.
    assert response.text.index("Sign<span") < response.text.index("Signed by")


# One more since issue 18: the count of what is new beside "Discussions" in the navigation.
QUERIES_LETTERS = 7
