"""Every access rule of the application, in one place.

Each function takes the user and what the URL names, and returns what the view may use
or raises. Outsiders get the same 404 as for something that does not exist, so that no
one can learn which Collaboratives (or which of their records) exist. Members who lack
the role a page needs get 403. Anonymous users never reach these functions: the login
requirement is enforced for every view by LoginRequiredMiddleware.
"""

from allauth.account.authentication import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from actions.models import Action, ActionUpdate, ReviewItem, ReviewRound
from asks.links import responder_link_check
from asks.models import Ask, AskEvidence, ResponderLink
from discussions.links import BadReplyAddress, reply_address_check
from discussions.models import Comment, Poll, Thread
from impact.models import Credit, Publication
from meetings.links import rsvp_check
from meetings.models import AgendaItem, CalendarFeed, CheckInRequest, Decision, Meeting, Venue
from members.links import invitation_check
from members.models import Collaborative, Invitation, JoinRequest, Membership, User, Visibility
from notifications.kinds import Kind, UnknownKind, kind_named
from notifications.links import unsubscribe_check
from notifications.models import Message
from payments.models import Letter, Line
from vision.models import Contribution, Goal, Round, RoundStatement, Statement, VisionVersion


def membership_for(user, collaborative_slug: str) -> Membership:
    """The user's active membership of the Collaborative, or 404 for anyone else."""
    # All of the person's memberships in one query (a handful): the header's list of their
    # Collaboratives (members.context_processors.navigation) is the same rows.
    membership = next((m for m in memberships_of(user) if m.collaborative.slug == collaborative_slug), None)
    if membership is None:
        raise Http404("No Collaborative here.")
    # What only facilitators and commissioners see needs this session's second step too.
    membership.two_step_ready = membership.needs_two_step and two_step_ready(user)
    return membership


def memberships_of(user) -> list[Membership]:
    """The person's active memberships, with their Collaboratives, read once a request (kept on `user`)."""
    if getattr(user, "_active_memberships", None) is None:
        user._active_memberships = list(Membership.objects.for_user(user))
    return user._active_memberships


class TwoFactorRequired(Exception):
    """The role allows the page, but the person has not set up two-step sign-in yet.

    collaborative.middleware.TwoFactorMiddleware sends them to set it up, then back.
    """


class TwoStepCodeRequired(TwoFactorRequired):
    """The person has two-step sign-in, but this session has not passed its code step.

    For example a session signed in with the password alone before they set up their app
    elsewhere. collaborative.middleware.TwoFactorMiddleware asks for the code, then goes back.
    """


def two_step_note(request) -> None:
    """Note on the signed-in person whether this session has passed the code step of two-step sign-in.

    allauth records each step of signing in in the session (a password, an emailed code, a
    code from the app); only a code from the app, a recovery code, or setting up the app in
    this session counts. Two-step sign-in is a property of the session, not only of the
    account: collaborative.middleware.TwoFactorMiddleware calls this on every request.
    """
    user = request.user
    if user.is_authenticated:
        user.two_step_session = any(
            record.get("method") == "mfa" for record in get_authentication_records(request, user)
        )


def two_step_app(user) -> bool:
    """Whether the person has set up an authenticator app (asked once a request, once it is yes)."""
    if not getattr(user, "_two_step_app", False):
        user._two_step_app = is_mfa_enabled(user, [Authenticator.Type.TOTP])
    return user._two_step_app


def two_step_ready(user) -> bool:
    """Whether this person, in this session, may use what only facilitators, commissioners and
    site administrators use: an authenticator app set up, and its code given in this session."""
    return getattr(user, "two_step_session", False) and two_step_app(user)


def require_two_factor(user) -> None:
    """Facilitators and commissioners can change or see things for everyone, so their
    accounts need a second step at sign-in (a code from an authenticator app), and so does
    each session in which they use that role."""
    if not two_step_app(user):
        raise TwoFactorRequired
    if not two_step_ready(user):
        raise TwoStepCodeRequired


def facilitates(membership: Membership) -> bool:
    """Whether the viewer sees and does here what only facilitators do: the role, and this
    session has passed two-step sign-in. A facilitator whose session has not sees every page
    as a member does (with a way to give the code), never the facilitators' parts of it."""
    return membership.is_facilitator and getattr(membership, "two_step_ready", False)


def oversees(membership: Membership) -> bool:
    """Whether the viewer sees the overview of the action log: commissioners and facilitators,
    with two-step sign-in in this session."""
    return (membership.is_facilitator or membership.is_commissioner) and getattr(membership, "two_step_ready", False)


