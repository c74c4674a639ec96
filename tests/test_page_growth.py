"""Pages whose lists grow with the data stay the same size: each is built at a small and a ten times
larger size, rendered as the person who uses it, and must keep the same number of queries and (within a
small margin, for the numbers and names that change length) the same HTML size (issue 14)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, ActionChange, ActionUpdate, ReviewItem, ReviewRound
from actions.services import action_snapshot
from asks.models import Ask
from impact.models import Credit, Publication
from impact.selectors import FEED_SIZE
from meetings.models import Attendance, Rsvp
from members.models import Invitation, JoinRequest, Membership
from tests.caching import nothing_cached
from tests.factories import (
    ActionFactory,
    CollaborativeFactory,
    GoalFactory,
    InvitationFactory,
    JoinRequestFactory,
    MeetingFactory,
    MembershipFactory,
    UserFactory,
    VisionVersionFactory,
    action_record,
)
from tests.impact.rows import answered_ask, done_action, figures_items
from vision.models import Answer, Contribution, Goal, GoalReview, Rating, Response, Round, VisionVersion
from vision.services import round_open

pytestmark = pytest.mark.django_db

MARGIN = 0.02  # Counts and dates written out differ by a few bytes between the sizes; a list would add kilobytes.


def measure(client, address: str) -> tuple[int, int]:
    """The number of queries and the bytes of HTML of one page, made afresh (nothing of it cached)."""
    with nothing_cached(), CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200, address
    return len(captured), len(response.content)


def assert_bounded(small: tuple[int, int], large: tuple[int, int]) -> None:
    assert large[0] == small[0], f"queries: {small[0]} at the small size, {large[0]} at the large"
    assert abs(large[1] - small[1]) <= small[1] * MARGIN, f"HTML: {small[1]} bytes small, {large[1]} large"


def test_an_actions_history_shows_one_page_however_long_it_grows(member_client, member, collaborative):
    action = action_record(collaborative, by=member, title="Map the crisis cafes")
    address = reverse("actions:detail", kwargs={"slug": collaborative.slug, "pk": action.pk})
    start = timezone.now() - timedelta(days=3000)

    def grow(to: int) -> None:
        have = action.changes.count() + action.updates.count()
        ActionChange.objects.bulk_create(
            ActionChange(
                action=action,
                field="title",
                old_value="Old words",
                new_value="New words",
                changed_by=member,
                changed_at=start + timedelta(hours=have + i),
            )
            for i in range((to - have) // 2)
        )
        have = action.changes.count() + action.updates.count()
        ActionUpdate.objects.bulk_create(
            ActionUpdate(
                action=action,
                author=member,
                text="We met the cafe's manager.",
                created_at=start + timedelta(hours=have + i),
            )
            for i in range(to - have)
        )

    member_client.get(address)  # The first request of a test starts the data's version (collaborative.freshness).
    grow(60)
    small = measure(member_client, address)
    grow(600)
    large = measure(member_client, address)
    assert_bounded(small, large)
    earlier = member_client.get(address + "?page=1")
    assert "Next page" in earlier.content.decode()
    assert len(earlier.context["page"].object_list) == 30


def members_grower(collaborative, made: list):
    """`grow(to)`: bulk-create members "Person 00000", "Person 00001"… until `made` holds `to` of them."""

    def grow(to: int) -> None:
        users = UserFactory.build_batch(to - len(made))
        for i, user in enumerate(users, start=len(made)):
            user.display_name, user.email = f"Person {i:05}", f"p{i}@example.org"
        made.extend(type(users[0]).objects.bulk_create(users))
        Membership.objects.bulk_create(Membership(collaborative=collaborative, user=user) for user in users)

    return grow


def test_a_large_collaboratives_register_lists_who_is_expected_and_finds_anyone_else(facilitator_client, collaborative):
    # Today at noon on the Collaborative's clocks: a meeting "in half an hour" is tomorrow's late at night.
    noon = collaborative.local_now().replace(hour=12, minute=0, second=0, microsecond=0)
    meeting = MeetingFactory(collaborative=collaborative, starts_at=noon)
    address = reverse("meetings:register", kwargs={"slug": collaborative.slug, "pk": meeting.pk})
    made = []
    grow = members_grower(collaborative, made)

    grow(150)
    Rsvp.objects.bulk_create(Rsvp(meeting=meeting, user=user, answer=Rsvp.Answer.COMING) for user in made[:12])
    Attendance.objects.bulk_create(Attendance(meeting=meeting, user=user, attended=True) for user in made[100:103])
    small = measure(facilitator_client, address)
    grow(1500)
    large = measure(facilitator_client, address)
    assert_bounded(small, large)
    body = facilitator_client.get(address).content.decode()
    assert "Person 00011" in body  # Said they are coming.
    assert "Person 00102" in body  # Marked already.
    assert "Person 01400" not in body
    found = facilitator_client.get(address + "?q=person 014")
    assert found.context["page"].paginator.count == 100
    assert "Person 01400" in found.content.decode()
    assert "Next page" not in found.content.decode()


def test_who_came_to_meetings_shows_fifty_members_a_page(facilitator_client, collaborative):
    MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=7))
    address = reverse("meetings:attendance", kwargs={"slug": collaborative.slug})
    made = []
    grow = members_grower(collaborative, made)

    grow(60)
    small = measure(facilitator_client, address)
    grow(600)
    large = measure(facilitator_client, address)
    assert_bounded(small, large)


@pytest.mark.parametrize(
    ("name", "factory", "model"),
    [("invitations", InvitationFactory, Invitation), ("join_requests", JoinRequestFactory, JoinRequest)],
)
def test_invitations_and_requests_waiting_come_a_page_at_a_time(
    facilitator_client, collaborative, name, factory, model
):
    address = reverse(f"members:{name}", kwargs={"slug": collaborative.slug})
    model.objects.bulk_create(factory.build_batch(60, collaborative=collaborative, name="Sam Patel"))
    small = measure(facilitator_client, address)
    model.objects.bulk_create(factory.build_batch(600, collaborative=collaborative, name="Sam Patel"))
    large = measure(facilitator_client, address)
    assert_bounded(small, large)
    assert "Next page" in facilitator_client.get(address).content.decode()


def vision_grower(collaborative, kind: str):
    """`grow(to)`: bulk-create set-aside versions, achieved goals or counted rounds until there are `to`."""
    now = timezone.now()

    def grow(to: int) -> None:
        if kind == "versions":
            have = VisionVersion.objects.filter(collaborative=collaborative).count()
            VisionVersion.objects.bulk_create(
                VisionVersionFactory.build(
                    collaborative=collaborative, number=have + i + 1, status=VisionVersion.Status.SET_ASIDE
                )
                for i in range(to - have)
            )
        elif kind == "goals":
            have = Goal.objects.filter(collaborative=collaborative).count()
            Goal.objects.bulk_create(
                GoalFactory.build_batch(to - have, collaborative=collaborative, status=Goal.Status.ACHIEVED)
            )
        else:
            have = Round.objects.filter(collaborative=collaborative).count()
            Round.objects.bulk_create(
                Round(
                    collaborative=collaborative,
                    title=f"Round {have + i}",
                    opened_at=now - timedelta(days=400 + 30 * (have + i)),
                    closes_at=now - timedelta(days=390 + 30 * (have + i)),
                    counted_at=now - timedelta(days=390 + 30 * (have + i)),
                    eligible_count=40,
                    results={"respondents": 12},
                )
                for i in range(to - have)
            )

    return grow


@pytest.mark.parametrize(
    ("kind", "name"), [("versions", "vision:home"), ("goals", "vision:goals"), ("rounds", "vision:rounds")]
)
def test_versions_goals_and_rounds_of_years_past_come_a_page_at_a_time(member_client, collaborative, kind, name):
    address = reverse(name, kwargs={"slug": collaborative.slug})
    grow = vision_grower(collaborative, kind)

    grow(30)  # Two pages already, so both sizes show the way to the next.
    small = measure(member_client, address)
    grow(200)
    large = measure(member_client, address)
    assert_bounded(small, large)
    last = member_client.get(address + "?page=10")
    assert "Page 10 of 10" in last.content.decode()
    assert len(last.context["page"].object_list) == 20


def test_the_comparison_page_offers_the_latest_versions_and_the_two_chosen(member_client, collaborative):
    address = reverse("vision:compare", kwargs={"slug": collaborative.slug})
    grow = vision_grower(collaborative, "versions")

    grow(200)
    small = measure(member_client, address + "?from=3&to=59")
    grow(600)
    large = measure(member_client, address + "?from=3&to=59")
    assert_bounded(small, large)
    page = member_client.get(address + "?from=3&to=599")
    assert page.status_code == 200
    assert "Comparing version 3 with version 599" in page.content.decode()
    offered = [version.number for version in page.context["versions"]]
    assert offered == [3, *range(551, 601)]


def test_a_review_of_thousands_of_actions_comes_fifty_a_page(client, people, collaborative):
    commissioner = people["commissioner"]
    client.force_login(commissioner)
    review = ReviewRound.objects.create(collaborative=collaborative, title="Board report", opened_by=commissioner)
    address = review.get_absolute_url()
    owner = people["member"]
    today = timezone.localdate()

    def grow(to: int) -> None:
        have = review.items.count()
        actions = Action.objects.bulk_create(
            ActionFactory.build(collaborative=collaborative, owner=owner, title=f"Action {have + i:05}")
            for i in range(to - have)
        )
        ReviewItem.objects.bulk_create(
            ReviewItem(
                round=review,
                action=action,
                snapshot=action_snapshot(action, None) | {"due_on": (today + timedelta(days=have + i)).isoformat()},
            )
            for i, action in enumerate(actions)
        )

    grow(100)
    small = measure(client, address)
    grow(1000)
    large = measure(client, address)
    assert_bounded(small, large)
    body = client.get(address).content.decode()
    assert "1000 of 1000 actions still to review" in body
    assert "Action 00049" in body
    assert "Action 00050" not in body

    # Marking one on the third page, without JavaScript, comes back to the third page.
    third = client.get(address + "?page=3")
    item = third.context["page"].object_list[0]
    marked = client.post(
        reverse("actions:review_item", kwargs={"slug": collaborative.slug, "round_pk": review.pk, "pk": item.pk})
        + "?page=3",
        {f"item-{item.pk}-comment": "On track."},
    )
    assert marked.status_code == 302
    assert marked["Location"] == f"{address}?page=3"
    waiting = client.get(address + "?show=waiting")
    assert "999 of 1000 actions still to review" in waiting.content.decode()
    assert waiting.context["page"].paginator.count == 999
    reviewed = client.get(address + "?show=reviewed").context["page"]
    assert [shown.pk for shown in reviewed] == [item.pk]


def test_a_drafts_ideas_and_a_goals_reviews_come_a_page_at_a_time(member_client, member, facilitator, collaborative):
    draft = VisionVersionFactory(collaborative=collaborative)
    goal = GoalFactory(collaborative=collaborative)
    draft_address, goal_address = draft.get_absolute_url(), goal.get_absolute_url()
    authors = [MembershipFactory(collaborative=collaborative).user for _ in range(3)]

    def grow(to: int) -> None:
        have = draft.contributions.count()
        Contribution.objects.bulk_create(
            Contribution(version=draft, author=authors[i % 3], text=f"Idea {have + i:04}") for i in range(to - have)
        )
        have = goal.reviews.count()
        GoalReview.objects.bulk_create(
            GoalReview(
                goal=goal,
                reviewed_on=timezone.localdate() - timedelta(days=3000 - have - i),
                outcome=GoalReview.Outcome.ON_TRACK,
                note=f"Review {have + i:04}",
                recorded_by=facilitator,
            )
            for i in range(to - have)
        )

    grow(150)  # Three full pages of ideas, as the larger size has 24.
    small = [measure(member_client, draft_address), measure(member_client, goal_address)]
    grow(1200)
    large = [measure(member_client, draft_address), measure(member_client, goal_address)]
    assert_bounded(small[0], large[0])
    assert_bounded(small[1], large[1])
    latest = member_client.get(draft_address).content.decode()
    assert "Idea 1199" in latest  # The latest page first: where one just added shows.
    assert "Idea 1149" not in latest
    assert "Idea 0000" in member_client.get(draft_address + "?page=1").content.decode()
    reviews = member_client.get(goal_address).content.decode()
    assert "Review 1199" in reviews
    assert 'start="1200"' in reviews
    assert "Review 1179" not in reviews


def test_the_directory_and_whos_at_the_table_count_everyone_in_the_database(member_client, collaborative):
    """Both count a Collaborative's members by what each shares, however many there are, and the
    directory shows fifty a page, whether browsing, filtering by perspective or searching by name."""
    meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=7))
    directory = reverse("members:directory", kwargs={"slug": collaborative.slug})
    table = reverse("home:at_the_table", kwargs={"slug": collaborative.slug})
    addresses = [directory, directory + "?perspective=carer", directory + "?q=person&page=2", table]
    made = []
    grow = members_grower(collaborative, made)

    def share(users) -> None:
        """Everyone shares a perspective or two and an organisation; one in ten came to the meeting."""
        for i, user in enumerate(users):
            user.perspectives = [["carer"], ["carer", "lived_experience"], ["practitioner"]][i % 3]
            user.organisation_type = ["voluntary", "primary_care"][i % 2]
        type(users[0]).objects.bulk_update(users, ["perspectives", "organisation_type"])
        Attendance.objects.bulk_create(
            (Attendance(meeting=meeting, user=user) for user in users[::10]), ignore_conflicts=True
        )

    grow(120)
    share(made)
    small = [measure(member_client, address) for address in addresses]
    grow(1200)
    share(made)
    large = [measure(member_client, address) for address in addresses]
    for small_page, large_page in zip(small, large, strict=True):
        assert_bounded(small_page, large_page)
    page = member_client.get(table).content.decode()
    assert '<th scope="row">Carer</th><td data-label="Members">800</td>' in page
    assert '<th scope="row">Voluntary or community organisation</th><td data-label="Members">600</td>' in page
    assert "has 1203 members" in page  # With the three of `people`.
    assert "Carer (800)" in member_client.get(directory).content.decode()


def test_a_rounds_results_link_to_its_comments_however_many_there_are(client, facilitator):
    """Each statement's comments are on a page of their own, fifty at a time: the results stay one size."""
    pages = []
    for size in (6, 60):
        collaborative = CollaborativeFactory(slug=f"size-{size:03}")
        member = MembershipFactory(collaborative=collaborative).user
        Membership.objects.create(collaborative=collaborative, user=facilitator, role=Membership.Role.FACILITATOR)
        round = round_open(
            collaborative=collaborative,
            by=facilitator,
            title="Autumn",
            closing_day=collaborative.local_today() + timedelta(days=7),
        )
        people = UserFactory.create_batch(size)
        statements = list(round.statements.all())
        responses = Response.objects.bulk_create(
            Response(round=round, user=person, eligible=True, perspectives=[]) for person in people
        )
        Answer.objects.bulk_create(
            Answer(response=response, statement=statement, rating=Rating.STRONG, comment=f"Comment {n:03} on {s:02}")
            for n, response in enumerate(responses)
            for s, statement in enumerate(statements)
        )
        now = timezone.now()
        Round.objects.filter(pk=round.pk).update(
            opened_at=now - timedelta(days=14), closes_at=now - timedelta(seconds=1)
        )
        client.force_login(member)
        client.get(round.get_absolute_url())  # Counted.
        pages.append(measure(client, round.get_absolute_url()))
        comments = client.get(
            reverse(
                "vision:round_comments",
                kwargs={"slug": collaborative.slug, "pk": round.pk, "statement_pk": statements[0].pk},
            )
        ).content.decode()
        assert comments.count("<li>Comment ") == min(size, 50)
    assert_bounded(*pages)


