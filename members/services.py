from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from members.emails import INVITATION, JOIN_APPROVED, JOIN_DECLINED, JOIN_REQUESTED, WELCOME
from members.hooks import membership_ended
from members.models import (
    DEFAULT_GROUND_RULES,
    INVITATION_DAYS,
    Collaborative,
    GroundRules,
    GroundRulesAcceptance,
    Invitation,
    JoinRequest,
    Membership,
    MembershipChange,
    User,
)
from members.selectors import addresses_owned, verified_addresses
from members.sessions import role_given
from notifications.services import messages_queue


@transaction.atomic
def membership_create(*, user: User, collaborative: Collaborative, role: str = Membership.Role.MEMBER) -> Membership:
    """Make the person a member of the Collaborative and queue their welcome email."""
    membership = Membership(user=user, collaborative=collaborative, role=role)
    membership.full_clean()
    membership.save()
    membership_welcome(membership=membership)
    role_given(membership=membership, old_role=None, was_active=False)
    return membership


def ground_rules_current(collaborative: Collaborative) -> GroundRules:
    """The latest version, or the default text (not yet saved) for a Collaborative with none."""
    latest = collaborative.ground_rules.first()
    return latest or GroundRules(collaborative=collaborative, text=DEFAULT_GROUND_RULES)


def ground_rules_agreed(membership: Membership, ground_rules: GroundRules) -> GroundRulesAcceptance | None:
    if ground_rules.pk is None:
        return None
    return membership.acceptances.filter(ground_rules=ground_rules).first()


def ground_rules_to_agree(membership: Membership) -> bool:
    """Whether the member has yet to agree to the current version (always so before one is saved), in one query."""
    latest = membership.collaborative.ground_rules.values("pk")[:1]
    return not membership.acceptances.filter(ground_rules=Subquery(latest)).exists()


@transaction.atomic
def ground_rules_change(*, collaborative: Collaborative, text: str, by: User) -> GroundRules:
    """Add a new version; members are asked to agree to it. Earlier versions and agreements stay."""
    ground_rules = GroundRules(collaborative=collaborative, text=text.strip(), created_by=by)
    ground_rules.full_clean()
    ground_rules.save()
    return ground_rules


@transaction.atomic
def ground_rules_accept(*, membership: Membership) -> GroundRulesAcceptance:
    """Record that the member agrees to the current version (saving the default text first if needed)."""
    # One at a time per Collaborative, so two first agreements cannot save the default twice.
    Collaborative.objects.select_for_update(no_key=True).filter(pk=membership.collaborative_id).first()
    ground_rules = ground_rules_current(membership.collaborative)
    if ground_rules.pk is None:
        ground_rules.full_clean()
        ground_rules.save()
    acceptance, _ = GroundRulesAcceptance.objects.get_or_create(membership=membership, ground_rules=ground_rules)
    return acceptance


def membership_welcome(*, membership: Membership, occasion: str = "") -> None:
    """Queue the "welcome to the Collaborative" email, in the same transaction as the membership."""
    messages_queue(
        recipients=[membership.user],
        collaborative=membership.collaborative,
        kind=WELCOME,
        about=membership,
        occasion=occasion,
    )


def _change(membership: Membership, field: str, old: str, new: str, by: User | None) -> None:
    MembershipChange.objects.create(membership=membership, field=field, old_value=old, new_value=new, changed_by=by)


def facilitators_lock(collaborative_ids) -> None:
    """Lock the Collaboratives' rows before a change that could leave one without an active facilitator.

    Every such change (demoting, deactivating, leaving, deleting an account) takes this lock
    before it counts the other facilitators, so two facilitators leaving, demoting each other
    or deleting their accounts at the same moment are handled one after the other, and the
    second is refused. Several Collaboratives are locked in order of id, so that two changes
    never wait for each other. The lock is FOR NO KEY UPDATE: it does not wait for, or make
    wait, transactions that only add rows pointing at a Collaborative (an email, a meeting),
    which would otherwise deadlock with a member leaving while a place at a meeting is given
    to someone.
    """
    locked = Collaborative.objects.select_for_update(no_key=True).filter(pk__in=collaborative_ids).order_by("pk")
    list(locked.values_list("pk", flat=True))