def agenda_items_seen(membership: Membership, items=None):
    """The agenda items (of `items`, or all) the viewer may see: the published agenda and their own
    proposals; facilitators, with this session's two-step sign-in, every one (drafts and declined too)."""
    items = AgendaItem.objects.all() if items is None else items
    return items if facilitates(membership) else items.published_or_proposed_by(membership.user)


def decisions_seen(membership: Membership, decisions=None):
    """The decisions (of `decisions`, or all) the viewer may see: those in published notes, not withdrawn;
    facilitators, with this session's two-step sign-in, drafts and withdrawn ones too."""
    decisions = Decision.objects.all() if decisions is None else decisions
    return decisions if facilitates(membership) else decisions.published()


def facilitator_membership_for(user, collaborative_slug: str) -> Membership:
    """A facilitator's membership; 403 for members with another role; two-step sign-in first."""
    membership = membership_for(user, collaborative_slug)
    if not membership.is_facilitator:
        raise PermissionDenied("Only facilitators can do this.")
    require_two_factor(user)
    return membership


def commissioner_membership_for(user, collaborative_slug: str) -> Membership:
    """A commissioner's membership; 403 for members with another role; two-step sign-in first."""
    membership = membership_for(user, collaborative_slug)
    if not membership.is_commissioner:
        raise PermissionDenied("Only commissioners can do this.")
    require_two_factor(user)
    return membership


def member_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, Membership]:
    """(the viewer's membership, the member's) when both belong to the Collaborative; else 404."""
    viewer = membership_for(user, collaborative_slug)
    member = Membership.objects.current_in(viewer.collaborative).filter(user_id=pk).first()
    if member is None:
        raise Http404("No member here.")
    return viewer, member


def profile_fields_for(viewer: Membership, member: Membership) -> set[str]:
    """Which parts of a member's profile the viewer may see.

    The member chooses, for perspectives, organisation and job title, whether members of
    their Collaboratives, only facilitators, or nobody sees them; access needs are seen
    only by the member and facilitators. Name, pronouns and "about me" are for members.
    """
    person = member.user
    if viewer.user_id == person.pk:
        return {"perspectives", "organisation", "job_title", "access_needs"}
    facilitator = facilitates(viewer)  # With this session's two-step sign-in.
    allowed = _visibilities_seen(viewer)
    fields = {
        field
        for field, visibility in [
            ("perspectives", person.perspectives_visibility),
            ("organisation", person.organisation_visibility),
            ("job_title", person.job_title_visibility),
        ]
        if visibility in allowed
    }
    if facilitator:
        fields.add("access_needs")
    return fields


def profile_field_shown(viewer: Membership, field: str) -> Q:
    """profile_fields_for as a condition on Membership rows, for counting in the database: whether
    the viewer sees the member's "perspectives", "organisation" or "job_title" (the same rules)."""
    return Q(user_id=viewer.user_id) | Q(**{f"user__{field}_visibility__in": _visibilities_seen(viewer)})


def profile_view_of(viewer: Membership, person: User, fields: tuple[str, ...]) -> str:
    """Who the viewer is, as far as what they see of members' `fields` goes, for a cached part of a page
    that shows or counts them (collaborative.freshness): "facilitators" or "members" by what they may see
    of others; and, when they share one of their own fields with fewer people than that (they always see
    their own), their id too, for then what they see is theirs alone. `person` is the viewer's account
    (request.user)."""
    seen = _visibilities_seen(viewer)
    view = "facilitators" if Visibility.FACILITATORS in seen else "members"
    if any(getattr(person, f"{field}_visibility") not in seen for field in fields):
        view = f"{view}:{person.pk}"
    return view


def _visibilities_seen(viewer: Membership) -> set[str]:
    """The settings of "who sees this" under which the viewer sees another member's field: "members";
    "facilitators" too for a facilitator with this session's two-step sign-in."""
    return {Visibility.MEMBERS, Visibility.FACILITATORS} if facilitates(viewer) else {Visibility.MEMBERS}


class LinkNotValid(Exception):
    """A signed link from an email was changed, has expired, or names something gone."""


def unsubscribe_for(token: str) -> tuple[User, Kind]:
    """The person and kind of email an unsubscribe link is for: the link is the permission."""
    signed = unsubscribe_check(token)
    if signed is None:
        raise LinkNotValid
    user_id, key = signed
    try:
        kind = kind_named(key)
    except UnknownKind as error:
        raise LinkNotValid from error
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or kind.to_address:
        raise LinkNotValid
    return user, kind


