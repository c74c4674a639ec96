"""Download my data and delete my account, checked against every relation to the user model."""

import json
import re
import threading
import time
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import empty

from actions.models import Action, ActionChange, ActionUpdate, ReviewItem, ReviewRound, evidence_storage
from actions.services import (
    action_change,
    action_create,
    action_update_add,
    review_item_mark,
    review_round_open,
    review_round_sign_off,
)
from asks.models import Ask, AskEvent, AskEvidence, Sending
from asks.services import ask_evidence_add, ask_propose, ask_send, ask_write
from collaborative.personal_data import mentions, relations
from discussions.models import (
    AllRead,
    Comment,
    Following,
    InboundEmail,
    Poll,
    PollOption,
    Seen,
    Thread,
    ThreadVersion,
    Vote,
    VoteChoice,
)
from discussions.services import comment_add, comment_edit, comment_hide, thread_change, thread_close, thread_start
from impact.models import Credit, Publication, PublicationEvent
from impact.services import publication_hide, publication_publish
from meetings.models import (
    AgendaItem,
    AgendaItemChange,
    Attendance,
    CalendarFeed,
    CheckInRequest,
    Decision,
    Meeting,
    MeetingSeries,
    NotesRevision,
    Rsvp,
    Venue,
)
from meetings.services import rsvp_set
from members import services
from members.models import (
    GroundRules,
    Invitation,
    JoinRequest,
    Membership,
    MembershipChange,
    User,
    Visibility,
)
from members.personal_data import account_erase, personal_data_export
from members.services import (
    ground_rules_accept,
    membership_change_role,
    membership_deactivate,
    membership_leave,
    only_facilitator_of,
)
from notifications.models import DigestSchedule, Message, Preference
from payments.models import Choice, ExpenseType, Letter, Line, LineEvent, PaymentChoice, PaymentSettings
from payments.services import choice_make, line_add, line_approve
from tests.factories import (
    PASSWORD,
    CreditFactory,
    GoalFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    PaymentSettingsFactory,
    PublicationFactory,
    UserFactory,
)
from vision.models import Answer, Contribution, Goal, GoalReview, Rating, Response, Round, VisionVersion
from vision.results import round_results
from vision.services import (
    answers_save,
    contribution_add,
    goal_review,
    goal_save,
    round_close,
    round_counted,
    round_open,
    version_adopt,
    version_draft,
)


def user_relations() -> set[str]:
    """Every relation that points at the user model, named "app.Model.field"; hidden ones too."""
    found = set()
    for field in User._meta.get_fields(include_hidden=True):
        if not field.is_relation:
            continue
        if field.auto_created and not field.concrete:
            if field.related_model._meta.auto_created:
                continue  # The through table of one of the user's own many-to-many fields, below.
            found.add(f"{field.related_model._meta.label}.{field.field.name}")
        else:
            found.add(f"{User._meta.label}.{field.name}")
    return found


def test_every_relation_to_the_user_model_is_exported_and_erased():
    covered = set(relations())
    missing = user_relations() - covered
    assert not missing, (
        f"Say in the app's personal_data.py (its Part's relations) how export and erasure treat: {missing}"
    )
    gone = covered - user_relations()
    assert not gone, f"Personal data parts name relations that no longer exist: {gone}"


MARK = "Zq7"  # In every value planted below, so that none can hide in the export or after erasure.


