"""The annual impact report (impact/report.py, impact/views.py): the page for any period (April to March by
default), its PDF made from the same page, and the same figures as CSV; bad periods answered plainly."""

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader

from actions.models import Action
from impact.figures import SMALL_NUMBER_RULE
from impact.models import Publication, april_to_march
from impact.report import report_for
from tests.factories import ActionFactory, AttendanceFactory, GoalFactory
from tests.impact.helpers import END, START, ask_sent, at, meeting_on, person, review
from vision.models import GoalReview

pytestmark = pytest.mark.django_db
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}


def url(name: str, collaborative, **query) -> str:
    address = reverse(name, kwargs={"slug": collaborative.slug})
    return address + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


@pytest.fixture
def year(collaborative):
    """A year with three people at two meetings, a goal achieved, asks to two organisations (one whose name
    would be a formula in a spreadsheet) and a "you said, we did" item published, another not."""
    first, last = meeting_on(collaborative, START), meeting_on(collaborative, END)
    for _ in range(3):
        somebody = person("carer")
        AttendanceFactory(meeting=first, user=somebody)
        AttendanceFactory(meeting=last, user=somebody)
    goal = GoalFactory(collaborative=collaborative, title="Crisis help in every neighbourhood", created_at=at(START))
    review(goal, GoalReview.Outcome.ACHIEVED, date(2026, 1, 15))
    ask_sent(collaborative, START, due_on=date(2025, 4, 29), answered_on=date(2025, 4, 20), organisation="The trust")
    ask_sent(collaborative, START, due_on=date(2025, 4, 29), organisation="The trust")
    ask_sent(collaborative, START, due_on=date(2025, 4, 29), organisation="=HYPERLINK(1)")
    done = ActionFactory(collaborative=collaborative, status=Action.Status.DONE, done_at=at(date(2025, 10, 1)))
    Publication.objects.create(
        collaborative=collaborative,
        kind=Publication.Kind.YOU_SAID,
        action=done,
        title="Evening opening at the hub",
        summary="You said the hub closed too early; it now opens until 8pm.",
    )
    hidden = ActionFactory(collaborative=collaborative, status=Action.Status.DONE, done_at=at(date(2025, 10, 2)))
    Publication.objects.create(
        collaborative=collaborative,
        kind=Publication.Kind.YOU_SAID,
        action=hidden,
        title="Not for the public yet",
        summary="Hidden.",
        status=Publication.Status.HIDDEN,
    )
    return collaborative


def test_the_report_shows_the_collaborative_the_period_and_its_figures(member_client, year):
    response = member_client.get(url("impact:report", year, **PERIOD))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        escape(year.name),
        escape(year.area),
        "1 April 2025 to 31 March 2026",
        "Crisis help in every neighbourhood",
        "Achieved in this period",
        "Evening opening at the hub",
        "The trust",
        escape(SMALL_NUMBER_RULE),
    ):
        assert text in page, text
    assert "Not for the public yet" not in page


def test_april_to_march_of_this_financial_year_by_default(member_client, collaborative):
    start, end = april_to_march(collaborative.local_today())
    response = member_client.get(url("impact:report", collaborative))
    assert response.status_code == 200
    assert f"{start:%-d %B %Y} to {end:%-d %B %Y}" in response.content.decode()


def headline_on_page(page: str) -> list[tuple[str, str]]:
    rows = re.findall(r'<th scope="row" data-label="What">(.*?)</th><td data-label="How many">(.*?)</td>', page)
    return [(unescape(label), unescape(shown)) for label, shown in rows]


def test_the_csv_figures_are_the_pages(member_client, year):
    page = member_client.get(url("impact:report", year, **PERIOD)).content.decode()
    response = member_client.get(url("impact:report_csv", year, **PERIOD))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "impact-report-lambeth-2025-04-01-to-2026-03-31.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    in_csv = [(row[1], row[2]) for row in rows if row and row[0] == "Headline figures"]
    assert in_csv == headline_on_page(page)
    assert ("Meetings held", "2") in in_csv
    assert ("People who came to meetings (each counted once)", "3") in in_csv
    assert ["The trust", "2", "1", "0", "1", "0"] in rows
    assert ["'=HYPERLINK(1)", "1", "0", "0", "1", "0"] in rows  # Never run as a formula.
    assert ["Evening opening at the hub", "You said the hub closed too early; it now opens until 8pm."] in rows


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_is_a_pdf_of_the_report(member_client, year):
    response = member_client.get(url("impact:report_pdf", year, **PERIOD))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert year.name in text
    assert "Headline figures" in text
    assert "Download as PDF" not in text  # The page's own links are for the screen.


def test_without_weasyprint_the_pdf_is_a_page_saying_to_print(member_client, collaborative, monkeypatch):
    import payments.pdf

    def missing(html: str) -> bytes:
        raise payments.pdf.PdfUnavailable("no Pango")

    monkeypatch.setattr("impact.views.pdf_from_html", missing)
    response = member_client.get(url("impact:report_pdf", collaborative, **PERIOD))
    assert response.status_code == 503
    assert "use your browser's Print instead" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "not-a-date"}, "Enter a valid date."),
        ({"start": "2026-02-30"}, "Enter a valid date."),
        ({"start": "2026-04-01", "end": "2026-03-31"}, "The end of the period must be on or after its start."),
        ({"start": "2020-04-01", "end": "2025-04-01"}, "Choose a period of 5 years or less."),
        ({"start": "2025-04-01", "end": "9999-12-31"}, "Choose a date between 2000 and 2099."),
    ],
)
def test_a_bad_period_is_answered_plainly(member_client, collaborative, query, message):
    response = member_client.get(url("impact:report", collaborative, **query))
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    for name in ("impact:report_csv", "impact:report_pdf"):  # Downloads go to the page, which says why.
        download = member_client.get(url(name, collaborative, **query))
        assert download.status_code == 302
        assert download["Location"].startswith(reverse("impact:report", kwargs={"slug": collaborative.slug}))


def test_five_years_exactly_is_allowed(member_client, collaborative):
    response = member_client.get(url("impact:report", collaborative, start="2021-04-01", end="2026-03-31"))
    assert response.status_code == 200


def test_the_report_is_for_members_only(client, collaborative, people):
    address = url("impact:report", collaborative, **PERIOD)
    assert client.get(address).status_code == 302
    client.force_login(people["outsider"])
    assert client.get(address).status_code == 404
    for role in ("member", "facilitator", "commissioner"):
        client.force_login(people[role])
        assert client.get(address).status_code == 200, role


def test_the_report_reads_in_a_constant_number_of_queries(year, django_assert_max_num_queries):
    # The figures' nine, and one each for organisations, goals and "you said, we did".
    with django_assert_max_num_queries(12):
        report = report_for(year, START, END)
    assert [goal.title for goal in report.goals] == ["Crisis help in every neighbourhood"]
    assert [row.organisation for row in report.organisations] == ["The trust", "=HYPERLINK(1)"]
    assert [item.title for item in report.you_said] == ["Evening opening at the hub"]
    assert report.start + timedelta(days=364) == report.end