def lines_grower(collaborative, user):
    """`grow(to)`: bulk-create the person's expense lines, half waiting and half approved, until there are `to`."""
    from payments.models import Line

    def grow(to: int) -> None:
        have = Line.objects.filter(collaborative=collaborative, user=user).count()
        day = collaborative.local_today() - timedelta(days=30)
        Line.objects.bulk_create(
            Line(
                collaborative=collaborative,
                user=user,
                kind=Line.Kind.EXPENSE,
                expense_type="public_transport",
                description=f"Bus {have + i}",
                activity_on=day,
                amount_pence=350,
                status=Line.Status.WAITING if (have + i) % 2 else Line.Status.APPROVED,
            )
            for i in range(to - have)
        )

    return grow


def test_what_waits_and_a_persons_payments_come_a_page_at_a_time(client, people, collaborative):
    """A treasurer's queue and a member's own payments at the size of years of claims (issue 16)."""
    from tests.factories import PaymentSettingsFactory

    PaymentSettingsFactory(collaborative=collaborative)
    contact = MembershipFactory(collaborative=collaborative, handles_payments=True).user
    member = people["member"]
    grow = lines_grower(collaborative, member)
    pages = [
        (contact, reverse("payments:queue", kwargs={"slug": collaborative.slug})),
        (member, reverse("payments:home", kwargs={"slug": collaborative.slug})),
        (contact, reverse("payments:person", kwargs={"slug": collaborative.slug, "user_pk": member.pk})),
    ]
    grow(60)
    small = []
    for user, address in pages:
        client.force_login(user)
        small.append(measure(client, address))
    grow(1200)
    for (user, address), before in zip(pages, small, strict=True):
        client.force_login(user)
        assert_bounded(before, measure(client, address))
        assert "Next page" in client.get(address).content.decode(), address