@pytest.fixture
def evidence_root(settings, tmp_path):
    """Evidence is stored under a temporary EVIDENCE_ROOT for the test."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    evidence_storage._wrapped = empty  # The storage reads the setting again.
    yield settings.EVIDENCE_ROOT
    evidence_storage._wrapped = empty


@pytest.fixture
def planted(collaborative, other_collaborative, evidence_root):
    """A person with a row in every relation to the user model, each carrying MARK."""
    person = UserFactory(
        email=f"person{MARK.lower()}@example.org",
        display_name=f"Person {MARK}",
        pronouns=f"they/{MARK}",
        about=f"About {MARK}",
        perspectives=["carer"],
        organisation=f"Org {MARK}",
        organisation_type="voluntary",
        job_title=f"Title {MARK}",
        job_title_visibility=Visibility.MEMBERS,
        access_needs=["step_free"],
        access_needs_other=f"Needs {MARK}",
    )
    EmailAddress.objects.create(user=person, email=f"second{MARK.lower()}@example.org", verified=True)
    Authenticator.objects.create(user=person, type=Authenticator.Type.TOTP, data={"secret": f"SECRET{MARK}"})
    membership = MembershipFactory(user=person, collaborative=collaborative, role=Membership.Role.FACILITATOR)
    MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR)  # Not the only facilitator.
    other = MembershipFactory(collaborative=collaborative)
    ground_rules_accept(membership=membership)
    MembershipChange.objects.create(
        membership=other, field="role", old_value="member", new_value="member", changed_by=person
    )
    sent = InvitationFactory(collaborative=collaborative, invited_by=person, message=f"Hi {MARK}")
    InvitationFactory(
        collaborative=other_collaborative,
        email=f"second{MARK.lower()}@example.org",
        message=f"Come {MARK}",
        status=Invitation.Status.ACCEPTED,
        accepted_by=person,
    )
    InvitationFactory(
        collaborative=collaborative, email=person.email.upper(), name=f"Invitee {MARK}", message=f"Waiting {MARK}"
    )
    InvitationFactory(
        collaborative=collaborative, status=Invitation.Status.REVOKED, revoked_by=person, revoked_at=timezone.now()
    )
    JoinRequestFactory(
        collaborative=other_collaborative,
        user=person,
        name=f"Asker {MARK}",
        email=person.email,
        message=f"Please {MARK}",
        status=JoinRequest.Status.APPROVED,
    )
    # Not yet answered: it goes.
    JoinRequestFactory(
        collaborative=collaborative, user=person, name=f"Asker {MARK}", email=person.email, message=f"Still {MARK}"
    )
    JoinRequestFactory(collaborative=collaborative, status=JoinRequest.Status.DECLINED, decided_by=person)
    GroundRules.objects.create(collaborative=collaborative, text=f"Rules {MARK}", created_by=person)
    Message.objects.create(
        recipient=person,
        collaborative=collaborative,
        kind="welcome",
        about_type=ContentType.objects.get_for_model(membership),
        about_id=membership.pk,
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        sent_to=person.email,
        subject="Welcome",
    )
    Message.objects.create(
        to_address=person.email,
        collaborative=collaborative,
        kind="invitation",
        about_type=ContentType.objects.get_for_model(sent),
        about_id=sent.pk,
        occasion="send-1",
    )
    Preference.objects.create(user=person, kind="welcome", enabled=False)
    # Digest part (issue 18): when the person's digest goes.
    DigestSchedule.objects.create(user=person, frequency=DigestSchedule.Frequency.WEEKLY)
    LogEntry.objects.create(
        user=person,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(other.user_id),
        object_repr=f"Admin {MARK}",
        action_flag=ADDITION,
    )
    # A site administrator changed the person's account.
    LogEntry.objects.create(
        user=other.user,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(person.pk),
        object_repr=person.display_name,
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"fields": ["Name to show"]}}]),
    )
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe", address="1 High Street")
    series = MeetingSeries.objects.create(collaborative=collaborative, week=2, weekday=3, created_by=person)
    soon = timezone.now() + timedelta(days=3)
    meeting = Meeting.objects.create(
        collaborative=collaborative,
        series=series,
        title=f"Meeting {MARK}",
        starts_at=soon,
        ends_at=soon + timedelta(hours=2),
        venue=venue,
        created_by=person,
    )
    rsvp_set(meeting=meeting, user=person, answer=Rsvp.Answer.COMING)
    AgendaItem.objects.create(meeting=meeting, title=f"Item {MARK}", proposed_by=person)
    # Already decided, one way and the other: they stay as they are.
    for status in [AgendaItem.Status.ACCEPTED, AgendaItem.Status.DECLINED]:
        AgendaItem.objects.create(meeting=meeting, title=f"{status} {MARK}", proposed_by=person, status=status)
    decided = AgendaItem.objects.create(
        meeting=meeting, title="Decided", status=AgendaItem.Status.ACCEPTED, decided_by=person
    )
    AgendaItemChange.objects.create(item=decided, what=AgendaItemChange.What.CHANGED, title="Before", changed_by=person)
    CalendarFeed.objects.create(user=person)
    Attendance.objects.create(meeting=meeting, user=person, marked_by=person)
    # A check-in the person asked for (and, as a facilitator, answered), and one they made for someone else.
    moment = timezone.now()
    for asker in (person, UserFactory()):
        CheckInRequest.objects.create(
            meeting=meeting, user=asker, asked_at=moment, answered_by=person, answered_at=moment
        )
    Decision.objects.create(meeting=meeting, text="Write to the trust.", recorded_by=person)
    NotesRevision.objects.create(meeting=meeting, text="Notes.", edited_by=person)
    Meeting.objects.filter(pk=meeting.pk).update(minutes_approved_by=person)
    version = version_draft(
        collaborative=collaborative,
        by=person,
        statement=f"Vision {MARK}",
        values=[("Equal voices", "A carer's view counts as much as a chief officer's.")],
        note=f"Why {MARK}",
    )
    contribution_add(version=version, author=person, text=f"Idea {MARK}")
    version_adopt(version=version, by=person)
    today = timezone.localdate()
    goal = goal_save(
        goal=Goal(collaborative=collaborative, title=f"Goal {MARK}", success="Help is easy to get.", review_on=today),
        by=person,
    )
    goal_review(
        goal=goal,
        by=person,
        reviewed_on=today,
        outcome=GoalReview.Outcome.ON_TRACK,
        note=f"Review {MARK}",
        next_review_on=today + timedelta(days=90),
    )
    assessment = round_open(
        collaborative=collaborative, by=person, title=f"Round {MARK}", closing_day=today + timedelta(days=14)
    )
    # Closed early once it has been open a week (the shortest a round may be open).
    Round.objects.filter(pk=assessment.pk).update(opened_at=timezone.now() - timedelta(days=8))
    round_close(round=assessment, by=person)
    # Answers are linked to the person only while their round is open: these are in the export.
    now_open = round_open(collaborative=collaborative, by=person, title="Open", closing_day=today + timedelta(days=14))
    first = now_open.statements.first()
    answers_save(round=now_open, user=person, answers={first.pk: (Rating.STRONG, f"Comment {MARK}")})
    owned = action_create(
        action=Action(collaborative=collaborative, title=f"Action {MARK}", owner=person, due_on=today), by=person
    )
    # Someone else's action the person supports: no owner, so that no one else's download has it.
    action_create(
        action=Action(collaborative=collaborative, title=f"Supported {MARK}", due_on=today),
        by=person,
        supporters=[person],
    )
    action_change(action=owned, by=person, changes={"status": Action.Status.BLOCKED, "status_reason": f"Reason {MARK}"})
    action_update_add(
        action=owned,
        by=person,
        text=f"Update {MARK}",
        link=f"https://example.org/{MARK}",
        upload=SimpleUploadedFile(f"evidence-{MARK}.pdf", b"%PDF-1.4 minutes", content_type="application/pdf"),
    )
    review = review_round_open(collaborative=collaborative, by=person, title=f"Board {MARK}")
    for item in review.items.all():
        review_item_mark(item=item, by=person, comment=f"Checked {MARK}")
    review_round_sign_off(review=review, by=person)
    PaymentSettingsFactory(collaborative=collaborative, set_by=person)
    choice_make(collaborative=collaborative, user=person, by=person, choice=Choice.CHARITY, charity=f"Charity {MARK}")
    # A choice the person recorded for someone else (as a facilitator, for a member who asked): that member's.
    choice_make(collaborative=collaborative, user=other.user, by=person, choice=Choice.EXPENSES_ONLY)
    paid = line_add(
        by=person,
        collaborative=collaborative,
        user=person,
        kind=Line.Kind.EXPENSE,
        expense_type=ExpenseType.PARKING,
        description=f"Parking {MARK}",
        activity_on=today,
        amount_pence=450,
    )
    line_approve(line=paid, by=other.user)  # Nobody approves their own money.
    # The person, a facilitator, approves someone else's.
    theirs = line_add(
        by=other.user,
        collaborative=collaborative,
        user=other.user,
        kind=Line.Kind.EXPENSE,
        expense_type=ExpenseType.PARKING,
        description="Parking",
        activity_on=today,
        amount_pence=300,
    )
    line_approve(line=theirs, by=person)
    Letter.objects.create(
        collaborative=collaborative,
        user=person,
        kind=Letter.Kind.EMPLOYER,
        period_from=today,
        period_to=today,
        employer=f"Employer {MARK}",
        signed_by=person,
    )
    # Asks (issue 17): one proposed and waiting, one written, with evidence, and sent.
    ask_propose(ask=Ask(collaborative=collaborative, **ASK_FIELDS, title=f"Proposed {MARK}"), by=person)
    written = ask_write(ask=Ask(collaborative=collaborative, **ASK_FIELDS, title=f"Written {MARK}"), by=person)
    ask_evidence_add(ask=written, by=person, description=f"Survey {MARK}", link=f"https://example.org/s/{MARK}")
    ask_send(ask=written, by=person, today=today)
    # What changed (issue 17): an item the person agreed to be named on, and one they published and took down.
    named_on = PublicationFactory(collaborative=collaborative, title=f"Named on {MARK}", created_by=other.user)
    CreditFactory(publication=named_on, user=person, agreed_at=timezone.now())
    published = publication_publish(
        collaborative=collaborative,
        by=person,
        kind=Publication.Kind.GOAL,
        goal=GoalFactory(collaborative=collaborative),
        title=f"Published {MARK}",
    )
    publication_hide(publication=published, by=person)
    discussions_planted(person, other.user, collaborative)
    person.groups.add(Group.objects.create(name=f"Group {MARK}"))
    person.user_permissions.add(Permission.objects.get(codename="view_user"))
    return person


def discussions_planted(person, other, collaborative) -> None:
    """Discussions (issue 18): a row in every relation of the discussions app to the person. Polls, votes and
    emails that came in are written straight to their tables (their parts' services may not be here yet)."""
    thread = thread_start(collaborative=collaborative, by=person, title=f"Started {MARK}", text=f"Opening {MARK}")
    thread_change(thread=thread, by=person, title=f"Changed {MARK}", text=f"Opening {MARK}")
    comment = comment_add(thread=thread, author=person, text=f"Said {MARK}")
    comment_edit(comment=comment, by=person, text=f"Said better {MARK}")
    theirs = comment_add(thread=thread, author=other, text="Rude")
    comment_hide(comment=theirs, by=person, reason=f"Ground rules {MARK}")
    thread_close(thread=thread, by=person, outcome=f"Outcome {MARK}")
    AllRead.objects.create(user=person, collaborative=collaborative)
    now = timezone.now()
    poll = Poll.objects.create(
        collaborative=collaborative,
        type=Poll.Type.ONE,
        question=f"Poll {MARK}",
        opened_by=person,
        closes_at=now + timedelta(days=3),
        outcome=f"Poll outcome {MARK}",
        outcome_by=person,
    )
    option = PollOption.objects.create(poll=poll, text="Saturday")
    vote = Vote.objects.create(poll=poll, user=person, reason=f"Vote {MARK}")
    VoteChoice.objects.create(vote=vote, option=option)
    InboundEmail.objects.create(
        message_id_hash="0" * 64,
        sender=f"person{MARK.lower()}@example.org",
        user=person,
        thread=thread,
        result=InboundEmail.Result.REFUSED,
        reason="The discussion is closed.",
    )


# What an ask needs besides its title.
ASK_FIELDS = {
    "request": "Open the crisis cafe at weekends.",
    "organisation": "South London and Maudsley NHS Trust",
    "responder_name": "Alex Morgan",
    "responder_email": "alex.morgan@nhs.example.org",
}


# For each relation: does the person still have rows there after erasure, and how to find them.
AFTER_ERASURE = {
    "account.EmailAddress.user": lambda p: EmailAddress.objects.filter(user=p).count() == 0,
    "mfa.Authenticator.user": lambda p: Authenticator.objects.filter(user=p).count() == 0,
    "members.Membership.user": lambda p: (
        set(Membership.objects.filter(user=p).values_list("status", flat=True)) == {Membership.Status.LEFT}
    ),
    "members.MembershipChange.changed_by": lambda p: MembershipChange.objects.filter(changed_by=p).exists(),
    "members.Invitation.invited_by": lambda p: Invitation.objects.filter(invited_by=p).exists(),
    "members.Invitation.accepted_by": lambda p: Invitation.objects.filter(accepted_by=p, message="").exists(),
    "members.Invitation.revoked_by": lambda p: Invitation.objects.filter(revoked_by=p).exists(),
    # The answered request stays without the person; the one waiting for an answer is gone.
    "members.JoinRequest.user": lambda p: (
        list(JoinRequest.objects.filter(user=p).values_list("status", "name", "message"))
        == [(JoinRequest.Status.APPROVED, "Former member", "")]
    ),
    "members.JoinRequest.decided_by": lambda p: JoinRequest.objects.filter(decided_by=p).exists(),
    "members.GroundRules.created_by": lambda p: GroundRules.objects.filter(created_by=p).exists(),
    "notifications.Message.recipient": lambda p: Message.objects.filter(recipient=p, sent_to="").exists(),
    "notifications.Preference.user": lambda p: Preference.objects.filter(user=p).count() == 0,
    "notifications.DigestSchedule.user": lambda p: not DigestSchedule.objects.filter(user=p).exists(),
    "admin.LogEntry.user": lambda p: LogEntry.objects.filter(user=p).exists(),
    "meetings.Rsvp.user": lambda p: (
        set(Rsvp.objects.filter(user=p).values_list("answer", flat=True)) == {Rsvp.Answer.NOT_COMING}
    ),
    "meetings.Meeting.created_by": lambda p: Meeting.objects.filter(created_by=p).exists(),
    "meetings.MeetingSeries.created_by": lambda p: MeetingSeries.objects.filter(created_by=p).exists(),
    # Not yet decided: withdrawn. Decided: as it was.
    "meetings.AgendaItem.proposed_by": lambda p: (
        dict(AgendaItem.objects.filter(proposed_by=p).values_list("title", "status"))
        == {
            f"Item {MARK}": AgendaItem.Status.WITHDRAWN,
            f"accepted {MARK}": AgendaItem.Status.ACCEPTED,
            f"declined {MARK}": AgendaItem.Status.DECLINED,
        }
    ),
    "meetings.AgendaItem.decided_by": lambda p: AgendaItem.objects.filter(decided_by=p).exists(),
    "meetings.AgendaItemChange.changed_by": lambda p: AgendaItemChange.objects.filter(changed_by=p).exists(),
    "meetings.CalendarFeed.user": lambda p: not CalendarFeed.objects.filter(user=p).exists(),
    "meetings.Attendance.user": lambda p: Attendance.objects.filter(user=p).exists(),
    "meetings.Attendance.marked_by": lambda p: Attendance.objects.filter(marked_by=p).exists(),
    "meetings.CheckInRequest.user": lambda p: not CheckInRequest.objects.filter(user=p).exists(),
    "meetings.CheckInRequest.answered_by": lambda p: CheckInRequest.objects.filter(answered_by=p).count() == 1,
    "meetings.Decision.recorded_by": lambda p: Decision.objects.filter(recorded_by=p).exists(),
    "meetings.NotesRevision.edited_by": lambda p: NotesRevision.objects.filter(edited_by=p).exists(),
    "meetings.Meeting.minutes_approved_by": lambda p: Meeting.objects.filter(minutes_approved_by=p).exists(),
    "vision.Contribution.author": lambda p: Contribution.objects.filter(
        author=p, status=Contribution.Status.SHOWN
    ).exists(),
    "vision.Response.user": lambda p: not Response.objects.filter(user=p).exists(),
    "vision.VisionVersion.created_by": lambda p: VisionVersion.objects.filter(created_by=p).exists(),
    "vision.VisionVersion.adopted_by": lambda p: VisionVersion.objects.filter(adopted_by=p).exists(),
    "vision.Goal.created_by": lambda p: Goal.objects.filter(created_by=p).exists(),
    "vision.GoalReview.recorded_by": lambda p: GoalReview.objects.filter(recorded_by=p).exists(),
    "vision.Round.opened_by": lambda p: Round.objects.filter(opened_by=p).exists(),
    "vision.Round.closed_early_by": lambda p: Round.objects.filter(closed_early_by=p).exists(),
    "actions.Action.owner": lambda p: Action.objects.filter(owner=p).exists(),
    "actions.Action.supporters": lambda p: Action.objects.filter(supporters=p).exists(),
    "actions.Action.created_by": lambda p: Action.objects.filter(created_by=p).exists(),
    "actions.ActionChange.changed_by": lambda p: ActionChange.objects.filter(changed_by=p).exists(),
    "actions.ActionUpdate.author": lambda p: ActionUpdate.objects.filter(author=p).exists(),
    "actions.ReviewRound.opened_by": lambda p: ReviewRound.objects.filter(opened_by=p).exists(),
    "actions.ReviewRound.signed_off_by": lambda p: ReviewRound.objects.filter(signed_off_by=p).exists(),
    "actions.ReviewItem.reviewed_by": lambda p: ReviewItem.objects.filter(reviewed_by=p).exists(),
    "payments.PaymentChoice.user": lambda p: not PaymentChoice.objects.filter(user=p).exists(),
    # Their own choices go; the one they recorded for someone else is that person's, and stays.
    "payments.PaymentChoice.made_by": lambda p: (
        list(PaymentChoice.objects.filter(made_by=p).values_list("choice", flat=True)) == [Choice.EXPENSES_ONLY]
    ),
    # Financial records stay six years, under the account's new name.
    "payments.Line.user": lambda p: Line.objects.filter(user=p, description=f"Parking {MARK}").exists(),
    "payments.Line.created_by": lambda p: Line.objects.filter(created_by=p).exists(),
    "payments.LineEvent.by": lambda p: LineEvent.objects.filter(by=p).count() == 2,
    "payments.PaymentSettings.set_by": lambda p: PaymentSettings.objects.filter(set_by=p).exists(),
    "payments.Letter.user": lambda p: not Letter.objects.filter(user=p).exists(),
    "payments.Letter.signed_by": lambda p: not Letter.objects.filter(signed_by=p).exists(),
    # A proposal waiting for the facilitators is withdrawn; the rest is the Collaborative's, and stays.
    "asks.Ask.proposed_by": lambda p: (
        list(Ask.objects.filter(proposed_by=p).values_list("status", flat=True)) == [Ask.Status.WITHDRAWN]
    ),
    "asks.Ask.created_by": lambda p: Ask.objects.filter(created_by=p, status=Ask.Status.WAITING).exists(),
    "asks.Sending.sent_by": lambda p: Sending.objects.filter(sent_by=p).exists(),
    "asks.AskEvidence.added_by": lambda p: AskEvidence.objects.filter(added_by=p).exists(),
    "asks.AskEvent.by": lambda p: AskEvent.objects.filter(by=p).count() >= 3,
    # Asked, and agreed: the agreement is withdrawn, so the name never shows again; the request stays.
    "impact.Credit.user": lambda p: Credit.objects.filter(user=p, declined_at__isnull=False).count() == 1,
    "impact.Publication.created_by": lambda p: Publication.objects.filter(created_by=p).exists(),
    "impact.PublicationEvent.by": lambda p: PublicationEvent.objects.filter(by=p).count() == 2,
    # Discussions (issue 18): what they wrote stays, as a Former member's; what is only about them goes; their
    # vote still counts, linked to no one; an email they sent in is still recorded, without their address.
    "discussions.Thread.started_by": lambda p: Thread.objects.filter(started_by=p).exists(),
    "discussions.Thread.closed_by": lambda p: Thread.objects.filter(closed_by=p).exists(),
    "discussions.ThreadVersion.saved_by": lambda p: ThreadVersion.objects.filter(saved_by=p).exists(),
    "discussions.Comment.author": lambda p: Comment.objects.filter(author=p, text=f"Said better {MARK}").exists(),
    "discussions.Comment.hidden_by": lambda p: Comment.objects.filter(hidden_by=p).exists(),
    "discussions.Following.user": lambda p: not Following.objects.filter(user=p).exists(),
    "discussions.Seen.user": lambda p: not Seen.objects.filter(user=p).exists(),
    "discussions.AllRead.user": lambda p: not AllRead.objects.filter(user=p).exists(),
    "discussions.Poll.opened_by": lambda p: Poll.objects.filter(opened_by=p).exists(),
    "discussions.Poll.outcome_by": lambda p: Poll.objects.filter(outcome_by=p).exists(),
    "discussions.Vote.user": lambda p: (
        not Vote.objects.filter(user=p).exists() and Vote.objects.filter(reason=f"Vote {MARK}").exists()
    ),
    "discussions.InboundEmail.user": lambda p: list(InboundEmail.objects.values_list("user", "sender")) == [(None, "")],
    "members.User.groups": lambda p: p.groups.count() == 0,
    "members.User.user_permissions": lambda p: p.user_permissions.count() == 0,
    # Not a foreign key: the site administration's history names the record it changed.
    "admin.LogEntry.object_id": lambda p: (
        list(
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(User), object_id=str(p.pk)
            ).values_list("object_repr", flat=True)
        )
        == ["Former member"]
    ),
}


