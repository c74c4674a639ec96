"""Self-assessment rounds and the framework through their pages: opening, answering part of
the way and coming back, closing, results and the CSV; anonymity in every answer the
server gives; bad input answered with a plain message and nothing changed."""

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Membership
from notifications.models import Message
from tests.factories import MembershipFactory
from tests.vision.rounds import were_members_when_it_opened
from vision.models import Answer, Rating, Response, Round, RoundStatement, Statement
from vision.results import ROUND_GROUP_MIN
from vision.services import answers_save, framework_start, round_open, statement_retire, statement_reword
from vision.views import COMMENTS_PAGE_SIZE

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
TODAY = timezone.localdate()
FIRST = "We are clear about our motivation and vision"


def url(name: str, **kwargs) -> str:
    return reverse(f"vision:{name}", kwargs={"slug": "lambeth", **kwargs})


def text(response) -> str:
    return html.unescape(response.content.decode())


def day(delta: int) -> str:
    return (TODAY + timedelta(days=delta)).isoformat()


@pytest.fixture
def framework(collaborative):
    framework_start(collaborative=collaborative)


@pytest.fixture
def round(collaborative, facilitator, framework) -> Round:
    return round_open(
        collaborative=collaborative, by=facilitator, title="Autumn", closing_day=TODAY + timedelta(days=7)
    )


def statements(round: Round) -> list[RoundStatement]:
    return list(round.statements.order_by("position"))


def answers_data(round: Round, ratings: dict[int, str] = {}, comments: dict[int, str] = {}) -> dict:  # noqa: B006
    """The answers form as posted, by position in the round: everything else left empty."""
    data = {}
    for i, statement in enumerate(statements(round)):
        data[f"rating-{statement.pk}"] = ratings.get(i, "")
        data[f"comment-{statement.pk}"] = comments.get(i, "")
    return data


def saved(round: Round, user) -> dict[int, tuple[str, str]]:
    """{position: (rating, comment)} of a person's saved answers."""
    return {
        a.statement.position: (a.rating, a.comment)
        for a in Answer.objects.filter(response__round=round, response__user=user).select_related("statement")
    }


def comments_url(round: Round, statement: RoundStatement) -> str:
    return url("round_comments", pk=round.pk, statement_pk=statement.pk)


def close(round: Round) -> None:
    """As if the closing date had passed."""
    now = timezone.now()
    Round.objects.filter(pk=round.pk).update(opened_at=now - timedelta(days=10), closes_at=now - timedelta(days=1))
    round.refresh_from_db()


def respondents(collaborative, count: int) -> list:
    return [MembershipFactory(collaborative=collaborative).user for _ in range(count)]


def answer_all(round: Round, users, rating=Rating.STRONG, comment="") -> None:
    """Each of `users` (as if they were members when the round opened) gives every statement `rating`."""
    were_members_when_it_opened(round, users)
    for user in users:
        answers_save(round=round, user=user, answers={s.pk: (rating, comment) for s in statements(round)})


def checked(page: str) -> dict[str, str]:
    """{field name: value} of the radio buttons chosen on a page."""
    return {
        name: value
        for tag in re.findall(r"<input [^>]*>", page)
        if " checked" in tag
        for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', tag)
    }