def message_to(user, pk: int) -> Message:
    """One of the emails sent (or meant) to the person, to read again: only ever their own. Everyone
    else, facilitators of its Collaborative too, gets the same 404 as for an email that does not exist."""
    return get_object_or_404(Message.objects.for_recipient(user).select_related("collaborative"), pk=pk)


def public_collaborative_for(collaborative_slug: str) -> Collaborative:
    """A Collaborative that chose to have a public page; 404 for any other, as if it did not exist."""
    return get_object_or_404(Collaborative, slug=collaborative_slug, is_public=True)


def invitation_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, Invitation]:
    """(a facilitator's membership, one of the Collaborative's invitations)."""
    membership = facilitator_membership_for(user, collaborative_slug)
    return membership, get_object_or_404(Invitation, pk=pk, collaborative=membership.collaborative)


def invitation_from_link(token: str) -> Invitation:
    """The invitation a link from an email is for: the link is the permission to see it."""
    pk = invitation_check(token)
    if pk is None:
        raise LinkNotValid
    invitation = Invitation.objects.select_related("collaborative", "invited_by").filter(pk=pk).first()
    if invitation is None:
        raise LinkNotValid
    return invitation


def join_request_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, JoinRequest]:
    """(a facilitator's membership, one of the Collaborative's requests to join)."""
    membership = facilitator_membership_for(user, collaborative_slug)
    return membership, get_object_or_404(JoinRequest, pk=pk, collaborative=membership.collaborative)


def membership_to_manage(user, collaborative_slug: str, pk: int) -> tuple[Membership, Membership]:
    """(a facilitator's membership, the membership of person `pk` in the same Collaborative, current or not)."""
    membership = facilitator_membership_for(user, collaborative_slug)
    member = get_object_or_404(
        Membership.objects.select_related("user"), user_id=pk, collaborative=membership.collaborative
    )
    return membership, member


def meeting_for(user, collaborative_slug: str, pk: int, *, manage: bool = False) -> tuple[Membership, Meeting]:
    """(the viewer's membership, one of the Collaborative's meetings); `manage` is for facilitators."""
    membership = (
        facilitator_membership_for(user, collaborative_slug) if manage else membership_for(user, collaborative_slug)
    )
    meeting = get_object_or_404(
        Meeting.objects.select_related("collaborative", "venue"), pk=pk, collaborative=membership.collaborative
    )
    return membership, meeting


def check_in_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, CheckInRequest]:
    """(a facilitator's membership, a request for a check-in after one of the Collaborative's meetings): only
    the person who asked and the facilitators ever see one, and only facilitators answer it."""
    membership = facilitator_membership_for(user, collaborative_slug)
    check_in = get_object_or_404(
        CheckInRequest.objects.select_related("user", "meeting"), pk=pk, meeting__collaborative=membership.collaborative
    )
    return membership, check_in


def venue_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, Venue]:
    """(a facilitator's membership, one of the Collaborative's venues)."""
    membership = facilitator_membership_for(user, collaborative_slug)
    return membership, get_object_or_404(Venue, pk=pk, collaborative=membership.collaborative)


def agenda_item_for(
    user, collaborative_slug: str, meeting_pk: int, pk: int, *, manage: bool = False
) -> tuple[Membership, AgendaItem]:
    """(the viewer's membership, an agenda item of one of the Collaborative's meetings)."""
    membership, meeting = meeting_for(user, collaborative_slug, meeting_pk, manage=manage)
    return membership, get_object_or_404(AgendaItem.objects.select_related("meeting"), pk=pk, meeting=meeting)


def calendar_feed_for(token: str) -> CalendarFeed:
    """The calendar a secret address is for: the address is the permission; 404 for any other."""
    return get_object_or_404(CalendarFeed.objects.select_related("user"), token=token, user__is_active=True)


def rsvp_link_for(token: str) -> tuple[Meeting, User, str]:
    """(meeting, person, answer) that a one-click link in an email is for: the link is the permission."""
    signed = rsvp_check(token)
    if signed is None:
        raise LinkNotValid
    meeting_id, user_id, answer = signed
    user = User.objects.filter(pk=user_id, is_active=True).first()
    meeting = Meeting.objects.select_related("collaborative", "venue").filter(pk=meeting_id).first()
    if user is None or meeting is None:
        raise LinkNotValid
    if not Membership.objects.current_in(meeting.collaborative).filter(user=user).exists():
        raise LinkNotValid
    return meeting, user, answer


def _membership(user, collaborative_slug: str, manage: bool) -> Membership:
    if manage:
        return facilitator_membership_for(user, collaborative_slug)
    return membership_for(user, collaborative_slug)