def test_the_erasure_check_knows_every_relation():
    assert set(AFTER_ERASURE) == set(relations()) | set(mentions())


def test_the_export_has_a_section_with_the_persons_rows_for_every_relation(planted):
    data = personal_data_export(planted)
    for key, relation in (relations() | mentions()).items():
        assert data[relation.section], f"{key}: the export's {relation.section!r} is empty"
    text = json.dumps(data)
    for planted_value in [
        f"person{MARK.lower()}@example.org",
        f"second{MARK.lower()}@example.org",
        f"About {MARK}",
        f"Needs {MARK}",
        f"Title {MARK}",
        f"Org {MARK}",
        f"Hi {MARK}",
        f"Come {MARK}",
        f"Waiting {MARK}",
        f"Invitee {MARK}",
        f"Please {MARK}",
        f"Still {MARK}",
        f"Rules {MARK}",
        f"Admin {MARK}",
        f"Group {MARK}",
        f"Idea {MARK}",
        f"Vision {MARK}",
        f"Why {MARK}",
        f"Goal {MARK}",
        f"Review {MARK}",
        f"Charity {MARK}",
        f"Parking {MARK}",
        f"Employer {MARK}",
        f"Round {MARK}",
        f"Comment {MARK}",
        f"Action {MARK}",
        f"Supported {MARK}",
        f"Reason {MARK}",
        f"Update {MARK}",
        f"https://example.org/{MARK}",
        f"evidence-{MARK}.pdf",
        f"Board {MARK}",
        f"Checked {MARK}",
        f"Named on {MARK}",
        f"Published {MARK}",
        f"Opening {MARK}",
        f"Said better {MARK}",
        f"Said {MARK}",
        f"Ground rules {MARK}",
        f"Outcome {MARK}",
        f"Poll outcome {MARK}",
        f"Vote {MARK}",
    ]:
        assert planted_value in text, planted_value
    # A two-step secret would let whoever holds the file sign in: it is never exported.
    assert f"SECRET{MARK}" not in text