def sole_facilitator_of(memberships: Iterable[Membership]) -> list[str]:
    """The names of the Collaboratives that would be left without an active facilitator if these memberships ended.

    The one rule behind a change of role, deactivating, leaving and deleting an account
    (each checks it under facilitators_lock), and behind the pages that warn beforehand.
    """
    names = []
    for membership in memberships:
        if not (membership.is_facilitator and membership.is_active):
            continue
        others = (
            Membership.objects.current_in(membership.collaborative_id)
            .filter(role=Membership.Role.FACILITATOR)
            .exclude(pk=membership.pk)
        )
        if not others.exists():
            names.append(membership.collaborative.name)
    return names


def only_facilitator_of(user: User) -> list[str]:
    """The names of the Collaboratives where the person is the only active facilitator."""
    return sole_facilitator_of(Membership.objects.for_user(user))


def _keep_a_facilitator(membership: Membership, message: str) -> None:
    """Refuse a change that would leave the Collaborative without an active facilitator."""
    facilitators_lock([membership.collaborative_id])
    if sole_facilitator_of([membership]):
        raise ValidationError(message)


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Give the member another role; the last active facilitator keeps theirs."""
    if role not in Membership.Role.values:
        raise ValidationError("Choose a role from the list.")
    if role == membership.role:
        return membership
    if role != Membership.Role.FACILITATOR:
        _keep_a_facilitator(
            membership, "A Collaborative needs at least one facilitator. Make someone else a facilitator first."
        )
    old = membership.role
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    _change(membership, MembershipChange.Field.ROLE, old, role, by)
    _commissioner_not_payments(membership, by)
    role_given(membership=membership, old_role=old, was_active=membership.is_active)
    return membership


COMMISSIONER_NOT_PAYMENTS = (
    "Commissioners see totals only, never a person's payments, so they cannot be the payments contact."
)


def _commissioner_not_payments(membership: Membership, by: User | None) -> None:
    """Someone made commissioner stops being the payments contact (kept on record): commissioners see
    totals only, never a person's payments."""
    if membership.is_commissioner and membership.handles_payments:
        membership.handles_payments = False
        membership.save(update_fields=["handles_payments"])
        _change(membership, MembershipChange.Field.PAYMENTS, "yes", "no", by)


@transaction.atomic
def membership_set_payments(*, membership: Membership, handles_payments: bool, by: User) -> Membership:
    """Make the member the payments contact, or stop: they approve and pay claims, so from now on
    their sessions need two-step sign-in, and the ones they have open end."""
    if handles_payments == membership.handles_payments:
        return membership
    if handles_payments and not membership.is_active:
        raise ValidationError("Only a current member can be the payments contact.")
    if handles_payments and membership.is_commissioner:
        raise ValidationError(COMMISSIONER_NOT_PAYMENTS)
    membership.handles_payments = handles_payments
    membership.save(update_fields=["handles_payments"])
    _change(
        membership,
        MembershipChange.Field.PAYMENTS,
        "no" if handles_payments else "yes",
        "yes" if handles_payments else "no",
        by,
    )
    role_given(membership=membership, old_role=membership.role, was_active=True, payments_given=handles_payments)
    return membership


@transaction.atomic
def membership_take_break(*, membership: Membership, until: date | None) -> Membership:
    """The member takes a break until a day they choose (or comes back, with None). Nobody asks why."""
    today = membership.collaborative.local_today()
    if until is not None and until <= today:
        raise ValidationError("Choose a day after today.")
    if until is not None and until > today + timedelta(days=366):
        raise ValidationError("Choose a day within a year. You can take another break after it.")
    membership.break_until = until
    membership.save(update_fields=["break_until"])
    return membership


def _end(membership: Membership, status: str, by: User | None, refusal: str) -> Membership:
    if not membership.is_active:
        return membership
    _keep_a_facilitator(membership, refusal)
    membership.status = status
    membership.left_at = timezone.now()
    membership.full_clean()
    membership.save(update_fields=["status", "left_at"])
    _change(membership, MembershipChange.Field.STATUS, Membership.Status.ACTIVE, status, by)
    membership_ended(membership)  # Meetings withdraw their answers (see members/hooks.py).
    return membership