def version_for(
    user, collaborative_slug: str, number: int, *, manage: bool = False
) -> tuple[Membership, VisionVersion]:
    """(the viewer's membership, a version of the Collaborative's vision); `manage` is for facilitators."""
    membership = _membership(user, collaborative_slug, manage)
    version = get_object_or_404(
        VisionVersion.objects.select_related("collaborative"), collaborative=membership.collaborative, number=number
    )
    return membership, version


def contribution_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, Contribution]:
    """(the viewer's membership, an idea or comment on one of the Collaborative's drafts)."""
    membership = membership_for(user, collaborative_slug)
    contribution = get_object_or_404(
        Contribution.objects.select_related("version__collaborative"),
        pk=pk,
        version__collaborative=membership.collaborative,
    )
    return membership, contribution


def goal_for(user, collaborative_slug: str, pk: int, *, manage: bool = False) -> tuple[Membership, Goal]:
    """(the viewer's membership, one of the Collaborative's goals); `manage` is for facilitators."""
    membership = _membership(user, collaborative_slug, manage)
    goal = get_object_or_404(
        Goal.objects.select_related("collaborative"), pk=pk, collaborative=membership.collaborative
    )
    return membership, goal


def statement_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, Statement]:
    """(a facilitator's membership, one of the statements in the Collaborative's framework)."""
    membership = facilitator_membership_for(user, collaborative_slug)
    statement = get_object_or_404(
        Statement.objects.select_related("key_role"), pk=pk, key_role__collaborative=membership.collaborative
    )
    return membership, statement


def round_for(
    user, collaborative_slug: str, pk: int, *, manage: bool = False, kept: bool = True
) -> tuple[Membership, Round]:
    """(the viewer's membership, one of the Collaborative's self-assessment rounds).

    Every member answers and sees the results; only facilitators change dates or close a
    round. No one, facilitators included, is ever given another person's answers: see
    vision/results.py. `kept=False` leaves the figures kept when it was counted (tens of
    kilobytes) to be read only if they are used, for a page that holds them ready-made.
    """
    membership = _membership(user, collaborative_slug, manage)
    rounds = Round.objects.all() if kept else Round.objects.defer("results")
    round = get_object_or_404(rounds, pk=pk, collaborative=membership.collaborative)
    round.collaborative = membership.collaborative  # Read already, with the membership.
    return membership, round


def round_statement_for(
    user, collaborative_slug: str, round_pk: int, pk: int
) -> tuple[Membership, Round, RoundStatement]:
    """(the viewer's membership, a round, one of its statements): for every member, like the round."""
    membership, round = round_for(user, collaborative_slug, round_pk)
    statement = get_object_or_404(RoundStatement.objects.select_related("key_role"), pk=pk, round=round)
    return membership, round, statement


def overseer_membership_for(user, collaborative_slug: str) -> Membership:
    """Commissioners and facilitators, for the overview of the action log; 403 for members."""
    membership = membership_for(user, collaborative_slug)
    if not (membership.is_commissioner or membership.is_facilitator):
        raise PermissionDenied("Only commissioners and facilitators can see this.")
    require_two_factor(user)
    return membership


def action_rights(membership: Membership, action: Action, *, supporter: bool | None = None) -> dict[str, bool]:
    """What the viewer may do with an action, for the page's buttons (the views enforce it with action_for).

    The owner and facilitators change it; they and the supporters add updates. `supporter`: whether the
    viewer supports it, when that is known already.
    """
    owner = action.owner_id == membership.user_id
    if supporter is None:
        # The supporters the page has read already, if it has (an action has a handful).
        supporter = any(person.pk == membership.user_id for person in action.supporters.all())
    return {
        "change": owner or membership.is_facilitator,
        "update": owner or supporter or membership.is_facilitator,
    }


def action_for(user, collaborative_slug: str, pk: int, *, to: str = "see") -> tuple[Membership, Action]:
    """(the viewer's membership, one of the Collaborative's actions) for `to` = "see", "change" or "update"."""
    membership = membership_for(user, collaborative_slug)
    action = get_object_or_404(
        Action.objects.select_related("collaborative", "owner"), pk=pk, collaborative=membership.collaborative
    )
    if to != "see":
        if not action_rights(membership, action)[to]:
            if to == "change":
                raise PermissionDenied("Only the action's owner and facilitators can change it.")
            raise PermissionDenied("Only the action's owner, its supporters and facilitators can add updates.")
        # Facilitators act on other people's actions: that needs their second sign-in step.
        if membership.is_facilitator and action.owner_id != user.pk:
            require_two_factor(user)
    return membership, action