def test_the_download_keeps_its_sections_in_order(planted):
    """Each app adds its sections (collaborative/personal_data.py): the file reads as it always has."""
    assert list(personal_data_export(planted)) == [
        "about_this_file",
        "downloaded",
        "account",
        "email_addresses",
        "two_step_sign_in",
        "memberships",
        "membership_changes_you_made",
        "invitations_you_sent",
        "invitations_to_you",
        "invitations_you_withdrew",
        "requests_to_join",
        "requests_to_join_you_answered",
        "ground_rules_you_wrote",
        "emails_sent_to_you",
        "email_choices",
        "digest_schedule",
        "site_administration_log",
        "meeting_answers",
        "meetings_you_scheduled",
        "monthly_meetings_you_set_up",
        "agenda_items_you_proposed",
        "agenda_items_you_decided",
        "agenda_changes_you_made",
        "calendar_address",
        "meetings_you_came_to",
        "registers_you_took",
        "decisions_you_recorded",
        "notes_you_wrote",
        "minutes_you_recorded_as_approved",
        "check_ins_you_asked_for",
        "check_ins_you_made",
        "ideas_and_comments_on_the_vision",
        "self_assessment_answers",
        "vision_drafts_you_started",
        "vision_versions_you_adopted",
        "goals_you_added",
        "goal_reviews_you_recorded",
        "self_assessment_rounds_you_opened",
        "self_assessment_rounds_you_closed",
        "actions_you_own",
        "actions_you_support",
        "actions_you_recorded",
        "changes_you_made_to_actions",
        "action_updates_you_wrote",
        "action_reviews_you_started",
        "action_reviews_you_signed_off",
        "actions_you_reviewed",
        "how_you_chose_to_be_paid",
        "payment_choices_you_recorded",
        "payments_and_expenses",
        "payments_you_recorded",
        "payment_steps_you_took",
        "payment_settings_you_set",
        "letters_you_asked_for",
        "letters_you_signed",
        "asks_you_proposed",
        "asks_you_wrote",
        "asks_you_sent",
        "evidence_you_added_to_asks",
        "steps_you_took_on_asks",
        "items_you_were_asked_to_be_named_on",
        "items_you_published",
        "publishing_steps_you_took",
        "discussions_you_started",
        "discussions_you_changed",
        "discussions_you_closed",
        "your_comments_in_discussions",
        "comments_you_hid",
        "discussions_you_follow_or_muted",
        "discussions_you_have_read",
        "marked_all_as_read",
        "polls_you_opened",
        "poll_outcomes_you_wrote",
        "your_votes",
        "emails_you_sent_to_discussions",
        "site_administration_history_about_you",
    ]


