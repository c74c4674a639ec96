import time
from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.utils import timezone
from factory.django import DjangoModelFactory

from actions.models import Action
from actions.services import action_create
from asks.links import responder_token
from asks.models import Answer, Ask, AskEvent, ResponderLink, Sending
from asks.services import ask_send, sending_make
from discussions.models import Comment, Poll, PollOption, Thread
from discussions.polls import poll_open
from impact.models import Credit, Publication
from meetings.models import Attendance, Meeting, Venue
from members.models import INVITATION_DAYS, Collaborative, Invitation, JoinRequest, Membership, User
from payments.models import Activity, Choice, ExpenseType, Line, PaymentChoice, PaymentSettings, PayMethod
from vision.models import Contribution, Goal, Value, VisionVersion

PASSWORD = "a-long-test-password-1"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password(PASSWORD)
    email_address = factory.RelatedFactory(
        "tests.factories.EmailAddressFactory", "user", email=factory.SelfAttribute("..email")
    )

    @factory.post_generation
    def two_factor(user, create, extracted, **kwargs):
        """Site administrators have set up two-step sign-in, as they must before any admin page;
        `two_factor=False` makes one who has not."""
        if create and user.is_staff and extracted is not False:
            TotpFactory(user=user)


class EmailAddressFactory(DjangoModelFactory):
    """A verified, primary address: email verification is mandatory, so tests start verified."""

    class Meta:
        model = EmailAddress

    user = factory.SubFactory(UserFactory, email_address=None)
    email = factory.SelfAttribute("user.email")
    verified = True
    primary = True


class CollaborativeFactory(DjangoModelFactory):
    class Meta:
        model = Collaborative
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Collaborative {n}")
    slug = factory.Sequence(lambda n: f"collaborative-{n}")
    area = "Lambeth"
    description = "A monthly forum in a local cafe."


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    collaborative = factory.SubFactory(CollaborativeFactory)
    role = Membership.Role.MEMBER

    @factory.post_generation
    def two_factor(membership, create, extracted, **kwargs):
        """Facilitators, commissioners and payments contacts have set up two-step sign-in, as they
        must before using their pages; `two_factor=False` makes one who has not."""
        if not create or extracted is False or not membership.needs_two_step:
            return
        if not Authenticator.objects.filter(user=membership.user, type=Authenticator.Type.TOTP).exists():
            TotpFactory(user=membership.user)


# The secret of every authenticator app made by TotpFactory; totp_code() gives its code now.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class TotpFactory(factory.Factory):
    """Two-step sign-in set up as allauth does it: an authenticator app (TOTP) and recovery codes."""

    class Meta:
        model = Authenticator

    user = factory.SubFactory(UserFactory)
    secret = TOTP_SECRET

    @classmethod
    def _create(cls, model_class, user, secret):
        RecoveryCodes.activate(user)
        return TOTP.activate(user, secret).instance


def totp_code(secret: str = TOTP_SECRET) -> str:
    """The code an authenticator app shows now, with at least 3 seconds left to type it."""
    period = mfa_settings.TOTP_PERIOD
    seconds_left = period - time.time() % period
    if seconds_left < 3:
        time.sleep(seconds_left)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = Invitation

    collaborative = factory.SubFactory(CollaborativeFactory)
    email = factory.Sequence(lambda n: f"invited{n}@example.net")
    role = Membership.Role.MEMBER
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=INVITATION_DAYS))


class JoinRequestFactory(DjangoModelFactory):
    class Meta:
        model = JoinRequest

    collaborative = factory.SubFactory(CollaborativeFactory)
    name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"asker{n}@example.net")
    message = "I care for my son and would like to help."


class VenueFactory(DjangoModelFactory):
    class Meta:
        model = Venue

    collaborative = factory.SubFactory(CollaborativeFactory)
    name = factory.Sequence(lambda n: f"Cafe {n}")
    address = "1 High Street\nLondon SE11 5AA"