class TestOpening:
    def test_a_facilitator_opens_a_round_and_every_member_is_told(self, facilitator_client, collaborative, framework):
        page = text(facilitator_client.get(url("round_new")))
        assert "rate the 25 statements in use now" in page
        response = facilitator_client.post(url("round_new"), {"title": "Autumn 2026", "closing_day": day(14)})
        round = Round.objects.get()
        assert response.status_code == 302
        assert response.headers["Location"] == round.get_absolute_url()
        assert (round.title, round.closing_day, round.statements.count()) == ("Autumn 2026", TODAY + timedelta(14), 25)
        members = Membership.objects.current_in(collaborative).count()
        assert Message.objects.filter(kind="round_opened").count() == members

    def test_a_second_open_round_is_refused(self, facilitator_client, round):
        response = facilitator_client.post(url("round_new"), {"title": "Another", "closing_day": day(14)})
        assert response.status_code == 400
        assert "A round is already open. Close it before opening another." in text(response)
        assert Round.objects.count() == 1
        assert "Open a new round" not in text(facilitator_client.get(url("rounds")))

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (
                {"closing_day": day(6)},
                "Last day to answer: A round stays open for at least 7 days, so that everyone has time to answer. "
                f"Choose {TODAY + timedelta(days=7):%-d %B %Y} or a later day.",
            ),
            ({"closing_day": day(50 * 365)}, "Last day to answer: Choose a day within 5 years of today."),
            ({"closing_day": "soon"}, "Last day to answer: Enter a valid date."),
            ({"title": ""}, "Name of the round: This field is required."),
            ({"title": "x" * 121}, "Ensure this value has at most 120 characters"),
        ],
    )
    def test_a_round_that_does_not_make_sense_is_explained(self, facilitator_client, framework, data, message):
        response = facilitator_client.post(url("round_new"), {"title": "Autumn", "closing_day": day(7)} | data)
        assert response.status_code == 400
        assert message in text(response)
        assert not Round.objects.exists()
        assert not Message.objects.filter(kind="round_opened").exists()

    def test_a_round_closing_a_week_from_today_is_fine(self, facilitator_client, framework):
        facilitator_client.post(url("round_new"), {"title": "Quick", "closing_day": day(7)})
        assert Round.objects.get().is_open

    def test_with_every_statement_retired_no_round_opens(self, facilitator_client, collaborative, framework):
        for statement in Statement.objects.filter(key_role__collaborative=collaborative):
            statement_retire(statement=statement)
        response = facilitator_client.post(url("round_new"), {"title": "Empty", "closing_day": day(7)})
        assert response.status_code == 400
        assert "Every statement has been retired. Bring back or add a statement first." in text(response)
        assert not Round.objects.exists()