def test_the_asks_page_comes_fifty_a_page_with_its_figures_however_many_asks(client, people, collaborative):
    """The asks page (issue 17) at the size of years of asks, to many organisations, sent, answered and not."""
    from asks.models import Ask, Sending
    from tests.factories import AskFactory

    member, facilitator = people["member"], people["facilitator"]
    client.force_login(member)
    address = reverse("asks:list", kwargs={"slug": collaborative.slug})
    today = collaborative.local_today()

    def grow(to: int) -> None:
        have = Ask.objects.filter(collaborative=collaborative).count()
        asks = Ask.objects.bulk_create(
            AskFactory.build(
                collaborative=collaborative,
                title=f"Ask {have + i:05}",
                organisation=f"Organisation {(have + i) % 20:02}",
                status=Ask.Status.WAITING,
                sent_on=today - timedelta(days=(have + i) % 300),
                due_on=today + timedelta(days=10 - (have + i) % 40),
            )
            for i in range(to - have)
        )
        Sending.objects.bulk_create(
            Sending(
                ask=ask,
                organisation=ask.organisation,
                responder_name=ask.responder_name,
                responder_email=ask.responder_email,
                sent_on=ask.sent_on,
                due_on=ask.due_on,
                first_due_on=ask.due_on,
                answered_on=ask.sent_on + timedelta(days=5) if i % 3 else None,
                sent_by=facilitator,
            )
            for i, ask in enumerate(asks)
        )

    grow(60)
    small = measure(client, address)
    grow(600)
    large = measure(client, address)
    assert_bounded(small, large)
    assert "Next page" in client.get(address).content.decode()