class MeetingFactory(DjangoModelFactory):
    """A meeting in person a week from now, 10:00 to 12:30 UTC (services make real ones)."""

    class Meta:
        model = Meeting

    collaborative = factory.SubFactory(CollaborativeFactory)
    venue = factory.SubFactory(VenueFactory, collaborative=factory.SelfAttribute("..collaborative"))
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(hour=10, minute=0, second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda meeting: meeting.starts_at + timedelta(hours=2, minutes=30))


class VisionVersionFactory(DjangoModelFactory):
    """A draft of the vision, numbered after the Collaborative's other versions (services make real ones)."""

    class Meta:
        model = VisionVersion

    collaborative = factory.SubFactory(CollaborativeFactory)
    number = factory.LazyAttribute(lambda version: version.collaborative.vision_versions.count() + 1)
    statement = "Help is easy to get, where and when people need it."


class ValueFactory(DjangoModelFactory):
    class Meta:
        model = Value

    version = factory.SubFactory(VisionVersionFactory)
    name = factory.Sequence(lambda n: f"Value {n}")
    meaning = "A carer's view counts as much as a chief officer's."
    position = factory.Sequence(lambda n: n)


class ContributionFactory(DjangoModelFactory):
    class Meta:
        model = Contribution

    version = factory.SubFactory(VisionVersionFactory)
    author = factory.SubFactory(UserFactory)
    text = "Say more about carers."


class GoalFactory(DjangoModelFactory):
    """An active goal due for review in a month."""

    class Meta:
        model = Goal

    collaborative = factory.SubFactory(CollaborativeFactory)
    title = factory.Sequence(lambda n: f"Goal {n}")
    success = "People notice help is easier to get."
    review_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))


class ActionFactory(DjangoModelFactory):
    """An open action due in a fortnight, owned by a new member of its Collaborative.

    Written straight to the table, without history: tests of behaviour use actions.services.action_create.
    """

    class Meta:
        model = Action
        skip_postgeneration_save = True

    collaborative = factory.SubFactory(CollaborativeFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.LazyAttribute(lambda action: MembershipFactory(collaborative=action.collaborative).user)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))

    @factory.post_generation
    def supporters(action, create, extracted, **kwargs):
        if create and extracted:
            action.supporters.set(extracted)


def action_record(collaborative, *, by, supporters=(), **fields) -> Action:
    """An action recorded as the app records it (history and all), by `by`, who owns it unless `owner` is given."""
    fields.setdefault("title", f"Action recorded {Action.objects.count() + 1}")
    fields.setdefault("owner", by)
    fields.setdefault("due_on", timezone.localdate() + timedelta(days=14))
    return action_create(action=Action(collaborative=collaborative, **fields), by=by, supporters=supporters)


class PaymentSettingsFactory(DjangoModelFactory):
    """A Collaborative that pays, as Lambeth does: £30 a meeting, £20 an online session, £15 an hour,
    travel, mileage at 45p and carer cover, by bank transfer or voucher, from a year ago."""

    class Meta:
        model = PaymentSettings

    collaborative = factory.SubFactory(CollaborativeFactory)
    pays = True
    rate_meeting_pence = 3000
    rate_online_pence = 2000
    rate_hour_pence = 1500
    expense_types = factory.LazyFunction(
        lambda: [ExpenseType.PUBLIC_TRANSPORT, ExpenseType.MILEAGE, ExpenseType.CARE_COVER, ExpenseType.OTHER]
    )
    methods = factory.LazyFunction(lambda: [PayMethod.BANK_TRANSFER, PayMethod.VOUCHER])
    benefits_advice = "Lambeth Welfare Rights, 020 7926 0000"
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))


class PaymentChoiceFactory(DjangoModelFactory):
    """A person paid in full by bank transfer, from a year ago."""

    class Meta:
        model = PaymentChoice

    collaborative = factory.SubFactory(CollaborativeFactory)
    user = factory.SubFactory(UserFactory)
    choice = Choice.FULL
    method = PayMethod.BANK_TRANSFER
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))