class TestAnswering:
    def test_saving_one_part_comes_back_to_that_part_saying_so(self, member_client, member, round):
        statement = statements(round)[3]
        number = statement.key_role.number
        data = {**answers_data(round, {3: Rating.STRONG}), "section": str(number)}
        response = member_client.post(round.get_absolute_url(), data)
        assert response.status_code == 302
        assert response["Location"] == f"{round.get_absolute_url()}?saved={number}#role-{number}"
        page = text(member_client.get(response["Location"]))
        said = page.index('<p class="message" role="status">Your answers are saved.')
        assert page.rindex(f'id="role-{number}"', 0, said) > page.rindex("<section", 0, said)
        assert page.count("Your answers are saved.") == 1
        assert saved(round, member) == {3: ("strong", "")}
        # A part that is not there goes back to the top, as before.
        data["section"] = "99"
        response = member_client.post(round.get_absolute_url(), data, follow=True)
        assert response.redirect_chain[-1][0] == round.get_absolute_url()
        assert "Your answers are saved." in text(response)

    def test_save_part_of_the_way_come_back_and_change_answers(self, member_client, member, round):
        page = text(member_client.get(round.get_absolute_url()))
        assert "You have answered 0 of 25 statements." in page
        assert not checked(page)

        response = member_client.post(
            round.get_absolute_url(),
            answers_data(round, {0: Rating.STRONG, 3: Rating.DONT_KNOW}, {0: "We say it at every meeting."}),
            follow=True,
        )
        page = text(response)
        assert "Your answers are saved. You can come back and change them until the round closes." in page
        assert saved(round, member) == {0: ("strong", "We say it at every meeting."), 3: ("dont_know", "")}

        page = text(member_client.get(round.get_absolute_url()))
        first, fourth = statements(round)[0], statements(round)[3]
        assert "You have answered 2 of 25 statements." in page
        assert checked(page) == {f"rating-{first.pk}": "strong", f"rating-{fourth.pk}": "dont_know"}
        assert "We say it at every meeting.</textarea>" in page
        assert "You have started." in text(member_client.get(url("rounds")))

        # Change one answer, clear another, add a third.
        member_client.post(round.get_absolute_url(), answers_data(round, {0: Rating.STARTING, 7: Rating.NOT_YET}))
        assert saved(round, member) == {0: ("starting", ""), 7: ("not_yet", "")}

    @pytest.mark.parametrize(
        ("ratings", "comments", "message"),
        [
            ({0: "excellent"}, {}, "Select a valid choice. excellent is not one of the available choices."),
            ({0: "strong"}, {1: "x" * 2001}, "Ensure this value has at most 2000 characters (it has 2001)."),
        ],
    )
    def test_bad_answers_are_explained_and_nothing_is_saved(
        self, member_client, member, round, ratings, comments, message
    ):
        answers_save(round=round, user=member, answers={statements(round)[5].pk: (Rating.STARTING, "Kept.")})
        response = member_client.post(round.get_absolute_url(), answers_data(round, ratings, comments))
        assert response.status_code == 400
        assert "There is a problem" in text(response)
        assert message in text(response)
        assert saved(round, member) == {5: ("starting", "Kept.")}

    def test_a_comment_without_an_answer_is_refused_statement_by_statement(self, member_client, member, round):
        """Results leave out comments without a rating, so saving one would lose it without a word."""
        answers_save(round=round, user=member, answers={statements(round)[5].pk: (Rating.STARTING, "Kept.")})
        second, third = statements(round)[1], statements(round)[2]
        page = text(member_client.get(round.get_absolute_url()))
        assert page.count("A comment goes with your answer, so choose an answer above too.") == 25
        data = answers_data(round, {0: Rating.STRONG}, {1: "Only a comment.", 2: "Another one."})
        response = member_client.post(round.get_absolute_url(), data)
        assert response.status_code == 400
        page = text(response)
        message = "Choose an answer (or Don't know) so that your comment can be counted."
        assert f"{second.text}: {message}" in page
        assert f"{third.text}: {message}" in page
        assert page.count(message) == 4  # In the summary at the top and beside each of the two.
        assert "Only a comment.</textarea>" in page
        assert saved(round, member) == {5: ("starting", "Kept.")}
        # With an answer, the comment is saved.
        data[f"rating-{second.pk}"], data[f"rating-{third.pk}"] = Rating.DONT_KNOW, Rating.NOT_YET
        assert member_client.post(round.get_absolute_url(), data).status_code == 302
        assert saved(round, member) == {
            0: ("strong", ""),
            1: ("dont_know", "Only a comment."),
            2: ("not_yet", "Another one."),
        }

    def test_an_answer_to_a_statement_of_another_round_is_ignored(self, member_client, member, round):
        data = answers_data(round, {0: Rating.STRONG}) | {"rating-999999": "strong"}
        assert member_client.post(round.get_absolute_url(), data).status_code == 302
        assert saved(round, member) == {0: ("strong", "")}

    def test_a_closed_round_refuses_answers_and_keeps_them(self, member_client, member, round):
        answers_save(round=round, user=member, answers={statements(round)[0].pk: (Rating.STRONG, "First thoughts.")})
        close(round)
        response = member_client.post(
            round.get_absolute_url(), answers_data(round, {0: Rating.NOT_YET}, {0: "Changed my mind."}), follow=True
        )
        page = text(response)
        assert "so answers can no longer be changed." in page
        assert f"This round closed on {round.closing_day:%-d %B %Y}" in page
        # The earlier answer was counted (and then deleted, with nothing left linking it to anyone).
        assert Round.objects.get(pk=round.pk).respondents == 1
        assert not Response.objects.exists()
        assert "Changed my mind." not in page

    def test_a_round_closing_while_someone_answers_refuses_with_a_message(
        self, member_client, member, round, monkeypatch
    ):
        """The round closes between the page's check and the save: the service refuses."""
        import vision.views

        real = vision.views.round_for

        def round_for(*args, **kwargs):
            membership, found = real(*args, **kwargs)
            Round.objects.filter(pk=found.pk).update(closes_at=timezone.now())
            return membership, found

        monkeypatch.setattr(vision.views, "round_for", round_for)
        response = member_client.post(round.get_absolute_url(), answers_data(round, {0: Rating.STRONG}))
        assert response.status_code == 400
        assert "answers and dates can no longer be changed" in text(response)
        assert saved(round, member) == {}