@transaction.atomic
def membership_deactivate(*, membership: Membership, by: User) -> Membership:
    """A facilitator ends someone's membership; it stays on record and can be reactivated."""
    return _end(
        membership,
        Membership.Status.DEACTIVATED,
        by,
        "This is the Collaborative's only facilitator. Make someone else a facilitator first.",
    )


@transaction.atomic
def membership_leave(*, membership: Membership) -> Membership:
    """The member leaves the Collaborative; what they took part in stays."""
    return _end(
        membership,
        Membership.Status.LEFT,
        membership.user,
        "You are the only facilitator. Make someone else a facilitator before you leave.",
    )


@transaction.atomic
def membership_reactivate(*, membership: Membership, by: User | None, role: str | None = None) -> Membership:
    """Bring a former member back, with their earlier role unless another is given."""
    if membership.is_active:
        return membership
    old_status, old_role = membership.status, membership.role
    membership.status = Membership.Status.ACTIVE
    membership.left_at = None
    membership.full_clean()
    membership.save(update_fields=["status", "left_at"])
    _change(membership, MembershipChange.Field.STATUS, old_status, Membership.Status.ACTIVE, by)
    if role and role != membership.role:
        membership.role = role
        membership.save(update_fields=["role"])
        _change(membership, MembershipChange.Field.ROLE, old_role, role, by)
    _commissioner_not_payments(membership, by)
    role_given(membership=membership, old_role=old_role, was_active=False)
    return membership


@transaction.atomic
def membership_admin_save(*, membership: Membership, by: User) -> Membership:
    """Save a membership as the site administration changed it (or added it), and do what the
    Collaborative's own pages do on such a change: welcome someone new, note when someone left
    (or clear it when they are back), keep each change of role or status on record, give up the
    places at meetings of someone who left, and end the sessions of someone made facilitator or
    commissioner. The administration may change anything, even the last facilitator's role."""
    before = (
        Membership.objects.select_for_update()
        .filter(pk=membership.pk)
        .values_list("role", "status", "handles_payments")
        .first()
    )
    old_role, old_status, old_payments = before or (None, None, False)
    if membership.is_commissioner and membership.handles_payments:
        # Commissioners see totals only, never a person's payments.
        membership.handles_payments = False
    was_active = old_status == Membership.Status.ACTIVE
    if membership.is_active:
        membership.left_at = None
    elif was_active or membership.left_at is None:
        membership.left_at = timezone.now()
    membership.full_clean()
    membership.save()
    if before is None:
        membership_welcome(membership=membership)
    else:
        if membership.status != old_status:
            _change(membership, MembershipChange.Field.STATUS, old_status, membership.status, by)
        if membership.role != old_role:
            _change(membership, MembershipChange.Field.ROLE, old_role, membership.role, by)
        if membership.handles_payments != old_payments:
            was, now = ("yes", "no") if old_payments else ("no", "yes")
            _change(membership, MembershipChange.Field.PAYMENTS, was, now, by)
        if was_active and not membership.is_active:
            membership_ended(membership)
    role_given(membership=membership, old_role=old_role, was_active=was_active)
    return membership


def _members_with_address(collaborative: Collaborative, addresses: list[str]) -> set[str]:
    """Which of the addresses (lower case) are a current member's own (see members/selectors.py)."""
    return addresses_owned(addresses, by=Membership.objects.current_in(collaborative).values("user_id"))


@transaction.atomic
def address_unconfirmed_copies_remove(*, address: str, user: User) -> int:
    """Take an address someone has just signed up with off other accounts that only added it.

    Anyone can add any address to their account, unconfirmed (see members/selectors.py).
    Such a copy was never that account's own, and while it is there allauth would not
    record the address on the account of the person signing up with it. An account's main
    address is never taken off it.
    """
    copies = (
        EmailAddress.objects.filter(email__iexact=address, verified=False)
        .exclude(user_id=user.pk)
        .exclude(user__email__iexact=address)
    )
    deleted, _ = copies.delete()
    return deleted