def test_erasure_removes_every_planted_value_and_keeps_shared_records(planted, collaborative):
    person_id = planted.pk
    account_erase(user=planted)
    person = User.objects.get(pk=person_id)
    for key, check in AFTER_ERASURE.items():
        assert check(person), key
    assert person.display_name == "Former member"
    assert not person.is_active
    assert not person.has_usable_password()
    # What they chose from lists goes too, and nobody is shown the rest.
    assert (person.perspectives, person.organisation_type, person.access_needs) == ([], "", [])
    assert {person.perspectives_visibility, person.organisation_visibility, person.job_title_visibility} == {
        Visibility.NOBODY
    }
    # The planted mark is gone from every table that held it.
    assert not User.objects.filter(pk=person_id, about__contains=MARK).exists()
    for rows, fields in [
        (
            User.objects,
            ["email", "display_name", "pronouns", "about", "organisation", "job_title", "access_needs_other"],
        ),
        # A message the person wrote when inviting someone else belongs to that invitation, and stays.
        (Invitation.objects.exclude(invited_by=person), ["email", "name", "message"]),
        (JoinRequest.objects, ["name", "email", "message"]),
        (Message.objects, ["to_address", "sent_to"]),
        (EmailAddress.objects, ["email"]),
        # What the person did in the site administration stays theirs; what others did names them no more.
        (LogEntry.objects.exclude(user=person), ["object_repr", "change_message"]),
    ]:
        for field in fields:
            left = rows.filter(**{f"{field}__icontains": MARK})
            assert not left.exists(), (rows.model.__name__, field, list(left.values_list(field, flat=True)))
    # What belongs to the Collaborative stays.
    assert GroundRules.objects.filter(text=f"Rules {MARK}", created_by=person).exists()
    assert Contribution.objects.get(text=f"Idea {MARK}").author.display_name == "Former member"
    # Self-assessment answers in a round still open still count (they were the answers of a
    # member when it opened), linked to no one.
    answer = Answer.objects.select_related("response__round").get(comment=f"Comment {MARK}")
    assert (answer.response.user_id, answer.response.eligible, answer.rating) == (None, True, Rating.STRONG)
    moment = timezone.now()
    closed = Round.objects.filter(pk=answer.response.round_id)
    closed.update(opened_at=moment - timedelta(days=8), closes_at=moment - timedelta(seconds=1))
    assert round_results(round_counted(round=closed.get())).respondents == 1
    # The invitation waiting for them can no longer be used; its queued email is not sent.
    assert not Invitation.objects.filter(status=Invitation.Status.PENDING, email__icontains="erased").exists()
    assert Message.objects.get(recipient=None, kind="invitation").status == Message.Status.SKIPPED