class TestFacilitating:
    def test_the_open_round_shows_facilitators_no_count_and_no_ones_answers(
        self, facilitator_client, collaborative, round
    ):
        people = respondents(collaborative, 3)
        answer_all(round, people[:2], Rating.NOT_YET, "Nobody returns my calls, says Bobby.")
        answers_save(round=round, user=people[2], answers={statements(round)[0].pk: ("", "Only a comment.")})
        for headers in ({}, HTMX):
            page = text(facilitator_client.get(round.get_absolute_url(), headers=headers))
            assert "How many people have answered is not shown until the round closes" in page
            assert "answered so far" not in page
            assert not checked(page)
            assert "Bobby" not in page
            assert "Only a comment." not in page
            assert not any(person.display_name in page for person in people)

    def test_changing_the_closing_date(self, facilitator_client, round):
        response = facilitator_client.post(url("round_dates", pk=round.pk), {"closing_day": day(20)}, follow=True)
        assert "The closing date has been changed." in text(response)
        round.refresh_from_db()
        assert round.closing_day == TODAY + timedelta(days=20)

    @pytest.mark.parametrize(
        ("closing_day", "message"),
        [
            (day(-1), "The closing date has passed. Choose today or a later day."),
            (day(50 * 365), "Choose a day within 5 years of today."),
            ("", "This field is required."),
            ("31/02/2026", "Enter a valid date."),
        ],
    )
    def test_a_bad_closing_date_is_explained(self, facilitator_client, round, closing_day, message):
        before = round.closes_at
        response = facilitator_client.post(url("round_dates", pk=round.pk), {"closing_day": closing_day})
        assert response.status_code == 400
        assert message in text(response)
        round.refresh_from_db()
        assert round.closes_at == before

    def test_a_closed_rounds_dates_cannot_change(self, facilitator_client, round):
        close(round)
        before = round.closes_at
        response = facilitator_client.get(url("round_dates", pk=round.pk), follow=True)
        assert "This round has closed, so its dates can no longer be changed." in text(response)
        response = facilitator_client.post(url("round_dates", pk=round.pk), {"closing_day": day(5)})
        assert response.status_code == 400
        assert "answers and dates can no longer be changed" in text(response)
        round.refresh_from_db()
        assert round.closes_at == before

    def test_closing_a_round_early_asks_first(self, facilitator_client, collaborative, round):
        answer_all(round, respondents(collaborative, 2))
        Round.objects.filter(pk=round.pk).update(opened_at=timezone.now() - timedelta(days=8))
        address = url("round_close", pk=round.pk)
        page = text(facilitator_client.get(round.get_absolute_url()))
        assert f'<a class="button button--secondary" href="{address}">Close the round now</a>' in page
        response = facilitator_client.get(address)
        assert response.status_code == 200
        page = text(response)
        assert "<h1>Close “Autumn” now?</h1>" in page
        assert "it cannot be opened again" in page
        assert (
            f"Results are shown only if at least {ROUND_GROUP_MIN} people who were members when the round opened "
            "have answered. How many have answered so far is not shown to anyone" in page
        )
        assert f'<form method="post" action="{address}">' in page
        assert '<button type="submit">Close the round now</button>' in page
        assert f'<a href="{round.get_absolute_url()}">Keep it open</a>' in page
        round.refresh_from_db()
        assert round.is_open
        close(round)
        response = facilitator_client.get(address, follow=True)
        assert "This round has closed already." in text(response)

    def test_closing_a_round_early_shows_the_results(self, facilitator_client, facilitator, collaborative, round):
        answer_all(round, respondents(collaborative, ROUND_GROUP_MIN))
        Round.objects.filter(pk=round.pk).update(opened_at=timezone.now() - timedelta(days=8))
        response = facilitator_client.post(url("round_close", pk=round.pk), follow=True)
        page = text(response)
        assert "The round is closed. Here are the results." in page
        assert "Autumn: results" in page
        assert f"{ROUND_GROUP_MIN} people answered." in page
        round.refresh_from_db()
        assert (round.is_open, round.closed_early_by) == (False, facilitator)
        response = facilitator_client.post(url("round_close", pk=round.pk), follow=True)
        assert "answers and dates can no longer be changed" in text(response)
        assert "Open a new round" in text(facilitator_client.get(url("rounds")))