def evidence_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, ActionUpdate]:
    """(the viewer's membership, an update with a file): evidence is for the Collaborative's members only."""
    membership = membership_for(user, collaborative_slug)
    update = get_object_or_404(
        ActionUpdate.objects.select_related("action"), pk=pk, action__collaborative=membership.collaborative
    )
    if not update.file:
        raise Http404("No file here.")
    return membership, update


def review_round_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, ReviewRound]:
    """(a commissioner's membership, one of the Collaborative's review rounds)."""
    membership = commissioner_membership_for(user, collaborative_slug)
    review = get_object_or_404(
        ReviewRound.objects.select_related("collaborative"), pk=pk, collaborative=membership.collaborative
    )
    return membership, review


def review_item_for(user, collaborative_slug: str, round_pk: int, pk: int) -> tuple[Membership, ReviewItem]:
    """(a commissioner's membership, an action in one of the Collaborative's review rounds)."""
    membership, review = review_round_for(user, collaborative_slug, round_pk)
    item = get_object_or_404(ReviewItem.objects.select_related("round", "action"), pk=pk, round=review)
    return membership, item


# Payments: a person's lines, choice and letters are theirs, the payments contact's and (for their own
# Collaborative) the facilitators'. Commissioners see totals only, never a person. Anyone else gets the
# same 404 as for a line that does not exist, so no one learns who is paid.


def handles_payments(membership: Membership) -> bool:
    """Whether the viewer acts as the payments contact here: the responsibility, and this session's
    two-step sign-in."""
    return membership.handles_payments and getattr(membership, "two_step_ready", False)


def sees_everyones_payments(membership: Membership) -> bool:
    """The payments contact and facilitators, with this session's two-step sign-in."""
    return handles_payments(membership) or facilitates(membership)


def payments_contact_for(user, collaborative_slug: str) -> Membership:
    """The payments contact's membership (approving, refusing, paying, exporting); 403 for other
    members; two-step sign-in first."""
    membership = membership_for(user, collaborative_slug)
    if not membership.handles_payments:
        raise PermissionDenied("Only the payments contact can do this.")
    require_two_factor(user)
    return membership


def payments_overseer_for(user, collaborative_slug: str) -> Membership:
    """Who sees everyone's payments: the payments contact and facilitators; 403 for other members."""
    membership = membership_for(user, collaborative_slug)
    if not (membership.handles_payments or membership.is_facilitator):
        raise PermissionDenied("Only the payments contact and facilitators can see this.")
    require_two_factor(user)
    return membership


def payment_totals_for(user, collaborative_slug: str) -> Membership:
    """Who sees the totals (never a person): commissioners, facilitators and the payments contact."""
    membership = membership_for(user, collaborative_slug)
    if not (membership.is_commissioner or membership.is_facilitator or membership.handles_payments):
        raise PermissionDenied("Only commissioners, facilitators and the payments contact can see this.")
    require_two_factor(user)
    return membership


def payment_person_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, Membership]:
    """(the viewer's membership, the membership whose payments are asked for): the viewer's own, or
    anyone's in the Collaborative for the payments contact and facilitators; 404 for anyone else."""
    membership = membership_for(user, collaborative_slug)
    if pk == user.pk:
        return membership, membership
    if not (membership.handles_payments or membership.is_facilitator):
        raise Http404("No one here.")
    require_two_factor(user)
    person = get_object_or_404(
        Membership.objects.select_related("user", "collaborative"), user_id=pk, collaborative=membership.collaborative
    )
    return membership, person


OWN_PAYMENTS = "Someone else approves your own payments: another payments contact or a facilitator."


def line_of_payments_contact(line: Line) -> bool:
    """Whether the line is a payments contact's own (in the line's Collaborative)."""
    return Membership.objects.filter(
        collaborative_id=line.collaborative_id, user_id=line.user_id, handles_payments=True
    ).exists()


def may_manage_line(membership: Membership, line: Line, *, contacts: set[int] | None = None) -> bool:
    """Separation of duties: nobody approves, refuses, corrects or marks paid their own money. The payments
    contact acts on other people's lines; a facilitator acts on the payments contacts' own lines (and only
    those), so that the contact's money is approved by someone else. `contacts`: the user ids of the
    Collaborative's payments contacts, when the caller has read them already (a page of lines)."""
    if line.user_id == membership.user_id:
        return False
    if membership.handles_payments:
        return True
    if not membership.is_facilitator:
        return False
    if contacts is not None:
        return line.user_id in contacts
    return line_of_payments_contact(line)