def test_what_changed_comes_a_page_at_a_time_for_the_public_and_the_facilitators(
    client, facilitator_client, collaborative
):
    """The public "What changed" page, its feed and the facilitators' page, at two sizes of years of items (issue 17):
    published items, and goals, done actions and items to choose from."""
    collaborative.is_public = True
    collaborative.save()
    public = reverse("impact:public", kwargs={"slug": collaborative.slug})
    manage = reverse("impact:manage", kwargs={"slug": collaborative.slug})

    def grow(to: int) -> None:
        figures_items(collaborative, to)
        have = Goal.objects.filter(collaborative=collaborative).count()
        Goal.objects.bulk_create(GoalFactory.build_batch(to - have, collaborative=collaborative))
        owner = MembershipFactory(collaborative=collaborative).user
        have = Action.objects.filter(collaborative=collaborative).count()
        Action.objects.bulk_create(
            ActionFactory.build(
                collaborative=collaborative, owner=owner, status=Action.Status.DONE, done_at=timezone.now()
            )
            for _ in range(to - have)
        )

    grow(30)
    small = measure(Client(), public), measure(facilitator_client, manage)
    grow(300)
    large = measure(Client(), public), measure(facilitator_client, manage)
    assert_bounded(small[0], large[0])
    assert_bounded(small[1], large[1])
    feed = reverse("impact:feed", kwargs={"slug": collaborative.slug})
    with CaptureQueriesContext(connection) as captured:
        assert Client().get(feed).content.count(b"<entry>") == 50
    assert len(captured) < 10