@dataclass
class InvitationOutcome:
    address: str
    sent: bool
    note: str


def _invite(
    *, collaborative: Collaborative, email: str, name: str = "", role: str, message: str, by: User | None
) -> Invitation:
    """A new pending invitation, or the run-out one for the same address brought back to life."""
    now = timezone.now()
    invitation = Invitation.objects.filter(
        collaborative=collaborative, email__iexact=email, status=Invitation.Status.PENDING
    ).first()
    if invitation is None:
        invitation = Invitation(collaborative=collaborative, email=email, send_count=0)
    invitation.name = name or invitation.name
    invitation.role, invitation.message, invitation.invited_by = role, message, by
    invitation.sent_at, invitation.expires_at = now, now + timedelta(days=INVITATION_DAYS)
    invitation.send_count += 1
    invitation.full_clean()
    invitation.save()
    return invitation


def _queue_invitation(invitation: Invitation) -> None:
    messages_queue(
        addresses=[invitation.email],
        collaborative=invitation.collaborative,
        kind=INVITATION,
        about=invitation,
        occasion=f"send-{invitation.send_count}",
    )


@transaction.atomic
def invitations_send(
    *, collaborative: Collaborative, addresses: list[tuple[str, str]], role: str, message: str, by: User
) -> list[InvitationOutcome]:
    """Invite each (name, address), as email.utils.getaddresses gives them (the name may be "");
    current members and people already invited are told apart and sent nothing."""
    members = _members_with_address(collaborative, [address for _, address in addresses])
    waiting = {
        invitation.email.lower(): invitation
        for invitation in Invitation.objects.pending().filter(collaborative=collaborative)
    }
    outcomes = []
    for name, address in addresses:
        if address.lower() in members:
            outcomes.append(InvitationOutcome(address, False, "is already a member. Nothing was sent."))
        elif address.lower() in waiting:
            sent_on = waiting[address.lower()].sent_at
            outcomes.append(
                InvitationOutcome(
                    address,
                    False,
                    f"was already invited on {timezone.localtime(sent_on):%-d %B}. Nothing was sent: "
                    'to send it again, use "Send again" in the list of invitations.',
                )
            )
        else:
            invitation = _invite(
                collaborative=collaborative, email=address, name=name, role=role, message=message, by=by
            )
            _queue_invitation(invitation)
            outcomes.append(InvitationOutcome(address, True, "invited."))
    return outcomes


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User) -> Invitation:
    """Send the invitation again, valid for another 14 days from now."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(f"This invitation has been {invitation.get_status_display().lower()}.")
    _renew(invitation)
    join_request = JoinRequest.objects.filter(invitation=invitation).first()
    if join_request is not None:
        messages_queue(
            addresses=[invitation.email],
            collaborative=invitation.collaborative,
            kind=JOIN_APPROVED,
            about=join_request,
            occasion=f"send-{invitation.send_count}",
        )
    else:
        _queue_invitation(invitation)
    return invitation


def _renew(invitation: Invitation) -> Invitation:
    """Another 14 days from now, and one more sending."""
    now = timezone.now()
    invitation.sent_at, invitation.expires_at = now, now + timedelta(days=INVITATION_DAYS)
    invitation.send_count += 1
    invitation.save(update_fields=["sent_at", "expires_at", "send_count"])
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    """Withdraw the invitation: its link stops working, and an email not yet sent is not sent."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(f"This invitation has already been {invitation.get_status_display().lower()}.")
    invitation.status = Invitation.Status.REVOKED
    invitation.revoked_by, invitation.revoked_at = by, timezone.now()
    invitation.save(update_fields=["status", "revoked_by", "revoked_at"])
    return invitation


