"""Issue 12, items 5 and 6: self-assessment answers stay anonymous against a facilitator with
accounts of their own, and nothing links anyone to their answers once a round has closed, not
even for someone with the site administration or the database.

Item 5: no live count of answers; only people who were members when a round opened count
towards the minimums; no closing early in a round's first week; membership changes while a
round was open are shown with its results. Item 6: closing a round (early, by date, or found
closed when its results are read) counts it and deletes its answers; the site administration
cannot filter anything by who answered.
"""

import html
import importlib
import re
import threading
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from members.models import Membership, User
from members.personal_data import personal_data_export
from members.services import (
    membership_change_role,
    membership_deactivate,
    membership_leave,
    membership_reactivate,
)
from tests.factories import MembershipFactory, UserFactory
from vision import services
from vision.models import Answer, Rating, Response, Round
from vision.results import ROUND_GROUP_MIN, round_results
from vision.services import answers_save, round_close, round_counted, round_open, rounds_count_closed
from vision.tasks import count_closed_rounds_task

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
FIRST = "We are clear about our motivation and vision"
WEEK = timedelta(days=7)


def text(response) -> str:
    return html.unescape(response.content.decode())


def url(name: str, **kwargs) -> str:
    return reverse(f"vision:{name}", kwargs={"slug": "lambeth", **kwargs})


def members(collaborative, count: int, **kwargs) -> list[User]:
    return [MembershipFactory(collaborative=collaborative, **kwargs).user for _ in range(count)]


def open_round(collaborative, facilitator, title="Autumn") -> Round:
    closing_day = collaborative.local_today() + timedelta(days=14)
    return round_open(collaborative=collaborative, by=facilitator, title=title, closing_day=closing_day)


def answer(round: Round, users, rating=Rating.STRONG, comment="", statements=None) -> None:
    statements = list(round.statements.all()) if statements is None else statements
    for user in users:
        answers_save(round=round, user=user, answers={s.pk: (rating, comment) for s in statements})


def a_week_later(round: Round) -> Round:
    """The round as if it had opened eight days ago: "Close the round now" may be used."""
    Round.objects.filter(pk=round.pk).update(opened_at=timezone.now() - timedelta(days=8))
    return Round.objects.get(pk=round.pk)


def closed_by_date(round: Round) -> Round:
    """The round as if its last day had passed, with no one acting on it."""
    now = timezone.now()
    Round.objects.filter(pk=round.pk).update(opened_at=now - timedelta(days=15), closes_at=now - timedelta(minutes=1))
    return Round.objects.get(pk=round.pk)