class TestResults:
    def test_no_results_or_csv_while_the_round_is_open(self, member_client, collaborative, round):
        answer_all(round, respondents(collaborative, ROUND_GROUP_MIN + 1))
        page = text(member_client.get(round.get_absolute_url()))
        assert "results" not in re.search(r"<h1>(.*?)</h1>", page).group(1)
        response = member_client.get(url("round_csv", pk=round.pk), follow=True)
        assert "There are no results to download yet." in text(response)
        assert response.headers["Content-Type"].startswith("text/html")

    def test_too_few_answered_shows_nothing(self, member_client, collaborative, round):
        answer_all(round, respondents(collaborative, ROUND_GROUP_MIN - 1))
        close(round)
        page = text(member_client.get(round.get_absolute_url()))
        assert (
            f"Fewer than {ROUND_GROUP_MIN} people who were members when the round opened answered, "
            "so no results are shown" in page
        )
        assert "Download the results" not in page
        response = member_client.get(url("round_csv", pk=round.pk), follow=True)
        assert "There are no results to download yet." in text(response)

    def test_the_results_and_csv_give_counts_and_comments_without_names(self, member_client, collaborative, round):
        people = respondents(collaborative, ROUND_GROUP_MIN)
        answer_all(round, people[:-1], Rating.STRONG)
        answer_all(round, people[-1:], Rating.NOT_YET, "The Tuesday group ignores carers.")
        close(round)

        page = text(member_client.get(round.get_absolute_url()))
        assert "Autumn: results" in page
        assert f"{ROUND_GROUP_MIN} people answered." in page
        row = re.search(rf'<th scope="row">{FIRST}</th>\s*((?:<td[^>]*>\d+</td>\s*)+)', page).group(1)
        assert re.findall(r"\d+", row) == ["5", "1", "0", "0", "4", "0"]
        # Comments, without names, on a page for each statement that has any, linked from the results.
        first = statements(round)[0]
        link = f'<a href="{comments_url(round, first)}">1 comment on “{FIRST}”</a>'
        assert link in page
        assert "The Tuesday group ignores carers." not in page
        comments = text(member_client.get(comments_url(round, first)))
        assert "The Tuesday group ignores carers." in comments
        assert not any(person.display_name in page or person.display_name in comments for person in people)
        assert "Download the results as a spreadsheet (CSV)" in page

        response = member_client.get(url("round_csv", pk=round.pk))
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert (
            response.headers["Content-Disposition"] == f'attachment; filename="self-assessment-lambeth-{round.pk}.csv"'
        )
        content = response.content.decode("utf-8-sig")  # With a byte-order mark, for Excel.
        rows = list(csv.reader(io.StringIO(content)))
        assert rows[0] == [
            "Round",
            "Key role",
            "Statement",
            "Group",
            "People who answered",
            "Not yet",
            "Starting",
            "Getting there",
            "Strong",
            "Don't know",
            "Note",
        ]
        first = next(row for row in rows if row[2] == FIRST)
        role = "1. Creating, holding and refreshing the vision and values"
        assert first == ["Autumn", role, FIRST, "Everyone", "5", "1", "0", "0", "4", "0", ""]
        assert "Tuesday" not in content
        for person in people:
            assert person.display_name not in content
            assert person.email not in content

    def test_the_key_role_totals_say_they_count_answers_beside_a_count_of_people(
        self, member_client, collaborative, round
    ):
        carers = [
            MembershipFactory(collaborative=collaborative, user__perspectives=["carer"]).user
            for _ in range(ROUND_GROUP_MIN)
        ]
        answer_all(round, carers, Rating.STRONG)
        close(round)
        page = text(member_client.get(round.get_absolute_url()))
        note = (
            "In the tables below, the “All these statements” rows add up the answers to the statements shown: "
            "each person counts once for every statement they answered. “People who answered” counts people."
        )
        assert page.count(note) == 1
        # Five people, five statements in the first key role: 25 answers of "Strong".
        for header in ("All these statements: everyone", "All these statements: people with the perspective “Carer”"):
            row = re.search(rf'<th scope="row">{header}</th>\s*((?:<td[^>]*>\d+</td>\s*)+)', page)
            assert row, header
            assert re.findall(r"\d+", row.group(1)) == ["5", "0", "0", "0", "25", "0"]
        assert "All statements shown" not in page

    def test_results_kept_under_a_perspective_since_renamed_or_removed_still_show(
        self, member_client, collaborative, round
    ):
        """Kept results are never counted again, so one naming a perspective that is no longer a
        choice shows it by its stored value rather than failing."""
        carers = [
            MembershipFactory(collaborative=collaborative, user__perspectives=["carer"]).user
            for _ in range(ROUND_GROUP_MIN)
        ]
        answer_all(round, carers, Rating.STRONG)
        close(round)
        member_client.get(round.get_absolute_url())  # Counted.
        round.refresh_from_db()
        for role in round.results["key_roles"].values():
            for group in role["groups"]:
                group["perspective"] = "kinship_carer"
        round.save(update_fields=["results"])

        response = member_client.get(round.get_absolute_url())

        assert response.status_code == 200
        assert "All these statements: people with the perspective “kinship_carer”" in text(response)
        response = member_client.get(url("round_csv", pk=round.pk))
        assert response.status_code == 200
        assert "kinship_carer" in response.content.decode("utf-8-sig")

    def test_a_reworded_statement_keeps_its_old_words_in_the_round(self, member_client, collaborative, round):
        statement = Statement.objects.get(key_role__collaborative=collaborative, text=FIRST)
        statement_reword(statement=statement, text="We know why we are here")
        assert FIRST in text(member_client.get(round.get_absolute_url()))
        answer_all(round, respondents(collaborative, ROUND_GROUP_MIN))
        close(round)
        page = text(member_client.get(round.get_absolute_url()))
        assert FIRST in page
        assert "We know why we are here" not in page