def test_what_changed_asks_the_same_number_of_queries_at_two_items_of_each_kind_and_at_fifty(
    client, facilitator_client, collaborative
):
    """The public page, its feed and the facilitators' page with items of every kind (figures, goals, you said we
    did, asks; some hidden, one of a withdrawn ask), people asked to be named, and asks and actions to choose from:
    the same number of queries at 2 of each and at 50."""
    collaborative.is_public = True
    collaborative.save()
    slug = {"slug": collaborative.slug}
    public, manage, feed = (reverse(name, kwargs=slug) for name in ("impact:public", "impact:manage", "impact:feed"))
    member = MembershipFactory(collaborative=collaborative).user

    def grow(to: int) -> None:
        have = Publication.objects.filter(collaborative=collaborative, kind=Publication.Kind.GOAL).count()
        figures_items(collaborative, to)
        for index in range(have, to):
            goal = GoalFactory(collaborative=collaborative)
            action = done_action(collaborative, owner=member)
            done_action(collaborative, owner=member)  # Done, not published: to choose from.
            answered_ask(collaborative)  # Answered, not published: to choose from.
            ask = answered_ask(collaborative)
            hidden = Publication.Status.HIDDEN if index % 2 else Publication.Status.PUBLISHED
            made = Publication.objects.bulk_create(
                [
                    Publication(collaborative=collaborative, kind="goal", goal=goal, title=f"Goal {index}"),
                    Publication(collaborative=collaborative, kind="you_said", action=action, title=f"Did {index}"),
                    Publication(
                        collaborative=collaborative,
                        kind="ask",
                        ask=ask,
                        title=f"Asked {index}",
                        status=hidden,
                        answers_until=timezone.now() - timedelta(days=1),  # Newer answers wait.
                    ),
                ]
            )
            Credit.objects.bulk_create(Credit(publication=publication, user=member) for publication in made)
        Ask.objects.filter(pk=ask.pk).update(status=Ask.Status.WITHDRAWN)

    grow(2)
    small = [measure(Client(), public)[0], measure(facilitator_client, manage)[0], measure(Client(), feed)[0]]
    grow(50)
    large = [measure(Client(), public)[0], measure(facilitator_client, manage)[0], measure(Client(), feed)[0]]
    assert large == small, "queries at 2 of each (public, manage, feed) and at 50"
    assert Client().get(feed).content.count(b"<entry>") == FEED_SIZE