# Impact report (issue 17)


class AttendanceFactory(DjangoModelFactory):
    """Someone marked "came" on a meeting's register."""

    class Meta:
        model = Attendance

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory)
    attended = True


class TimeLineFactory(DjangoModelFactory):
    """An approved involvement payment of £30 for coming to a meeting, on the meeting's day."""

    class Meta:
        model = Line

    meeting = factory.SubFactory(MeetingFactory)
    collaborative = factory.SelfAttribute("meeting.collaborative")
    user = factory.SubFactory(UserFactory)
    kind = Line.Kind.TIME
    activity = Activity.MEETING
    description = "Coming to the meeting"
    activity_on = factory.LazyAttribute(lambda line: line.meeting.local_start.date())
    unit_pence = 3000
    amount_pence = 3000
    status = Line.Status.APPROVED


# Asks (issue 17)


class AskFactory(DjangoModelFactory):
    """A draft ask to the mental health trust, with a named responder.

    Written straight to the table, without a timeline: tests of behaviour use asks.services.
    """

    class Meta:
        model = Ask

    collaborative = factory.SubFactory(CollaborativeFactory)
    title = factory.Sequence(lambda n: f"Ask {n}")
    request = "Open the crisis cafe at weekends."
    reasons = "Members told us weekends are the hardest time."
    organisation = "South London and Maudsley NHS Trust"
    responder_name = "Alex Morgan"
    responder_role = "Director of community services"
    responder_email = factory.Sequence(lambda n: f"responder{n}@nhs.example.org")
    status = Ask.Status.DRAFT


def ask_sent(ask: Ask, *, by, today=None) -> Sending:
    """Send `ask` as the app does (a sending, a clock, a link, a step on the timeline), on `today`."""
    return sending_make(ask=ask, kind=Sending.Kind.FIRST, by=by, today=today or timezone.localdate())


def ask_answered(ask: Ask, *, kind: str = Answer.Kind.WILL, on=None, text: str = "We will.") -> Answer:
    """The responder's answer to the ask's current sending, on the day `on`, written straight to the tables as
    the responder's page would (the answer, the days answered, the status and the step on the timeline)."""
    ask.refresh_from_db()
    sending = ask.sendings.order_by("-created_at", "-id").first()
    link = sending.links.order_by("-created_at").first()
    on = on or timezone.localdate()
    answer = Answer.objects.create(
        ask=ask, sending=sending, link=link, kind=kind, text=text, name=sending.responder_name
    )
    Sending.objects.filter(pk=sending.pk).update(answered_on=on)
    Ask.objects.filter(pk=ask.pk).update(status=Ask.Status.ANSWERED, answered_on=on)
    AskEvent.objects.create(ask=ask, what=AskEvent.What.ANSWERED, by_name=answer.name, answer=answer, sending=sending)
    ask.refresh_from_db()
    return answer


# What changed (issue 17)


class PublicationFactory(DjangoModelFactory):
    """A published goal (a new one of its Collaborative's), written straight to the table without history: tests of
    behaviour use impact.services.publication_publish."""

    class Meta:
        model = Publication

    collaborative = factory.SubFactory(CollaborativeFactory)
    kind = Publication.Kind.GOAL
    goal = factory.LazyAttribute(lambda p: GoalFactory(collaborative=p.collaborative))
    title = factory.Sequence(lambda n: f"Published item {n}")
    summary = "What we asked for, and what changed."


class CreditFactory(DjangoModelFactory):
    """A member asked to be named on a published item, who has not answered yet."""

    class Meta:
        model = Credit

    publication = factory.SubFactory(PublicationFactory)
    user = factory.LazyAttribute(lambda c: MembershipFactory(collaborative=c.publication.collaborative).user)


# Asks, the responder's side (issue 17)