class TestComments:
    def test_all_of_a_statements_comments_a_page_at_a_time_in_alphabetical_order(
        self, member_client, collaborative, round
    ):
        people = respondents(collaborative, COMMENTS_PAGE_SIZE + 5)
        were_members_when_it_opened(round, people)
        first, second, *_ = statements(round)
        for n, person in enumerate(people):
            answers_save(round=round, user=person, answers={first.pk: (Rating.STRONG, f"Comment {n:03d}")})
        close(round)

        results = text(member_client.get(round.get_absolute_url()))
        assert f'<a href="{comments_url(round, first)}">{COMMENTS_PAGE_SIZE + 5} comments on “{FIRST}”</a>' in results
        assert "Comment 000" not in results
        assert comments_url(round, second) not in results  # No comments, no link.

        page_one = text(member_client.get(comments_url(round, first)))
        page_two = text(member_client.get(comments_url(round, first) + "?page=2"))
        shown = re.findall(r"<li>(Comment \d+)</li>", page_one) + re.findall(r"<li>(Comment \d+)</li>", page_two)
        assert shown == [f"Comment {n:03d}" for n in range(COMMENTS_PAGE_SIZE + 5)]
        assert f"{COMMENTS_PAGE_SIZE + 5} comments, without names, in alphabetical order; page 1 of 2." in page_one
        assert f"<h1>Comments on “{FIRST}”</h1>" in page_one
        assert f'<a href="{round.get_absolute_url()}">Autumn: results</a>' in page_one
        assert "Next page" in page_one
        assert "Previous page" in page_two
        # Any page number that is not a number gives the first page; one out of range, the last.
        assert "page 1 of 2." in text(member_client.get(comments_url(round, first) + "?page=x"))
        assert "Comment 054" in text(member_client.get(comments_url(round, first) + "?page=99"))

    def test_a_statement_without_comments_or_with_too_few_answers_says_so(self, member_client, collaborative, round):
        first, second, *_ = statements(round)
        people = respondents(collaborative, ROUND_GROUP_MIN)
        were_members_when_it_opened(round, people)
        for person in people:
            answers_save(round=round, user=person, answers={first.pk: (Rating.STRONG, "")})
        answers_save(round=round, user=people[0], answers={second.pk: (Rating.STRONG, "Only one answered")})
        close(round)

        assert "No one left a comment on this statement." in text(member_client.get(comments_url(round, first)))
        hidden = text(member_client.get(comments_url(round, second)))
        assert f"Fewer than {ROUND_GROUP_MIN} people who were members when the round opened answered" in hidden
        assert "Only one answered" not in hidden

    def test_none_while_the_round_is_open(self, member_client, collaborative, round):
        answer_all(round, respondents(collaborative, ROUND_GROUP_MIN), comment="Too soon to read")
        response = member_client.get(comments_url(round, statements(round)[0]), follow=True)
        assert "There are no results to see yet." in text(response)
        assert "Too soon to read" not in text(response)

    def test_a_statement_of_another_round_is_not_found(self, member_client, collaborative, facilitator, round):
        close(round)
        later = round_open(
            collaborative=collaborative, by=facilitator, title="Spring", closing_day=TODAY + timedelta(days=7)
        )
        address = url("round_comments", pk=round.pk, statement_pk=statements(later)[0].pk)
        assert member_client.get(address).status_code == 404

    def test_as_many_queries_for_55_comments_as_for_1(self, member_client, collaborative, round):
        people = respondents(collaborative, COMMENTS_PAGE_SIZE + 5)
        were_members_when_it_opened(round, people)
        first, second, *_ = statements(round)
        for n, person in enumerate(people):
            answers = {first.pk: (Rating.STRONG, f"Comment {n}"), second.pk: (Rating.STRONG, "Alone" if n else "")}
            answers_save(round=round, user=person, answers=answers)
        close(round)
        member_client.get(round.get_absolute_url())  # Counted.

        def count(address: str) -> int:
            with CaptureQueriesContext(connection) as queries:
                assert member_client.get(address).status_code == 200
            return len(queries.captured_queries)

        assert count(comments_url(round, first)) == count(comments_url(round, second))