def payment_line_for(user, collaborative_slug: str, pk: int, *, manage: bool = False) -> tuple[Membership, Line]:
    """(the viewer's membership, one of the Collaborative's payment lines): the person's own, or any for
    the payments contact and facilitators (404 for anyone else); `manage` (approve, refuse, pay, correct)
    by the rule of may_manage_line: nobody acts on their own money."""
    membership = membership_for(user, collaborative_slug)
    line = get_object_or_404(
        Line.objects.select_related("user", "meeting"), pk=pk, collaborative=membership.collaborative
    )
    if manage:
        if line.user_id != user.pk and not (membership.handles_payments or membership.is_facilitator):
            raise Http404("No payment here.")
        if line.user_id == user.pk:
            raise PermissionDenied(OWN_PAYMENTS)
        if not may_manage_line(membership, line):
            raise PermissionDenied("Only the payments contact can do this.")
        require_two_factor(user)
    elif line.user_id != user.pk:
        if not (membership.handles_payments or membership.is_facilitator):
            raise Http404("No payment here.")
        require_two_factor(user)
    return membership, line


def payment_receipt_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, Line]:
    """(the viewer's membership, a line with a receipt), by the rule of payment_line_for."""
    membership, line = payment_line_for(user, collaborative_slug, pk)
    if not line.receipt:
        raise Http404("No receipt here.")
    return membership, line


def payment_letter_for(user, collaborative_slug: str, pk: int, *, sign: bool = False) -> tuple[Membership, Letter]:
    """(the viewer's membership, a letter): the person's own, or any for facilitators and the payments
    contact (404 for anyone else); `sign` is theirs only, never the person's own, and a letter to an
    employer is signed by a facilitator (Letter.may_be_signed_by, for the pages' buttons)."""
    membership = membership_for(user, collaborative_slug)
    letter = get_object_or_404(
        Letter.objects.select_related("user", "signed_by"), pk=pk, collaborative=membership.collaborative
    )
    others = membership.handles_payments or membership.is_facilitator
    if letter.user_id != user.pk and not others:
        raise Http404("No letter here.")
    if sign:
        if not others:
            raise PermissionDenied("Only a facilitator or the payments contact can sign a letter.")
        if letter.user_id == user.pk:
            raise PermissionDenied("Someone else signs your own letter.")
        if letter.kind == Letter.Kind.EMPLOYER and not membership.is_facilitator:
            raise PermissionDenied("Only a facilitator can sign a letter to an employer.")
    if letter.user_id != user.pk or sign:
        require_two_factor(user)
    return membership, letter


# Asks: every member of the Collaborative reads its asks (what it asked outside bodies, and the answers);
# any member proposes one; facilitators write, send and respond. The responder, who needs no account,
# reaches one ask only, through the signed link emailed to them.


def asks_membership_for(user, collaborative_slug: str, *, manage: bool = False) -> Membership:
    """The viewer's membership, for the asks page (any member) or for managing asks (facilitators only)."""
    if manage:
        return facilitator_membership_for(user, collaborative_slug)
    return membership_for(user, collaborative_slug)


def ask_for(user, collaborative_slug: str, pk: int, *, manage: bool = False) -> tuple[Membership, Ask]:
    """(the viewer's membership, one of the Collaborative's asks); `manage`: facilitators only (403 for others)."""
    membership = asks_membership_for(user, collaborative_slug, manage=manage)
    ask = get_object_or_404(
        Ask.objects.select_related("collaborative", "goal", "key_role", "meeting", "decision", "action"),
        pk=pk,
        collaborative=membership.collaborative,
    )
    return membership, ask


def ask_evidence_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, AskEvidence]:
    """(the viewer's membership, a file kept with an ask): for the Collaborative's members only."""
    membership = membership_for(user, collaborative_slug)
    evidence = get_object_or_404(
        AskEvidence.objects.select_related("ask"), pk=pk, ask__collaborative=membership.collaborative
    )
    if not evidence.file:
        raise Http404("No file here.")
    return membership, evidence


def responder_link_from(token: str) -> ResponderLink:
    """The responder's link a token names: the link is the permission to see that one ask. Whether it still
    works (used, replaced, expired) is the view's to say, with `ResponderLink.problem()`."""
    signed = responder_link_check(token)
    if signed is None:
        raise LinkNotValid
    pk, purpose = signed
    link = (
        ResponderLink.objects.select_related("ask__collaborative", "sending")
        .filter(pk=pk, purpose=purpose, ask__status__in=_ASK_OPEN_TO_RESPONDER)
        .first()
    )
    if link is None:
        raise LinkNotValid
    return link


# A withdrawn ask, or a proposal not taken up, is closed to the responder whatever link they hold.
_ASK_OPEN_TO_RESPONDER = [
    status for status in Ask.Status.values if status not in (Ask.Status.WITHDRAWN, Ask.Status.NOT_TAKEN_UP)
]