def test_after_erasure_an_actions_story_shows_a_former_member_and_is_unchanged(client, planted, collaborative):
    history = list(ActionChange.objects.order_by("id").values())
    updates = list(ActionUpdate.objects.order_by("id").values())
    reviews = list(ReviewItem.objects.order_by("id").values())
    assert {change["changed_by_id"] for change in history} == {planted.pk}
    account_erase(user=planted)
    # Not one row of the history was changed or deleted (PostgreSQL would refuse it anyway).
    assert list(ActionChange.objects.order_by("id").values()) == history
    assert list(ActionUpdate.objects.order_by("id").values()) == updates
    # A review keeps names as they were when it was done: only the person's own name is replaced.
    for item in reviews:
        assert f"Person {MARK}" in item["snapshot"].values()
        item["snapshot"] = {
            key: "Former member" if value == f"Person {MARK}" else value for key, value in item["snapshot"].items()
        }
    assert list(ReviewItem.objects.order_by("id").values()) == reviews
    assert list(ReviewRound.objects.values_list("signed_off_by_name", flat=True)) == ["Former member"]

    viewer = Membership.objects.filter(collaborative=collaborative).exclude(user=planted).first().user
    client.force_login(viewer)
    action = Action.objects.get(title=f"Action {MARK}")
    page = client.get(action.get_absolute_url()).content.decode()
    assert f"Person {MARK}" not in page
    story = page[page.index('id="history-heading"') :]
    assert story.count("Former member") == 4  # Recorded it, changed its status and the reason, wrote an update.
    assert "Recorded the action." in story
    assert f"Update {MARK}" in story
    assert "Owner</dt><dd>Former member</dd>" in page


def test_the_download_is_a_json_file_of_the_persons_own_data(client, planted):
    client.force_login(planted)
    response = client.get(reverse("members:my_data_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-living-well-')
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["account"]["email"] == planted.email
    assert data["account"]["access_needs_in_your_words"] == f"Needs {MARK}"


def test_someone_elses_download_has_nothing_of_the_person(client, planted, collaborative):
    other = Membership.objects.filter(collaborative=collaborative).exclude(user=planted).first().user
    client.force_login(other)
    response = client.get(reverse("members:my_data_download"))
    assert MARK not in response.content.decode().replace(f"Person {MARK}", "")


def sign_in(client, user) -> None:
    """Sign in for real (no two-step app), so that allauth keeps its record of how."""
    Authenticator.objects.filter(user=user).delete()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content


def test_deleting_asks_for_the_password_again_then_deletes_and_signs_out(client, planted, collaborative):
    sign_in(client, planted)
    url = reverse("members:account_delete")
    assert client.get(url).status_code == 200
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert User.objects.get(pk=planted.pk).is_active, "Nothing changes before the password is given."

    wrong = client.post(response["Location"], {"password": "not-the-password"})
    assert wrong.status_code == 200
    assert User.objects.get(pk=planted.pk).is_active

    done = client.post(response["Location"], {"password": PASSWORD})
    assert done.status_code == 200
    assert "Your account has been deleted" in done.content.decode()
    person = User.objects.get(pk=planted.pk)
    assert person.display_name == "Former member"
    # Signed out: the next page asks them to sign in, and the old password no longer works.
    home = client.get(collaborative.get_absolute_url())
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("account_login"))
    assert not client.login(username=f"person{MARK.lower()}@example.org", password=PASSWORD)


def test_deleting_without_ticking_the_box_explains_and_changes_nothing(client, planted):
    sign_in(client, planted)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("members:account_delete"), {})
    assert response.status_code == 400
    assert "Tick the box to say you understand" in response.content.decode()
    assert User.objects.get(pk=planted.pk).is_active


def test_the_only_facilitator_cannot_delete_their_account_until_someone_else_facilitates(client, collaborative):
    sole = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR).user
    sign_in(client, sole)
    page = client.get(reverse("members:account_delete"))
    assert "You are the only facilitator of Lambeth Living Well Collaborative" in page.content.decode()
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("members:account_delete"), {"confirm": "on"})
    assert User.objects.get(pk=sole.pk).is_active
    with pytest.raises(Exception, match="only facilitator"):
        account_erase(user=sole)