def test_no_page_fragment_or_export_pairs_a_person_with_their_answers(client, people, collaborative, round):
    """Six answer, one of them distinctively; no one else's view of any page ties it to them."""
    ordinary = respondents(collaborative, ROUND_GROUP_MIN)
    distinctive = MembershipFactory(collaborative=collaborative, user__display_name="Xanthe Quill").user
    answer_all(round, ordinary, Rating.STRONG)
    answer_all(round, [distinctive], Rating.NOT_YET, "Zebra crossings are what we need")
    viewers = [people["facilitator"], people["commissioner"], people["member"], ordinary[0]]
    pages = [url("rounds"), round.get_absolute_url(), reverse("home:collaborative_home", kwargs={"slug": "lambeth"})]

    def look(pages: list[str]) -> list[str]:
        problems = []
        for viewer in viewers:
            client.force_login(viewer)
            for page in pages:
                for headers in ({}, HTMX):
                    response = client.get(page, headers=headers, follow=True)
                    assert response.status_code == 200, page
                    body = response.content.decode()
                    for marker in ("Xanthe", "Quill", distinctive.email, f"/members/{distinctive.pk}/"):
                        if marker in body:
                            problems.append(f"{viewer.display_name}: {page} shows {marker}")
                    if round.is_open and "Zebra" in body:
                        problems.append(f"{viewer.display_name}: {page} shows the comment while open")
        return problems

    commented = comments_url(round, statements(round)[0])
    assert not look(pages)
    close(round)
    assert not look([*pages, url("round_csv", pk=round.pk), commented])
    # The only place the comment shows is the statement's comments, among the others, without a name.
    client.force_login(people["member"])
    assert "Zebra crossings are what we need" in text(client.get(commented))