def invitation_is_for(invitation: Invitation, user: User) -> bool:
    """Whether the invitation was sent to one of the person's own addresses: their main address
    or one they confirmed. An address added to an account but never confirmed proves nothing."""
    return invitation.email.lower() in verified_addresses(user)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the Collaborative through the invitation, agreeing to its ground rules; the link is then used up."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",)).select_related("collaborative").get(pk=invitation.pk)
    )
    if not invitation.is_usable:
        raise ValidationError("This invitation cannot be used any more.")
    if not invitation_is_for(invitation, user):
        raise ValidationError("This invitation was sent to another email address.")
    membership = Membership.objects.filter(user=user, collaborative=invitation.collaborative).first()
    if membership is None:
        membership = membership_create(user=user, collaborative=invitation.collaborative, role=invitation.role)
    elif not membership.is_active:
        membership_reactivate(membership=membership, by=invitation.invited_by, role=invitation.role)
        # A welcome is queued once per occasion, and the first one had none: each return is its own.
        returns = membership.changes.filter(
            field=MembershipChange.Field.STATUS, new_value=Membership.Status.ACTIVE
        ).count()
        membership_welcome(membership=membership, occasion=f"back-{returns}")
    ground_rules_accept(membership=membership)
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_by, invitation.accepted_at = user, timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
    return membership


@transaction.atomic
def join_request_create(
    *, collaborative: Collaborative, name: str, email: str, message: str, user: User | None
) -> JoinRequest:
    """Record a request to join and tell the facilitators; asking twice keeps the first request."""
    existing = JoinRequest.objects.filter(
        collaborative=collaborative, email__iexact=email, status=JoinRequest.Status.PENDING
    ).first()
    if existing is not None:
        return existing
    join_request = JoinRequest(
        collaborative=collaborative, name=name, email=email, message=message, user=user if user else None
    )
    join_request.full_clean()
    join_request.save()
    facilitators = [
        membership.user
        for membership in Membership.objects.current_in(collaborative).filter(role=Membership.Role.FACILITATOR)
    ]
    messages_queue(recipients=facilitators, collaborative=collaborative, kind=JOIN_REQUESTED, about=join_request)
    return join_request


def _decide(join_request: JoinRequest, status: str, by: User, reply: str) -> JoinRequest:
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError(f"This request has already been {join_request.get_status_display().lower()}.")
    join_request.status, join_request.reply = status, reply.strip()
    join_request.decided_by, join_request.decided_at = by, timezone.now()
    return join_request


@transaction.atomic
def join_request_approve(*, join_request: JoinRequest, by: User, reply: str = "") -> JoinRequest:
    """Say yes: the person gets an email with a link to join as a member (or, already a member, a note)."""
    join_request = _decide(join_request, JoinRequest.Status.APPROVED, by, reply)
    collaborative = join_request.collaborative
    occasion = ""
    if join_request.email.lower() not in _members_with_address(collaborative, [join_request.email]):
        waiting = (
            Invitation.objects.select_for_update()
            .filter(collaborative=collaborative, email__iexact=join_request.email, status=Invitation.Status.PENDING)
            .first()
        )
        if waiting is not None:
            # Already invited (perhaps as a facilitator): that invitation, its role and
            # message stand, and its link is renewed.
            invitation = _renew(waiting)
        else:
            invitation = _invite(
                collaborative=collaborative,
                email=join_request.email,
                name=join_request.name,
                role=Membership.Role.MEMBER,
                message="",
                by=by,
            )
        # An invitation answers one request: someone told yes before may have asked again.
        JoinRequest.objects.filter(invitation=invitation).update(invitation=None)
        join_request.invitation = invitation
        occasion = f"send-{invitation.send_count}"
    join_request.save()
    messages_queue(
        addresses=[join_request.email],
        collaborative=collaborative,
        kind=JOIN_APPROVED,
        about=join_request,
        occasion=occasion,
    )
    return join_request


@transaction.atomic
def join_request_decline(*, join_request: JoinRequest, by: User, reply: str = "") -> JoinRequest:
    """Say no, kindly: the person gets an email with the facilitator's reason, if one is given."""
    join_request = _decide(join_request, JoinRequest.Status.DECLINED, by, reply)
    join_request.save()
    messages_queue(
        addresses=[join_request.email],
        collaborative=join_request.collaborative,
        kind=JOIN_DECLINED,
        about=join_request,
    )
    return join_request