def test_an_erased_person_is_a_former_member_in_history_and_gone_from_the_directory(client, planted, collaborative):
    viewer = Membership.objects.filter(collaborative=collaborative).exclude(user=planted).first().user
    account_erase(user=planted)
    client.force_login(viewer)
    directory = client.get(reverse("members:directory", kwargs={"slug": collaborative.slug})).content.decode()
    assert MARK not in directory
    assert "Former member" not in directory
    assert (
        client.get(reverse("members:member_detail", kwargs={"slug": collaborative.slug, "pk": planted.pk})).status_code
        == 404
    )


def emailed_code(mailoutbox) -> str:
    (code,) = re.findall(r"Your code is: (\d{6})", mailoutbox[-1].body)
    return code


def test_someone_without_a_password_confirms_with_a_code_by_email(client, planted, mailoutbox):
    sign_in(client, planted)
    confirm = client.post(reverse("members:account_delete"), {"confirm": "on"})["Location"]
    page = client.get(confirm).content.decode()
    assert "Email me a code" in page
    by_email = re.search(r'href="(/profile/confirm-by-email/[^"]*)"', page).group(1).replace("&amp;", "&")
    client.post(by_email, {"send": "1"})
    assert mailoutbox[-1].to == [planted.email]
    code = emailed_code(mailoutbox)

    wrong = client.post(by_email, {"code": "000000" if code != "000000" else "111111"})
    assert "That is not the code we sent" in wrong.content.decode()
    assert User.objects.get(pk=planted.pk).is_active

    done = client.post(by_email, {"code": f" {code[:3]} {code[3:]} "})  # Spaces as people type them.
    assert "Your account has been deleted" in done.content.decode()
    assert User.objects.get(pk=planted.pk).display_name == "Former member"


def test_a_code_works_three_tries_and_ten_minutes(client, planted, mailoutbox):
    sign_in(client, planted)
    url = reverse("members:reauthenticate_by_email")
    client.post(url, {"send": "1"})
    code = emailed_code(mailoutbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        client.post(url, {"code": wrong})
    refused = client.post(url, {"code": code})
    assert "Too many wrong codes" in refused.content.decode()

    client.post(url, {"send": "1"})
    session = client.session
    session["members_reauthentication_code"]["at"] -= 601
    session.save()
    late = client.post(url, {"code": emailed_code(mailoutbox)})
    assert "That code has run out" in late.content.decode()
    # Neither counted as confirming: deleting still asks.
    response = client.post(reverse("members:account_delete"), {"confirm": "on"})
    assert response.status_code == 302
    assert User.objects.get(pk=planted.pk).is_active


# The site administration's history


def test_erasure_cleans_the_admin_history_about_the_person(collaborative):
    admin = UserFactory(is_staff=True, is_superuser=True, display_name="Site Admin")
    person = MembershipFactory(
        collaborative=collaborative, user__display_name="Zoë Ünal", user__email="zoe@example.org"
    ).user
    MembershipFactory(collaborative=collaborative)  # Not the only member: the Collaborative stays as it is.
    home = EmailAddress.objects.create(user=person, email="zoe.home@example.org", verified=True)
    membership = Membership.objects.get(user=person)
    someone_else = MembershipFactory(collaborative=collaborative, user__display_name="Zoë Ünalova").user

    def log(obj, object_repr: str, change_message: str) -> LogEntry:
        return LogEntry.objects.create(
            user=admin,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=object_repr,
            action_flag=CHANGE,
            change_message=change_message,
        )

    # As the site administration writes them: JSON with \u escapes, under the name of the day.
    about_account = log(person, "Zoe Old Name", json.dumps([{"changed": {"fields": ["Name to show"]}}]))
    about_membership = log(membership, str(membership), "[]")
    about_address = log(home, "zoe.home@example.org", json.dumps([{"changed": {"fields": ["Verified"]}}]))
    joined = [{"added": {"name": "membership", "object": str(m)}} for m in collaborative.memberships.all()]
    about_collaborative = log(collaborative, collaborative.name, json.dumps(joined))
    # Before Django wrote JSON, change messages were plain text.
    old_style = log(someone_else, "Zoë Ünalova", "Told Zoë Ünal (zoe@example.org) and ZOE.HOME@example.org.")

    def who_did_what_when() -> list[dict]:
        return list(LogEntry.objects.order_by("pk").values("pk", "user_id", "action_time", "action_flag", "object_id"))

    before = who_did_what_when()
    history = personal_data_export(person)["site_administration_history_about_you"]
    assert [entry["what"] for entry in history] == [
        "Changed “Zoe Old Name” — Changed Name to show.",
        "Changed “Zoë Ünal in Lambeth Living Well Collaborative (Member)” — No fields changed.",
        "Changed “zoe.home@example.org” — Changed Verified.",
    ]

    account_erase(user=person)

    # Every entry stays, saying who did what, when, to which record.
    assert who_did_what_when() == before
    entries = {entry.pk: entry for entry in LogEntry.objects.all()}
    assert entries[about_account.pk].object_repr == "Former member"
    assert entries[about_account.pk].get_change_message() == "Changed Name to show."
    assert entries[about_membership.pk].object_repr == "Former member in Lambeth Living Well Collaborative (Member)"
    assert entries[about_address.pk].object_repr == f"former-member-{person.pk}@erased.invalid"
    added = [item["added"]["object"] for item in json.loads(entries[about_collaborative.pk].change_message)]
    assert "Former member in Lambeth Living Well Collaborative (Member)" in added
    assert "Zoë Ünalova in Lambeth Living Well Collaborative (Member)" in added  # Someone else, named alike.
    assert entries[old_style.pk].object_repr == "Zoë Ünalova"
    # An entry about someone else: the person's addresses go from it, but not a name, which may be
    # anyone's (see test_erasure_leaves_other_peoples_admin_history_under_their_own_names).
    assert entries[old_style.pk].change_message == (
        f"Told Zoë Ünal (former-member-{person.pk}@erased.invalid) and former-member-{person.pk}@erased.invalid."
    )
    for entry in entries.values():
        text = f"{entry.object_repr} {entry.get_change_message()}"
        assert not re.search(r"zoe(\.home)?@example", text, re.IGNORECASE), text
        if entry.pk != old_style.pk:
            assert not re.search(r"Zoë Ünal(?!ova)|Zoe Old", text, re.IGNORECASE), text


def test_erasure_leaves_other_peoples_admin_history_under_their_own_names(collaborative):
    admin = UserFactory(is_staff=True, is_superuser=True, display_name="Site Admin")
    person = MembershipFactory(
        collaborative=collaborative, user__display_name="Sam", user__email="sam@example.org"
    ).user
    namesake = MembershipFactory(collaborative=collaborative, user__display_name="Sam Okafor").user
    team = Group.objects.create(name="Sam's team")

    def log(obj, object_repr: str, change_message: str) -> LogEntry:
        return LogEntry.objects.create(
            user=admin,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=object_repr,
            action_flag=CHANGE,
            change_message=change_message,
        )

    about_person = log(person, "Sam", json.dumps([{"changed": {"fields": ["Name to show"]}}]))
    about_namesake = log(namesake, "Sam Okafor", "Was Sam O; wrote to sam@example.org and SAM@example.org.")
    about_team = log(team, "Sam's team", json.dumps([{"changed": {"fields": ["Name"]}}]))
    joined = [{"added": {"name": "membership", "object": str(m)}} for m in collaborative.memberships.all()]
    about_collaborative = log(collaborative, collaborative.name, json.dumps(joined))

    account_erase(user=person)

    entries = {entry.pk: entry for entry in LogEntry.objects.all()}
    assert entries[about_person.pk].object_repr == "Former member"
    # Entries about other records keep other people's names, whole or in part; the person's
    # own address goes from every entry.
    assert entries[about_namesake.pk].object_repr == "Sam Okafor"
    erased = f"former-member-{person.pk}@erased.invalid"
    assert entries[about_namesake.pk].change_message == f"Was Sam O; wrote to {erased} and {erased}."
    assert entries[about_team.pk].object_repr == "Sam's team"
    added = [item["added"]["object"] for item in json.loads(entries[about_collaborative.pk].change_message)]
    assert "Sam Okafor in Lambeth Living Well Collaborative (Member)" in added
    assert "Former member in Lambeth Living Well Collaborative (Member)" in added
    assert "Sam in Lambeth Living Well Collaborative (Member)" not in added


def test_the_delete_page_lists_the_admin_history(client, planted):
    sign_in(client, planted)
    page = client.get(reverse("members:account_delete")).content.decode()
    assert "Site administration history about you" in page
    assert "without your name or addresses" in page


def test_the_delete_page_says_plainly_that_payment_records_are_kept(client, planted):
    sign_in(client, planted)
    page = client.get(reverse("members:account_delete")).content.decode()
    said = (
        "Records of payments and expenses are kept for six years, as the law requires (HMRC), "
        "under the name Former member."
    )
    assert said in page
    assert page.index(said) < page.index("<details>"), "Said on the page, not only in the details."


def test_the_download_lists_the_payment_choices_recorded_for_others_apart(planted):
    data = personal_data_export(planted)
    assert [row["choice"] for row in data["how_you_chose_to_be_paid"]] == ["Paid to a charity instead"]
    assert [row["choice"] for row in data["payment_choices_you_recorded"]] == ["Expenses only, no payment for my time"]


# Deleting an account while another facilitator leaves


def test_leaving_a_change_of_role_and_erasure_keep_a_facilitator_by_one_rule(collaborative, monkeypatch):
    """Each change that could leave a Collaborative without a facilitator asks the same rule
    (here made to say no), and refuses in its own words."""
    facilitator = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR)
    MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR)
    monkeypatch.setattr(services, "sole_facilitator_of", lambda memberships: [collaborative.name])

    with pytest.raises(ValidationError, match="Make someone else a facilitator before you leave"):
        membership_leave(membership=facilitator)
    with pytest.raises(ValidationError, match="A Collaborative needs at least one facilitator"):
        membership_change_role(membership=facilitator, role=Membership.Role.MEMBER, by=facilitator.user)
    with pytest.raises(ValidationError, match="This is the Collaborative's only facilitator"):
        membership_deactivate(membership=facilitator, by=facilitator.user)
    with pytest.raises(ValidationError, match="You are the only facilitator of Lambeth Living Well Collaborative"):
        account_erase(user=facilitator.user)
    assert only_facilitator_of(facilitator.user) == [collaborative.name]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["erasure", "leaving"])
