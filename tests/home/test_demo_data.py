from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.html import escape

from home.demo import DEMO_COLLABORATIVES, DEMO_PEOPLE
from members.models import Collaborative, Membership, Perspective, User

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "living-well-demo"


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("demo_data")


def test_creates_four_collaboratives(demo):
    assert set(Collaborative.objects.values_list("name", flat=True)) == {
        "Lambeth Living Well Collaborative",
        "Tameside & Glossop Living Well Collaborative",
        "Salford Living Well Collaborative",
        "Luton Living Well Collaborative",
    }


def test_every_role_and_every_perspective_is_at_the_table(demo):
    assert set(Membership.objects.values_list("role", flat=True)) == set(Membership.Role.values)
    shared = {p for perspectives in User.objects.values_list("perspectives", flat=True) for p in perspectives}
    assert shared == set(Perspective.values)
    for collaborative in Collaborative.objects.all():
        roles = set(collaborative.memberships.values_list("role", flat=True))
        assert Membership.Role.FACILITATOR in roles, collaborative


def test_some_people_belong_to_two_collaboratives(demo):
    member = User.objects.get(email="member@example.org")
    assert member.memberships.count() == 2


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("facilitator@example.org", Membership.Role.FACILITATOR),
        ("member@example.org", Membership.Role.MEMBER),
        ("commissioner@example.org", Membership.Role.COMMISSIONER),
    ],
)
def test_documented_logins_work(demo, client, email, role):
    response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(email=email).memberships.get(collaborative__slug="lambeth").role == role


def test_running_twice_changes_nothing(demo):
    before = (User.objects.count(), Collaborative.objects.count(), Membership.objects.count())
    call_command("demo_data")
    assert (User.objects.count(), Collaborative.objects.count(), Membership.objects.count()) == before
    assert before == (len(DEMO_PEOPLE), len(DEMO_COLLABORATIVES), sum(len(p[3]) for p in DEMO_PEOPLE))


def test_refuses_to_run_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs when DEBUG is on"):
        call_command("demo_data")
    assert not Collaborative.objects.exists()


def test_queues_one_welcome_email_per_membership_however_often_it_runs(demo):
    from notifications.models import Message

    assert Message.objects.filter(kind="welcome").count() == Membership.objects.count()
    call_command("demo_data")
    assert Message.objects.filter(kind="welcome").count() == Membership.objects.count()


def test_every_collaborative_has_the_framework_and_lambeth_a_vision_and_goals_however_often_it_runs(demo):
    from vision.models import Goal, KeyRole, Statement, VisionVersion

    lambeth = Collaborative.objects.get(slug="lambeth")
    for collaborative in Collaborative.objects.all():
        assert collaborative.key_roles.count() == 5, collaborative
    version = VisionVersion.objects.current_for(lambeth)
    assert (version.number, version.status) == (1, VisionVersion.Status.ADOPTED)
    assert 4 <= version.values.count() <= 5
    goals = list(lambeth.goals.order_by("review_on"))
    assert len(goals) == 2
    assert goals[0].review_on <= lambeth.local_today() + timedelta(days=7), "One goal is due for review soon."
    assert not VisionVersion.objects.exclude(collaborative=lambeth).exists()
    assert not Goal.objects.exclude(collaborative=lambeth).exists()

    counts = (VisionVersion.objects.count(), Goal.objects.count(), KeyRole.objects.count(), Statement.objects.count())
    call_command("demo_data")
    after = (VisionVersion.objects.count(), Goal.objects.count(), KeyRole.objects.count(), Statement.objects.count())
    assert after == counts == (1, 2, 20, 100)