class SundayAskFactory(AskFactory):
    """A draft ask from a Collaborative to the local mental health trust: the responder's tests read its words."""

    title = factory.Sequence(lambda n: f"Open the crisis cafe on Sundays ({n})")
    request = "Please open the crisis cafe on Sundays, from 12 to 8pm."
    reasons = "Members told us Sunday is the hardest day, and nothing is open."
    responder_name = "Dr Priya Shah"
    responder_role = "Director of Community Services"
    responder_email = factory.Sequence(lambda n: f"responder{n}@slam.nhs.example")


def ask_sent_for_test(collaborative, *, by, today=None, **fields) -> tuple[Ask, str]:
    """An ask sent as a facilitator sends it (first sending, answer link, email queued): the ask and the token of
    the responder's link."""
    ask = SundayAskFactory(collaborative=collaborative, created_by=by, **fields)
    ask_send(ask=ask, by=by, today=today or collaborative.local_today())
    link = ResponderLink.objects.filter(ask=ask, purpose=ResponderLink.Purpose.ANSWER).latest("created_at", "id")
    ask.refresh_from_db()
    return ask, responder_token(link)


# --- Polls part (issue 18): polls opened as members open them, and votes cast as members cast them. ---


class PollFactory(DjangoModelFactory):
    """A named proposal open for a week, with no options yet (poll_opened makes real ones, options included)."""

    class Meta:
        model = Poll

    collaborative = factory.SubFactory(CollaborativeFactory)
    type = Poll.Type.PROPOSAL
    question = factory.Sequence(lambda n: f"Hold the summer meeting in the park ({n})")
    opened_at = factory.LazyFunction(timezone.now)
    closes_at = factory.LazyAttribute(lambda poll: poll.opened_at + timedelta(days=7))


class PollOptionFactory(DjangoModelFactory):
    class Meta:
        model = PollOption

    poll = factory.SubFactory(PollFactory)
    text = factory.Sequence(lambda n: f"Option {n}")
    position = factory.Sequence(lambda n: n)


def poll_opened(collaborative, *, by, type=Poll.Type.PROPOSAL, days=7, **fields) -> Poll:
    """A poll opened through discussions.polls.poll_open (its options made, members emailed), closing in `days`.
    Choice polls get three options unless given; time polls three times on the days after it closes."""
    now = timezone.now()
    if type in (Poll.Type.ONE, Poll.Type.SEVERAL, Poll.Type.SCORE, Poll.Type.DOTS):
        fields.setdefault("options", ["Tea", "Coffee", "Juice"])
    if type == Poll.Type.TIME:
        start = (now + timedelta(days=days + 3)).replace(hour=18, minute=0, second=0, microsecond=0)
        fields.setdefault("times", [start + timedelta(days=i) for i in range(3)])
    return poll_open(
        collaborative=collaborative,
        by=by,
        type=type,
        question=fields.pop("question", f"What shall we do? ({type})"),
        closes_at=fields.pop("closes_at", now + timedelta(days=days)),
        **fields,
    )


def poll_past_closing(poll: Poll, *, days_ago: int = 1) -> Poll:
    """Move an open poll's times back so that its closing time has passed (beat has not closed it yet)."""
    now = timezone.now()
    Poll.objects.filter(pk=poll.pk).update(
        opened_at=now - timedelta(days=days_ago + 7), closes_at=now - timedelta(days=days_ago)
    )
    poll.refresh_from_db()
    return poll


# --- End of the polls part. ---
# ---- Discussions (issue 18, the threads part).


class ThreadFactory(DjangoModelFactory):
    """A discussion, written straight to the table (no emails): tests that need the service's emails call it."""

    class Meta:
        model = Thread

    collaborative = factory.SubFactory(CollaborativeFactory)
    title = factory.Sequence(lambda n: f"Crisis cafe opening hours {n}")
    text = "Should the crisis cafe open at weekends?"
    started_by = factory.SubFactory(UserFactory)


class CommentFactory(DjangoModelFactory):
    """A comment in a discussion, written straight to the table; its discussion's count is not bumped."""

    class Meta:
        model = Comment

    thread = factory.SubFactory(ThreadFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"I think the cafe should open on Saturdays ({n}).")