def test_erasure_and_leaving_at_once_keep_a_facilitator(collaborative, first):
    """The only two facilitators: one deletes their account as the other leaves.

    The first holds its transaction open until the second is waiting for a lock (or has
    finished, as it did before erasure took the lock), so the two overlap every time.
    """
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL: SQLite runs one writing transaction at a time, so there is no race to test. "
            "Set DATABASE_URL (see README, Tests)."
        )
    erasing = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR)
    leaving = MembershipFactory(collaborative=collaborative, role=Membership.Role.FACILITATOR)
    changes = {
        "erasure": lambda: account_erase(user=User.objects.get(pk=erasing.user_id)),
        "leaving": lambda: membership_leave(membership=Membership.objects.get(pk=leaving.pk)),
    }
    second = "leaving" if first == "erasure" else "erasure"
    holding, second_done = threading.Event(), threading.Event()
    second_pid, outcomes = [], {}

    def waits_for_a_lock(pid: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
        return bool(row) and row[0] == "Lock"

    def run(name: str) -> None:
        try:
            if name == second:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    second_pid.append(cursor.fetchone()[0])
                assert holding.wait(timeout=10)
            with transaction.atomic():
                changes[name]()
                outcomes[name] = "done"
                if name == first:
                    holding.set()
                    deadline = time.monotonic() + 10
                    while not second_done.is_set() and time.monotonic() < deadline:
                        if second_pid and waits_for_a_lock(second_pid[0]):
                            break
                        time.sleep(0.01)
        except ValidationError as error:
            outcomes[name] = error.messages[0]
        finally:
            if name == second:
                second_done.set()
            connection.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes[first] == "done"
    assert "only facilitator" in outcomes[second], outcomes
    facilitators = Membership.objects.current_in(collaborative).filter(role=Membership.Role.FACILITATOR)
    assert facilitators.count() == 1