def test_lambeth_has_actions_of_every_kind_made_through_the_services_however_often_it_runs(demo):
    from actions.models import Action, ActionChange, ActionUpdate
    from meetings.models import Meeting
    from notifications.models import Message

    lambeth = Collaborative.objects.get(slug="lambeth")
    today = lambeth.local_today()
    actions = Action.objects.filter(collaborative=lambeth)
    assert 7 <= actions.count() <= 10
    assert not Action.objects.exclude(collaborative=lambeth).exists()
    assert set(actions.values_list("status", flat=True)) == set(Action.Status.values)
    assert actions.overdue(today).count() == 1
    blocked = actions.get(status=Action.Status.BLOCKED)
    assert blocked.status_reason
    done = actions.get(status=Action.Status.DONE)
    assert done.done_at.date() <= done.due_on, "Done on time."
    from_decision = actions.exclude(decision=None)
    assert from_decision.exists()
    assert all(action.meeting.is_past for action in from_decision)
    assert ActionUpdate.objects.filter(action__collaborative=lambeth).count() >= 2
    # Every action has its history, and the emails they set off were queued.
    assert ActionChange.objects.filter(field="created").count() == actions.count()
    member = User.objects.get(email="member@example.org")
    assert Message.objects.filter(kind="you_said_we_did", recipient=member).count() == 1
    assert Message.objects.filter(kind="action_assigned").exists()

    counts = (
        Action.objects.count(),
        ActionChange.objects.count(),
        ActionUpdate.objects.count(),
        Meeting.objects.count(),
        Message.objects.count(),
    )
    call_command("demo_data")
    assert (
        Action.objects.count(),
        ActionChange.objects.count(),
        ActionUpdate.objects.count(),
        Meeting.objects.count(),
        Message.objects.count(),
    ) == counts


def test_lambeth_pays_with_lines_at_each_stage_however_often_it_runs(demo):
    from collaborative.working_days import working_days_between
    from payments.models import Choice, Line, PaymentChoice, PaymentSettings

    lambeth = Collaborative.objects.get(slug="lambeth")
    today = lambeth.local_today()
    rules = PaymentSettings.objects.filter(collaborative=lambeth).in_force(today)
    assert (rules.pays, rules.rate_meeting_pence) == (True, 3000)
    assert {"public_transport", "care_cover"} <= set(rules.expense_types)
    treasurer = Membership.objects.get(user__email="treasurer.lambeth@example.org", collaborative=lambeth)
    assert treasurer.handles_payments
    assert treasurer.role == Membership.Role.MEMBER
    choices = PaymentChoice.objects.filter(collaborative=lambeth)
    assert choices.get(user__email="peer.lambeth@example.org").choice == Choice.EXPENSES_ONLY
    assert choices.get(user__email="carer.lambeth@example.org").charity
    assert choices.filter(as_part_of_job=True).count() == 2
    lines = Line.objects.filter(collaborative=lambeth)
    assert {"waiting", "approved", "paid", "refused", "needs_choice"} <= set(lines.values_list("status", flat=True))
    assert lines.get(status="paid").amount_pence == 3000
    # Nobody who takes part as part of their job, or for expenses only, is paid for their time.
    assert not lines.filter(kind="time", user__payment_choices__as_part_of_job=True).exists()
    assert not lines.filter(kind="time", user__email="peer.lambeth@example.org").exists()
    assert any(working_days_between(line.status_since.date(), today) > 20 for line in lines.filter(status="waiting"))
    count = lines.count()
    call_command("demo_data")
    assert Line.objects.filter(collaborative=lambeth).count() == count


def test_lambeth_has_three_asks_and_a_public_page_however_often_it_runs(demo, client):
    from asks.models import Answer, Ask, Sending
    from impact.models import Publication

    lambeth = Collaborative.objects.get(slug="lambeth")
    today = lambeth.local_today()
    asks = {ask.title: ask for ask in Ask.objects.filter(collaborative=lambeth)}
    # One answered on time, and accepted.
    waits = asks["Publish the Hub's waiting times every month"]
    assert waits.status == Ask.Status.CLOSED
    assert waits.sendings.get().answered_on_time
    # One refused with reasons, and escalated: a new clock, to another organisation.
    sundays = asks["Keep the Brixton crisis cafe open on Sundays"]
    assert sundays.status == Ask.Status.ESCALATED
    assert sundays.answers.get().kind == Answer.Kind.CANNOT
    assert list(sundays.sendings.values_list("kind", flat=True)) == [Sending.Kind.FIRST, Sending.Kind.ESCALATION]
    assert sundays.due_on > today
    # One gone past its due date with no answer; and a member's proposal.
    assert asks["Add peer support workers to the Hub's evening shift"].is_overdue(today)
    assert asks["Ask GP surgeries to display the Hub's number"].status == Ask.Status.PROPOSED
    # A few items on the public page, refusal included, and nothing hidden.
    published = Publication.objects.filter(collaborative=lambeth).published()
    assert {"vision", "ask", "you_said", "figures"} <= set(published.values_list("kind", flat=True))
    page = client.get(f"/public/{lambeth.slug}/what-changed/").content.decode()
    assert "Keep the Brixton crisis cafe open on Sundays" in page
    counts = (Ask.objects.count(), Publication.objects.count())
    call_command("demo_data")
    assert (Ask.objects.count(), Publication.objects.count()) == counts