def responder_file_for(token: str, pk: int) -> tuple[ResponderLink, AskEvidence]:
    """(the responder's link, a file kept as evidence with that ask): the responder reads the files the
    Collaborative sent with its ask, through a link that still works or was used to answer (until it runs out);
    LinkNotValid for a token not ours, 404 for any other file."""
    link = responder_link_from(token)
    if link.problem() not in ("", "used"):
        raise Http404("This link no longer works.")
    evidence = get_object_or_404(AskEvidence, pk=pk, ask=link.ask, answer__isnull=True)
    if not evidence.file:
        raise Http404("No file here.")
    return link, evidence


# What changed: the public page shows only what a facilitator published, of a Collaborative that has a
# public page; everything else is the same 404 as for nothing at all.


def publication_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, Publication]:
    """(a facilitator's membership, one of the Collaborative's published or unpublished items)."""
    membership = facilitator_membership_for(user, collaborative_slug)
    return membership, get_object_or_404(Publication, pk=pk, collaborative=membership.collaborative)


def public_publication_for(collaborative_slug: str, pk: int) -> Publication:
    """A published item of a Collaborative with a public page, for anyone; 404 for anything else (an item of an
    ask withdrawn since it was published included)."""
    collaborative = public_collaborative_for(collaborative_slug)
    return get_object_or_404(Publication.objects.public(), pk=pk, collaborative=collaborative)


def credit_for(user, collaborative_slug: str, pk: int) -> tuple[Membership, Credit]:
    """(the viewer's membership, a request to name them on a published item): only ever their own."""
    membership = membership_for(user, collaborative_slug)
    credit = get_object_or_404(
        Credit.objects.select_related("publication"),
        pk=pk,
        user=user,
        publication__collaborative=membership.collaborative,
    )
    return membership, credit


def impact_report_for(user, collaborative_slug: str) -> Membership:
    """The impact report is for every member: its figures about people keep to the small-number rule, and
    it names no one. Facilitators and commissioners use it for the annual reports boards ask for."""
    return membership_for(user, collaborative_slug)


# What a facilitator may publish, by the kind of item: the Collaborative's own rows only.
_PUBLISHABLE = {
    Publication.Kind.VISION: VisionVersion,
    Publication.Kind.GOAL: Goal,
    Publication.Kind.YOU_SAID: Action,
    Publication.Kind.ASK: Ask,
}


def publishable_for(user, collaborative_slug: str, kind: str, pk: int | None) -> tuple[Membership, object | None]:
    """(a facilitator's membership, the Collaborative's vision version, goal, action or ask to publish); None
    for headline figures, which name a period rather than a row. 404 for a kind or row that is not there."""
    membership = facilitator_membership_for(user, collaborative_slug)
    if kind == Publication.Kind.FIGURES:
        return membership, None
    model = _PUBLISHABLE.get(kind)
    if model is None or pk is None:
        raise Http404("Nothing to publish here.")
    return membership, get_object_or_404(model, pk=pk, collaborative=membership.collaborative)


# ---- Replying by email (issue 18, the inbound part) ----


class ReplyRefused(Exception):
    """A reply by email that may not become a comment. `code` says why (discussions/inbound.py words it)."""

    def __init__(self, code: str, *, user=None, thread=None):
        super().__init__(code)
        self.code, self.user, self.thread = code, user, thread


def reply_by_email_for(address: str, senders: list[str]) -> tuple[User, Thread]:
    """(the person, the discussion) a reply sent to `address` comments in as them, or ReplyRefused.

    `senders` are the addresses the email says it came from (its From, and the envelope sender if known): every
    one must be a verified address of the person the reply address was made for, so that a forwarded email, or
    one written by someone else, never speaks for them. The person must be an active member of the discussion's
    Collaborative, and the discussion open. The checks go in that order, so that what the answer says (sent to
    the sender's address) tells no one anything about another person's account.
    """
    try:
        user_id, thread_id = reply_address_check(address)
    except BadReplyAddress:
        raise ReplyRefused("bad_address") from None
    user = User.objects.filter(pk=user_id).first()
    thread = Thread.objects.select_related("collaborative").filter(pk=thread_id).first()
    if user is None or thread is None:
        raise ReplyRefused("bad_address")
    verified = {
        email.lower() for email in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    }
    if not senders or any(sender.lower() not in verified for sender in senders):
        raise ReplyRefused("wrong_sender", thread=thread)
    member = Membership.objects.active().filter(user=user, collaborative=thread.collaborative).exists()
    if not (user.is_active and member):
        raise ReplyRefused("not_a_member", user=user, thread=thread)
    if not thread.is_open:
        raise ReplyRefused("closed", user=user, thread=thread)
    return user, thread