class TestFramework:
    def test_members_read_the_five_key_roles(self, member_client, framework):
        page = text(member_client.get(url("framework")))
        assert "1. Creating, holding and refreshing the vision and values" in page
        assert FIRST in page
        assert "(from Living Well UK)" in page
        assert "Add a statement" not in page
        assert "Retire" not in page

    def test_add_reword_retire_and_bring_back(self, client, people, collaborative, framework):
        client.force_login(people["facilitator"])
        role = collaborative.key_roles.get(number=2)
        page = text(client.get(url("statement_new") + "?key_role=2"))
        assert f'<option value="{role.pk}" selected>' in page
        response = client.post(
            url("statement_new"), {"key_role": role.pk, "text": "  We   listen   first  "}, follow=True
        )
        assert "The statement has been saved. Rounds already opened keep their wording." in text(response)
        added = Statement.objects.get(text="We listen first")
        assert (added.key_role, added.source, added.position) == (role, "", 5)

        first = Statement.objects.get(key_role__collaborative=collaborative, text=FIRST)
        client.post(url("statement_edit", pk=first.pk), {"text": "We know why we are here"})
        first.refresh_from_db()
        assert first.text == "We know why we are here"

        response = client.post(url("statement_status", pk=first.pk), {"status": "retired"}, follow=True)
        assert "“We know why we are here” is retired: it will not be in new rounds." in text(response)
        first.refresh_from_db()
        assert first.status == Statement.Status.RETIRED
        client.force_login(people["member"])
        assert "We know why we are here" not in text(client.get(url("framework")))

        client.force_login(people["facilitator"])
        assert "(retired)" in text(client.get(url("framework")))
        response = client.post(url("statement_status", pk=first.pk), {"status": "active"}, follow=True)
        assert "“We know why we are here” is back in use: it will be in new rounds." in text(response)
        first.refresh_from_db()
        assert first.status == Statement.Status.ACTIVE

    def test_a_status_that_is_neither_retired_nor_in_use_changes_nothing(
        self, facilitator_client, collaborative, framework
    ):
        first = Statement.objects.get(key_role__collaborative=collaborative, text=FIRST)
        response = facilitator_client.post(url("statement_status", pk=first.pk), {"status": "gone"}, follow=True)
        assert "Choose to retire the statement or bring it back." in text(response)
        first.refresh_from_db()
        assert first.status == Statement.Status.ACTIVE

    def test_a_retired_statement_is_left_out_of_new_rounds(self, facilitator_client, collaborative, framework):
        first = Statement.objects.get(key_role__collaborative=collaborative, text=FIRST)
        facilitator_client.post(url("statement_status", pk=first.pk), {"status": "retired"})
        facilitator_client.post(url("round_new"), {"title": "Autumn", "closing_day": day(7)})
        round = Round.objects.get()
        assert round.statements.count() == 24
        assert FIRST not in round.statements.values_list("text", flat=True)
        assert f">{FIRST}</legend>" not in text(facilitator_client.get(round.get_absolute_url()))

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"text": "   "}, "Statement: This field is required."),
            ({"text": "x" * 301}, "Ensure this value has at most 300 characters"),
            ({"key_role": "999999"}, "Key role: Choose a key role from the list."),
            ({"key_role": "two"}, "Key role: Choose a key role from the list."),
        ],
    )
    def test_a_statement_that_does_not_make_sense_is_explained(
        self, facilitator_client, collaborative, framework, data, message
    ):
        count = Statement.objects.count()
        role = collaborative.key_roles.get(number=1)
        response = facilitator_client.post(url("statement_new"), {"key_role": role.pk, "text": "We listen."} | data)
        assert response.status_code == 400
        assert message in text(response)
        assert Statement.objects.count() == count

    def test_a_key_role_of_another_collaborative_cannot_be_chosen(
        self, facilitator_client, collaborative, other_collaborative, framework
    ):
        framework_start(collaborative=other_collaborative)
        theirs = other_collaborative.key_roles.get(number=1)
        response = facilitator_client.post(url("statement_new"), {"key_role": theirs.pk, "text": "We listen."})
        assert response.status_code == 400
        page = text(response)
        assert "There is a problem" in page
        assert "Key role: Choose a key role from the list." in page
        assert 'value="We listen."' in page  # What they wrote is kept, to choose again.
        assert not Statement.objects.filter(text="We listen.").exists()
        theirs_statement = theirs.statements.first()
        assert facilitator_client.get(url("statement_edit", pk=theirs_statement.pk)).status_code == 404
        assert facilitator_client.post(url("statement_status", pk=theirs_statement.pk)).status_code == 404

    @pytest.mark.parametrize("query", ["?key_role=x", "?key_role=99", "?key_role=%C2%B2", "?key_role=99999999999999"])
    def test_a_bad_key_role_in_the_address_is_ignored(self, facilitator_client, collaborative, framework, query):
        response = facilitator_client.get(url("statement_new") + query)
        assert response.status_code == 200
        page = text(response)
        # The plain form, with no key role chosen for them and no error message.
        assert "<h1>Add a statement</h1>" in page
        assert "There is a problem" not in page
        assert "Choose a key role from the list." not in page
        assert " selected>" not in page
        for role in collaborative.key_roles.all():
            assert f'<option value="{role.pk}">{role}</option>' in page

    def test_rewording_with_nothing_is_explained(self, facilitator_client, collaborative, framework):
        first = Statement.objects.get(key_role__collaborative=collaborative, text=FIRST)
        response = facilitator_client.post(url("statement_edit", pk=first.pk), {"text": ""})
        assert response.status_code == 400
        first.refresh_from_db()
        assert first.text == FIRST


def test_another_collaboratives_round_is_not_found(facilitator_client, other_collaborative, outsider_round):
    for name in ("round", "round_dates", "round_csv"):
        assert facilitator_client.get(url(name, pk=outsider_round.pk)).status_code == 404
    assert facilitator_client.post(url("round_close", pk=outsider_round.pk)).status_code == 404
    assert facilitator_client.post(url("round", pk=outsider_round.pk), {}).status_code == 404
    assert Round.objects.get(pk=outsider_round.pk).is_open


@pytest.fixture
def outsider_round(other_collaborative, people) -> Round:
    return round_open(
        collaborative=other_collaborative, by=people["outsider"], title="Luton", closing_day=TODAY + timedelta(days=7)
    )