def test_lambeth_has_discussions_a_proposal_and_polls_made_through_the_services_however_often_it_runs(demo, client):
    from discussions.models import Comment, Poll, Thread, Vote
    from discussions.polls import ANONYMOUS_MIN, poll_shown
    from notifications.models import Message

    lambeth = Collaborative.objects.get(slug="lambeth")
    now = timezone.now()
    assert not Thread.objects.exclude(collaborative=lambeth).exists()
    assert not Poll.objects.exclude(collaborative=lambeth).exists()

    # Two discussions: one closed by a facilitator with an outcome, one open and about a goal.
    closed, open_ = Thread.objects.get(status=Thread.Status.CLOSED), Thread.objects.get(status=Thread.Status.OPEN)
    assert closed.outcome
    assert lambeth.memberships.get(user=closed.closed_by).is_facilitator
    assert open_.goal is not None
    assert open_.goal.collaborative == lambeth
    for thread in (closed, open_):
        comments = list(thread.comments.all())
        assert thread.comment_count == len(comments) >= 3
        replies = [comment for comment in comments if comment.parent_id]
        assert len(replies) == 1
        assert len({comment.author_id for comment in comments}) >= 3, "Different people take part."
        assert replies[0].author_id != replies[0].parent.author_id
        assert all(thread.created_at < comment.created_at < now for comment in comments)
    assert all(comment.created_at < closed.closed_at for comment in closed.comments.all())
    assert Message.objects.filter(kind="thread_started").exists()
    assert Message.objects.filter(kind="thread_closed", about_id=closed.pk).exists()

    # An open proposal closing in a few days, with votes and their reasons.
    proposal = Poll.objects.get(type=Poll.Type.PROPOSAL)
    assert proposal.is_open
    assert now + timedelta(days=2) < proposal.closes_at < now + timedelta(days=6)
    votes = proposal.votes.filter(replaced_at=None)
    assert votes.count() >= 3
    assert all(vote.reason for vote in votes)
    assert votes.filter(choices__option__text="Disagree").exists()

    # A closed anonymous poll: enough voters to show results, no ballot kept, an outcome written.
    anonymous = Poll.objects.get(anonymous=True)
    assert anonymous.closed_at is not None
    assert anonymous.closed_at < now
    assert anonymous.voters >= ANONYMOUS_MIN
    assert not Vote.objects.filter(poll=anonymous).exists()
    assert poll_shown(anonymous).results is not None
    assert anonymous.outcome
    assert anonymous.outcome_at is not None
    assert Message.objects.filter(kind="poll_outcome", about_id=anonymous.pk).exists()

    # An open time poll for an extra meeting: three times in the Collaborative's time zone, a few answers.
    times = Poll.objects.get(type=Poll.Type.TIME)
    assert times.is_open
    options = list(times.options.all())
    assert len(options) == 3
    for option in options:
        assert option.starts_at > times.closes_at
        local = lambeth.local_now(option.starts_at)
        assert (local.minute, local.second) == (0, 0), "Times on the hour, as Lambeth's clocks show them."
        assert f"{local:%H:%M}" in option.text
    assert times.votes.count() >= 3

    # A member reads each of them: the outcomes, the anonymous poll's results, the times on Lambeth's clocks.
    client.force_login(User.objects.get(email="member@example.org"))
    for thing, shows in [
        (closed, closed.outcome),
        (open_, open_.goal.title),
        (proposal, "Everyone will see how you voted."),
        (anonymous, f"{anonymous.voters} people voted."),
        (anonymous, anonymous.outcome),
        (times, options[0].text),
    ]:
        response = client.get(thing.get_absolute_url())
        assert response.status_code == 200, thing
        assert escape(shows) in response.content.decode(), (thing, shows)

    counts = (Thread.objects.count(), Comment.objects.count(), Poll.objects.count(), Vote.objects.count())
    messages = Message.objects.count()
    call_command("demo_data")
    assert (Thread.objects.count(), Comment.objects.count(), Poll.objects.count(), Vote.objects.count()) == counts
    assert Message.objects.count() == messages
    assert counts[:3] == (2, 6, 3)