def without_tokens(page: str) -> str:
    """A page with its CSRF tokens taken out, which differ from one response to the next."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'"X-CSRFToken": *"[^"]+"', "", page)


# Item 5: no live count, eligibility, no closing early, membership changes flagged.


def test_live_answer_count_is_not_shown_while_open(client, collaborative, facilitator):
    """Every page a facilitator or member sees while a round is open reads the same whether two
    or three people have answered, so no one can tell when a particular person has answered."""
    round = a_week_later(open_round(collaborative, facilitator))
    people = members(collaborative, 3)
    pages = [
        round.get_absolute_url(),
        url("round_close", pk=round.pk),
        url("rounds"),
        reverse("home:collaborative_home", kwargs={"slug": "lambeth"}),
    ]
    client.force_login(facilitator)

    def look() -> list[str]:
        return [without_tokens(text(client.get(page, headers=headers))) for page in pages for headers in ({}, HTMX)]

    answer(round, people[:2])
    before = look()
    answer(round, people[2:])
    after = look()

    assert before == after
    assert not re.search(r"\d+ (people have|person has) answered", "".join(after))
    assert "How many people have answered is not shown until the round closes" in after[0]


def test_close_now_is_refused_before_the_minimum_time(client, collaborative, facilitator):
    round = open_round(collaborative, facilitator)
    answer(round, members(collaborative, ROUND_GROUP_MIN))

    with pytest.raises(ValidationError) as refused:
        round_close(round=round, by=facilitator)

    when = round.closes_early_from_said
    refusal = (
        "A round stays open for at least 7 days, so that everyone has time to answer and no one's answers stand "
        f"out. You can close this one early from {when}."
    )
    assert refused.value.messages == [refusal]
    assert round.closes_early_from == round.opened_at + WEEK

    client.force_login(facilitator)
    # The page that asks first says when closing becomes possible, and offers no button yet.
    page = text(client.get(url("round_close", pk=round.pk)))
    assert refusal in page
    assert "<button" not in page.split("<main", 1)[1]
    assert f"You can close it early from {when}" in text(client.get(round.get_absolute_url()))
    # Posting anyway changes nothing, and says why in plain words.
    page = text(client.post(url("round_close", pk=round.pk), follow=True))
    assert refusal in page
    round.refresh_from_db()
    assert (round.is_open, round.closed_early_by, round.counted_at) == (True, None, None)
    assert Response.objects.filter(round=round).count() == ROUND_GROUP_MIN

    # A week on, it can be closed.
    closed = round_close(round=a_week_later(round), by=facilitator)
    assert not closed.is_open


@pytest.mark.parametrize("how", ["joined", "came back"])
def test_people_who_join_during_the_round_are_not_counted_when_the_eligible_group_is_too_small(
    collaborative, facilitator, how
):
    eligible = members(collaborative, ROUND_GROUP_MIN - 1)
    former = MembershipFactory(collaborative=collaborative, status=Membership.Status.LEFT, left_at=timezone.now())
    round = open_round(collaborative, facilitator)
    if how == "joined":
        late = members(collaborative, 1)
    else:
        late = [membership_reactivate(membership=former, by=facilitator).user]
    answer(round, eligible, Rating.NOT_YET)
    answer(round, late, Rating.DONT_KNOW)

    results = round_results(round_counted(round=closed_by_date(round)))

    assert results.respondents == ROUND_GROUP_MIN
    assert not results.shown
    assert not any(statement.shown for role in results.key_roles for statement in role.statements)


def test_people_who_join_during_the_round_are_counted_when_the_eligible_group_is_big_enough(collaborative, facilitator):
    eligible = members(collaborative, ROUND_GROUP_MIN)
    round = open_round(collaborative, facilitator)
    late = members(collaborative, 2)
    answer(round, eligible, Rating.NOT_YET)
    answer(round, late, Rating.STRONG)

    results = round_results(round_counted(round=closed_by_date(round)))

    first = results.key_roles[0].statements[0]
    assert (results.shown, results.respondents, first.shown, first.tally.answered) == (True, 7, True, 7)
    assert (first.tally.counts[Rating.NOT_YET], first.tally.counts[Rating.STRONG]) == (5, 2)


def test_people_who_join_during_the_round_cannot_make_up_a_statement_or_a_perspective_group(collaborative, facilitator):
    """Enough eligible people answered the round, but the last statement, and the carers, only
    reach five with people who joined while it was open: neither is shown."""
    sharing = {"user__perspectives_visibility": "members"}
    everyone = members(collaborative, 6, **sharing)
    carer = MembershipFactory(collaborative=collaborative, user__perspectives=["carer"], **sharing).user
    round = open_round(collaborative, facilitator)
    late = members(collaborative, ROUND_GROUP_MIN - 1, user__perspectives=["carer"], **sharing)
    *first_ones, last = list(round.statements.filter(key_role__number=1))
    answer(round, everyone[:3], Rating.NOT_YET, statements=first_ones)
    answer(round, everyone[3:], Rating.STARTING, statements=first_ones)
    answer(round, [carer], Rating.STRONG, "Only I would say this.", statements=[*first_ones, last])
    answer(round, late, Rating.DONT_KNOW, statements=[*first_ones, last])

    role = round_results(round_counted(round=closed_by_date(round))).key_roles[0]

    assert [statement.shown for statement in role.statements] == [True, True, True, True, False]
    assert role.statements[-1].comments == []
    # Five carers answered, but only one was a member when the round opened.
    assert role.groups == []


def closed_now(round: Round) -> Round:
    """The round as if its last day had just passed (it opened when it did)."""
    Round.objects.filter(pk=round.pk).update(closes_at=timezone.now())
    return Round.objects.get(pk=round.pk)


def test_membership_changes_during_the_round_are_flagged_on_the_results(client, collaborative, facilitator):
    voters = members(collaborative, ROUND_GROUP_MIN + 3)
    before = MembershipFactory(collaborative=collaborative)
    membership_deactivate(membership=before, by=facilitator)  # Before the round: not counted.
    round = open_round(collaborative, facilitator)
    answer(round, voters)
    members(collaborative, 2, user__display_name="Newcomer Person")
    membership_reactivate(membership=before, by=facilitator)
    for person in voters[:3]:
        membership_deactivate(membership=Membership.objects.get(user=person), by=facilitator)
    membership_leave(membership=Membership.objects.get(user=voters[3]))
    membership_change_role(
        membership=Membership.objects.get(user=voters[4]), role=Membership.Role.FACILITATOR, by=facilitator
    )
    round = closed_now(round)
    membership_deactivate(membership=Membership.objects.get(user=voters[5]), by=facilitator)  # After: not counted.

    client.force_login(voters[6])
    page = text(client.get(round.get_absolute_url()))

    assert (
        "While this round was open: 2 people joined; 1 former member came back; 3 people were deactivated by a "
        "facilitator; 1 person left; 1 person's role was changed." in page
    )
    assert "Newcomer" not in page
    assert not any(person.display_name in page for person in voters)
    assert round_results(round_counted(round=round)).changes == {
        "joined": 2,
        "came_back": 1,
        "deactivated": 3,
        "left": 1,
        "role_changed": 1,
    }


def test_no_membership_changes_during_the_round_is_said_too(client, collaborative, facilitator, member):
    round = closed_by_date(open_round(collaborative, facilitator))
    client.force_login(member)
    assert "No one joined, came back, left, was deactivated or changed role while this round was open." in text(
        client.get(round.get_absolute_url())
    )


def test_a_facilitator_with_four_accounts_of_their_own_cannot_read_one_persons_answers(client, collaborative):
    """The attack of item 5: a facilitator invites four accounts of their own (their other email
    addresses) while a round is open, deactivates everyone else, has the four answer "Don't know",
    and closes the round once one real person has answered, to read that person's answers and
    comment as what is left of the results and the CSV."""
    long_ago = timezone.now() - timedelta(days=365)
    facilitator = MembershipFactory(
        collaborative=collaborative, role=Membership.Role.FACILITATOR, joined_at=long_ago
    ).user
    others = members(collaborative, 12, joined_at=long_ago)
    target = MembershipFactory(collaborative=collaborative, user__display_name="Target Person", joined_at=long_ago).user
    round = open_round(collaborative, facilitator, "Spring")
    for person in others:
        membership_deactivate(membership=Membership.objects.get(user=person), by=facilitator)
    own_accounts = members(collaborative, 4)
    answer(round, own_accounts, Rating.DONT_KNOW)
    answer(round, [target], Rating.NOT_YET, "The crisis line never answers at night.")
    client.force_login(facilitator)

    # No count to watch, and no closing the moment the fifth person has answered.
    assert not re.search(r"\d+ (people have|person has) answered", text(client.get(round.get_absolute_url())))
    client.post(url("round_close", pk=round.pk))
    assert Round.objects.get(pk=round.pk).is_open
    # A week later the facilitator closes it.
    a_week_later(round)
    page = text(client.post(url("round_close", pk=round.pk), follow=True))

    assert "5 people answered." in page
    assert "Fewer than 5 people who were members when the round opened answered, so no results are shown" in page
    assert "The crisis line never answers at night." not in page
    assert not re.search(rf'<th scope="row">{FIRST}</th>\s*<td[ >]', page)
    assert "While this round was open: 4 people joined; 12 people were deactivated by a facilitator." in page
    response = client.get(url("round_csv", pk=round.pk), follow=True)
    assert response.headers["Content-Type"].startswith("text/html")
    assert "There are no results to download yet." in text(response)
    assert "Not yet" not in text(response)


# Item 6: when a round closes, nothing links anyone to their answers.


def test_closing_a_round_cuts_the_link_between_people_and_answers(collaborative, facilitator):
    people = members(collaborative, ROUND_GROUP_MIN)
    round = open_round(collaborative, facilitator)
    answer(round, people, Rating.GETTING_THERE, "Better every month.")
    assert Response.objects.filter(round=round, user__in=people).count() == ROUND_GROUP_MIN

    closed = round_close(round=a_week_later(round), by=facilitator)

    # No row is left that a person's id, or the order or time people answered, could be read from.
    assert not Response.objects.filter(round=round).exists()
    assert not Answer.objects.filter(statement__round=round).exists()
    assert closed.eligible_ids == []
    assert closed.eligible_count == ROUND_GROUP_MIN + 3  # With the member, facilitator and commissioner.
    assert closed.counted_at is not None
    # The results are kept: counts, and comments without names.
    assert set(closed.results) == {"respondents", "shown", "changes", "statements", "key_roles"}
    results = round_results(closed)
    first = results.key_roles[0].statements[0]
    assert (results.respondents, first.tally.answered, first.comments) == (5, 5, ["Better every month."] * 5)
    for person in people:
        assert person.email not in str(closed.results)


def test_a_round_closed_by_time_cuts_the_link(collaborative, facilitator):
    people = members(collaborative, ROUND_GROUP_MIN)
    round = open_round(collaborative, facilitator)
    answer(round, people, Rating.STRONG)
    round = closed_by_date(round)

    # Beat counts it within a minute, with no one opening its results.
    assert settings.CELERY_BEAT_SCHEDULE["vision-count-rounds"] == {
        "task": "vision.tasks.count_closed_rounds_task",
        "schedule": 60.0,
    }
    assert count_closed_rounds_task.apply().get() == 1

    assert not Response.objects.filter(round=round).exists()
    assert Round.objects.get(pk=round.pk).respondents == ROUND_GROUP_MIN
    assert rounds_count_closed() == 0  # Counted once only.


def test_a_round_that_cannot_be_counted_does_not_hold_up_the_others(collaborative, facilitator, monkeypatch, caplog):
    """Beat counts each round on its own: one that fails is logged and tried again next time,
    and the rounds after it are still counted, so their answers do not stay linked to people."""
    people = members(collaborative, ROUND_GROUP_MIN)
    failing = open_round(collaborative, facilitator, "Spring")
    answer(failing, people)
    failing = closed_by_date(failing)
    later = open_round(collaborative, facilitator, "Autumn")
    answer(later, people)
    later = closed_by_date(later)
    counting = services.count

    def count(round):
        if round.pk == failing.pk:
            raise RuntimeError("Something in these answers cannot be counted.")
        return counting(round)

    monkeypatch.setattr(services, "count", count)
    assert rounds_count_closed() == 1

    assert not Response.objects.filter(round=later).exists()
    assert Round.objects.get(pk=later.pk).respondents == ROUND_GROUP_MIN
    # The failing round is left as it was, whole, and its id is in the log.
    assert Response.objects.filter(round=failing).count() == ROUND_GROUP_MIN
    assert Round.objects.get(pk=failing.pk).counted_at is None
    assert f"Self-assessment round {failing.pk} could not be counted" in caplog.text
    # Once it can be counted, the next scan does.
    monkeypatch.setattr(services, "count", counting)
    assert rounds_count_closed() == 1
    assert not Response.objects.filter(round=failing).exists()


@pytest.mark.django_db(transaction=True)
def test_beat_skips_a_round_being_counted_elsewhere_instead_of_waiting(collaborative, facilitator):
    """A web request counting a round (its results opened just as it closed) holds its row: beat
    counts the other rounds and leaves that one, rather than waiting behind it."""
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite has no row locks to skip. Set DATABASE_URL (see README, Tests).")
    people = members(collaborative, ROUND_GROUP_MIN)
    busy = open_round(collaborative, facilitator, "Spring")
    answer(busy, people)
    busy = closed_by_date(busy)
    other = open_round(collaborative, facilitator, "Autumn")
    answer(other, people)
    other = closed_by_date(other)
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Round.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                done.wait(timeout=5)  # Without skip_locked, the scan waits here until then.
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        assert rounds_count_closed() == 1
        assert time.monotonic() - started < 3
    finally:
        done.set()
        holder.join(timeout=10)

    assert Round.objects.get(pk=other.pk).counted_at is not None
    assert Round.objects.get(pk=busy.pk).counted_at is None
    assert rounds_count_closed() == 1  # Beat's next scan.


def test_reading_a_closed_rounds_results_cuts_the_link_without_waiting_for_beat(client, collaborative, facilitator):
    people = members(collaborative, ROUND_GROUP_MIN)
    round = open_round(collaborative, facilitator)
    answer(round, people, Rating.STRONG)
    round = closed_by_date(round)

    client.force_login(people[0])
    assert f"{ROUND_GROUP_MIN} people answered." in text(client.get(round.get_absolute_url()))

    assert not Response.objects.filter(round=round).exists()
    assert Round.objects.get(pk=round.pk).counted_at is not None


def test_after_closing_download_my_data_no_longer_has_the_answers(collaborative, facilitator, member):
    round = open_round(collaborative, facilitator)
    answer(round, [member], Rating.STARTING, "My own words.")
    assert "My own words." in str(personal_data_export(member))

    closed_by_date(round)  # Not yet counted: the download cannot find them already.

    assert "My own words." not in str(personal_data_export(member))
    after = personal_data_export(member)["self_assessment_answers"]
    assert after["rounds_open_now"] == []
    assert "When a round closes they are counted and then deleted" in after["about"]


def test_download_my_data_leaves_no_answer_linked_to_the_person_that_it_does_not_show(
    collaborative, facilitator, member
):
    """A round that has closed still holds its answers until it is counted: the download counts
    it first, as the first look at its results does, so nothing linked to the person is left out."""
    round = open_round(collaborative, facilitator)
    answer(round, [member], Rating.STARTING, "My own words.")
    closed_by_date(round)  # Not yet counted: its answers are still linked to the person.
    assert Response.objects.filter(user=member).exists()

    shown = personal_data_export(member)["self_assessment_answers"]["rounds_open_now"]

    assert len(shown) == Response.objects.filter(user=member).count() == 0
    assert Round.objects.get(pk=round.pk).counted_at is not None


def test_while_open_download_my_data_has_the_persons_own_answers(collaborative, facilitator, member):
    round = open_round(collaborative, facilitator)
    answer(round, [member], Rating.STARTING, "My own words.")

    while_open = personal_data_export(member)["self_assessment_answers"]

    assert while_open["rounds_open_now"][0]["round"] == "Autumn"
    assert while_open["rounds_open_now"][0]["answers"][0] == {
        "statement": FIRST,
        "answer": "Starting",
        "comment": "My own words.",
    }


def test_the_migration_cuts_the_links_of_rounds_already_closed(collaborative, facilitator, member):
    """Rounds closed before this change lose their links when it is deployed; rounds still open
    record who stands for their members at opening, so answers given so far still count."""
    migration = importlib.import_module("vision.migrations.0005_round_eligibility")
    closed = open_round(collaborative, facilitator, "Spring")
    answer(closed, [member])
    now = timezone.now()
    Round.objects.filter(pk=closed.pk).update(opened_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    still_open = open_round(collaborative, facilitator, "Autumn")
    answer(still_open, [member])
    # As the rows were before the change: no eligibility recorded.
    Response.objects.update(eligible=False)
    Round.objects.update(eligible_ids=[], eligible_count=None)

    migration.cut_links_and_record_eligibility(apps, None)

    assert list(Response.objects.filter(round=closed).values_list("user", "eligible")) == [(None, True)]
    closed_response = Response.objects.get(round=closed)
    assert closed_response.started_at == closed_response.updated_at == Round.objects.get(pk=closed.pk).closes_at
    assert list(Response.objects.filter(round=still_open).values_list("user", "eligible")) == [(member.pk, True)]
    assert member.pk in Round.objects.get(pk=still_open.pk).eligible_ids


# Item 6: the site administration shows no one's answers, nor who answered.


@pytest.fixture
def superuser_client(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)  # With two-step sign-in, as the admin needs.
    client.force_login(superuser)
    return client


@pytest.fixture
def answered(collaborative, facilitator):
    """An open round one member has answered, and a member who has not."""
    round = open_round(collaborative, facilitator)
    respondent, other = members(collaborative, 2)
    answer(round, [respondent], Rating.NOT_YET, "Only I wrote this.")
    return round, respondent, other


def test_admin_cannot_filter_users_by_who_answered(superuser_client, answered):
    round, respondent, other = answered
    response_id = Response.objects.get(user=respondent).pk
    for address in (
        "/admin/members/user/?round_responses__isnull=False",
        f"/admin/members/user/?round_responses={response_id}",
        f"/admin/members/user/?round_responses__round={round.pk}",
        "/admin/members/user/?round_responses__answers__rating=not_yet",
        f"/admin/members/membership/?user__round_responses__round={round.pk}",
        f"/admin/vision/round/?responses__user={respondent.pk}",
        f"/admin/vision/round/?responses={response_id}",
        "/admin/vision/round/?statements__answers__rating=not_yet",
        f"/admin/members/collaborative/?rounds__responses__user={respondent.pk}",
    ):
        response = superuser_client.get(address)
        # Django's admin answers a filter it does not allow with 400 Bad Request: nothing is listed.
        assert response.status_code == 400, address
        assert respondent.email not in response.content.decode(), address
    # The same lists without such a filter work, and list everyone alike.
    page = superuser_client.get("/admin/members/user/").content.decode()
    assert respondent.email in page
    assert other.email in page


def test_no_admin_screen_shows_who_answered(superuser_client, answered):
    round, respondent, other = answered
    for address in (
        f"/admin/vision/round/{round.pk}/change/",
        "/admin/vision/round/",
        f"/admin/members/user/{respondent.pk}/change/",
        f"/admin/members/user/{other.pk}/change/",
    ):
        page = superuser_client.get(address).content.decode()
        assert "Only I wrote this." not in page, address
        assert "round_responses" not in page, address
        assert "eligible_ids" not in page, address
        assert "Eligible ids" not in page, address
    # A person's page in the site administration is the same whether or not they answered.
    respondent_page = superuser_client.get(f"/admin/members/user/{respondent.pk}/change/").content.decode()
    other_page = superuser_client.get(f"/admin/members/user/{other.pk}/change/").content.decode()
    assert "Not yet" not in respondent_page
    assert "Not yet" not in other_page