# ---- Discussions (issue 18, the threads part).


def test_discussions_and_a_long_discussion_come_a_page_at_a_time(client, people, collaborative):
    """The list of discussions (25 a page) and a discussion's comments (50 a page, the latest first), at the size
    of years of talk: the same queries and about the same HTML at 100 and at 600."""
    from discussions.models import Comment, Thread
    from tests.factories import ThreadFactory

    member = people["member"]
    client.force_login(member)
    thread = ThreadFactory(collaborative=collaborative, started_by=member)
    lists = reverse("discussions:list", kwargs={"slug": collaborative.slug})

    def grow(to: int) -> None:
        have = Thread.objects.filter(collaborative=collaborative).count()
        Thread.objects.bulk_create(
            ThreadFactory.build(collaborative=collaborative, started_by=member, title=f"Talk {have + i:05}")
            for i in range(to - have)
        )
        have = Comment.objects.filter(thread=thread).count()
        Comment.objects.bulk_create(
            Comment(thread=thread, author=member, text=f"Comment {have + i:05}") for i in range(to - have)
        )

    grow(100)  # Two full pages of comments: the latest page is a full one at both sizes.
    client.get(thread.get_absolute_url())  # The first look records that the person has seen it; later ones update it.
    small = (measure(client, lists), measure(client, thread.get_absolute_url()))
    grow(600)
    large = (measure(client, lists), measure(client, thread.get_absolute_url()))
    assert_bounded(small[0], large[0])
    assert_bounded(small[1], large[1])
    assert "Earlier comments" in client.get(thread.get_absolute_url()).content.decode()