# Polls and proposals (issue 18): any member opens one (a quick poll in a meeting, facilitators only), votes,
# and sees what a poll shows everyone; whoever opened it, or a facilitator, changes, closes or withdraws it,
# writes its outcome and makes a time poll a meeting. Nobody, facilitators included, sees an anonymous poll's
# ballots: no page shows them (discussions/polls.py).


def poll_for(user, collaborative_slug: str, pk: int, *, manage: bool = False) -> tuple[Membership, Poll]:
    """(the viewer's membership, one of the Collaborative's polls); `manage` is for whoever opened it and
    facilitators (with two-step sign-in), 403 for other members."""
    membership = membership_for(user, collaborative_slug)
    poll = get_object_or_404(
        Poll.objects.select_related("thread", "meeting", "opened_by"), pk=pk, collaborative=membership.collaborative
    )
    poll.collaborative = membership.collaborative  # Read already, with the membership.
    if manage and poll.opened_by_id != user.pk:
        if not membership.is_facilitator:
            raise PermissionDenied("Only whoever opened the poll, or a facilitator, can do this.")
        require_two_factor(user)
    return membership, poll


def manages_poll(membership: Membership, poll: Poll) -> bool:
    """Whether the viewer is offered what poll_for(manage=True) allows: whoever opened it, or a facilitator."""
    return poll.opened_by_id == membership.user_id or facilitates(membership)


def poll_place_for(
    user, collaborative_slug: str, *, thread_pk: int | None = None, meeting_pk: int | None = None
) -> tuple[Membership, Thread | None, Meeting | None]:
    """(the membership of someone opening a poll, the discussion or meeting it is opened in, if any): any
    member opens one, in a discussion too; a quick poll in a meeting is for facilitators (403 for members)."""
    if meeting_pk is not None:
        membership = facilitator_membership_for(user, collaborative_slug)
        meeting = get_object_or_404(Meeting, pk=meeting_pk, collaborative=membership.collaborative)
        return membership, None, meeting
    membership = membership_for(user, collaborative_slug)
    thread = None
    if thread_pk is not None:
        thread = get_object_or_404(Thread, pk=thread_pk, collaborative=membership.collaborative)
    return membership, thread, None


# Discussions (issue 18): every member reads and joins in every discussion of their Collaborative. Whoever started a
# discussion, and facilitators, change its words; facilitators close and reopen it, and hide a comment that breaks
# the ground rules. A comment's author edits or withdraws it; nobody else does.


def thread_for(
    user, collaborative_slug: str, pk: int, *, change: bool = False, manage: bool = False
) -> tuple[Membership, Thread]:
    """(the viewer's membership, one of the Collaborative's discussions); `change` (its words): whoever started it
    and facilitators; `manage` (close, reopen): facilitators only. 403 for other members."""
    membership = (
        facilitator_membership_for(user, collaborative_slug) if manage else membership_for(user, collaborative_slug)
    )
    thread = get_object_or_404(
        Thread.objects.select_related("collaborative"), pk=pk, collaborative=membership.collaborative
    )
    thread.collaborative = membership.collaborative
    if change and not manage and thread.started_by_id != user.pk:
        if not membership.is_facilitator:
            raise PermissionDenied("Only whoever started the discussion and facilitators can change it.")
        require_two_factor(user)
    return membership, thread


def comment_for(
    user, collaborative_slug: str, pk: int, *, own: bool = False, manage: bool = False, history: bool = False
) -> tuple[Membership, Comment]:
    """(the viewer's membership, a comment in one of the Collaborative's discussions); `own` (edit, withdraw): its
    author only; `manage` (hide, show again): facilitators only; `history` (its earlier words): every member, but
    a hidden comment's only its author and facilitators. 403 for other members."""
    membership = (
        facilitator_membership_for(user, collaborative_slug) if manage else membership_for(user, collaborative_slug)
    )
    comment = get_object_or_404(
        Comment.objects.select_related("thread"), pk=pk, thread__collaborative=membership.collaborative
    )
    comment.thread.collaborative = membership.collaborative
    if own and comment.author_id != user.pk:
        raise PermissionDenied("Only whoever wrote a comment can change or withdraw it.")
    if history and comment.status == Comment.Status.HIDDEN and comment.author_id != user.pk:
        if not membership.is_facilitator:
            raise PermissionDenied("A facilitator hid this comment: only its author and facilitators read it.")
        require_two_factor(user)
    return membership, comment
