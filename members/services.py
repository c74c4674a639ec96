from dataclasses import dataclass
from datetime import time, timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actions.models import Action
from actions.services import action_change, action_create, action_update_add
from meetings.models import AgendaItem, Decision, Meeting, Venue
from meetings.services import local_moment, nth_weekday, rsvps_withdraw, series_schedule
from members.emails import INVITATION, JOIN_APPROVED, JOIN_DECLINED, JOIN_REQUESTED, WELCOME
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
    Perspective,
    User,
)
from members.selectors import addresses_owned, verified_addresses
from members.sessions import role_given
from notifications.services import messages_queue
from vision.models import Goal
from vision.services import framework_start, goal_save, version_adopt, version_draft


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


def _keep_a_facilitator(membership: Membership, message: str) -> None:
    """Refuse a change that would leave the Collaborative without an active facilitator."""
    facilitators_lock([membership.collaborative_id])
    others = (
        Membership.objects.current_in(membership.collaborative_id)
        .filter(role=Membership.Role.FACILITATOR)
        .exclude(pk=membership.pk)
    )
    if membership.is_facilitator and membership.is_active and not others.exists():
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
    role_given(membership=membership, old_role=old, was_active=membership.is_active)
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
    rsvps_withdraw(membership=membership)
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
    role_given(membership=membership, old_role=old_role, was_active=False)
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


DEMO_COLLABORATIVES = [
    {
        "slug": "lambeth",
        "name": "Lambeth Living Well Collaborative",
        "area": "Lambeth, south London",
        "description": (
            "Meeting monthly since 2010 in a local cafe. We co-designed the Living Well Network Hub "
            "and hold the local system to account for our shared vision."
        ),
        "usual_meeting": "The second Thursday of each month, 10am to 12:30pm, at the Cafe on the Green, Brixton.",
        "is_public": True,
    },
    {
        "slug": "tameside-glossop",
        "name": "Tameside & Glossop Living Well Collaborative",
        "area": "Tameside and Glossop",
        "description": "People who use services, carers and staff working together for better mental health.",
    },
    {
        "slug": "salford",
        "name": "Salford Living Well Collaborative",
        "area": "Salford",
        "description": "A monthly forum to make help easy to get, where and when it is needed.",
    },
    {
        "slug": "luton",
        "name": "Luton Living Well Collaborative",
        "area": "Luton",
        "description": "Building on people's strengths and blending clinical support with social support.",
    },
]

F, M, C = Membership.Role.FACILITATOR, Membership.Role.MEMBER, Membership.Role.COMMISSIONER
P = Perspective

# (email, display name, perspectives, {collaborative slug: role})
DEMO_PEOPLE = [
    ("facilitator@example.org", "Grace Okafor", [P.VOLUNTARY], {"lambeth": F, "salford": M}),
    ("member@example.org", "Sam Patel", [P.LIVED_EXPERIENCE], {"lambeth": M, "tameside-glossop": M}),
    ("commissioner@example.org", "Helen Morris", [P.COMMISSIONER], {"lambeth": C, "luton": C}),
    ("carer.lambeth@example.org", "Joy Mensah", [P.CARER], {"lambeth": M}),
    ("gp.lambeth@example.org", "Dr Ravi Shah", [P.PRACTITIONER], {"lambeth": M}),
    ("trust.lambeth@example.org", "Ade Bello", [P.MANAGER], {"lambeth": M}),
    ("peer.lambeth@example.org", "Kit Walsh", [P.LIVED_EXPERIENCE, P.VOLUNTARY], {"lambeth": M}),
    ("facilitator.tameside@example.org", "Mo Hussain", [P.LIVED_EXPERIENCE, P.VOLUNTARY], {"tameside-glossop": F}),
    ("carer.tameside@example.org", "Pat Greenwood", [P.CARER], {"tameside-glossop": M}),
    ("nurse.tameside@example.org", "Lee Whitworth", [P.PRACTITIONER], {"tameside-glossop": M}),
    ("icb.tameside@example.org", "Anne Kershaw", [P.COMMISSIONER], {"tameside-glossop": C}),
    ("facilitator.salford@example.org", "Tom Doyle", [P.MANAGER], {"salford": F}),
    ("peer.salford@example.org", "Ellie Barnes", [P.LIVED_EXPERIENCE], {"salford": M}),
    ("social.salford@example.org", "Chris Nolan", [P.PRACTITIONER, P.OTHER], {"salford": M}),
    ("icb.salford@example.org", "Priya Nair", [P.COMMISSIONER], {"salford": C}),
    ("facilitator.luton@example.org", "Yusuf Ali", [P.VOLUNTARY, P.CARER], {"luton": F}),
    ("peer.luton@example.org", "Dee Campbell", [P.LIVED_EXPERIENCE, P.CARER], {"luton": M}),
    ("director.luton@example.org", "Marcus Reid", [P.MANAGER], {"luton": M}),
]


@transaction.atomic
def demo_data_load(*, password: str) -> dict:
    """Create or refresh the demo Collaboratives and people; running it twice changes nothing."""
    collaboratives = {}
    for data in DEMO_COLLABORATIVES:
        collaborative, _ = Collaborative.objects.update_or_create(
            slug=data["slug"], defaults={key: value for key, value in data.items() if key != "slug"}
        )
        collaboratives[collaborative.slug] = collaborative

    for email, name, perspectives, roles in DEMO_PEOPLE:
        user, created = User.objects.get_or_create(
            email=email, defaults={"display_name": name, "perspectives": [str(p) for p in perspectives]}
        )
        if created:
            user.set_password(password)
            user.full_clean()
            user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        for slug, role in roles.items():
            membership, _ = Membership.objects.get_or_create(
                user=user, collaborative=collaboratives[slug], defaults={"role": role}
            )
            # The first `make run` shows the email engine at work: the worker prints these.
            # Queuing is idempotent, so running the demo again sends nothing twice.
            membership_welcome(membership=membership)

    for slug, venue in DEMO_VENUES.items():
        collaborative = collaboratives[slug]
        if collaborative.meetings.exists():
            continue
        place = Venue.objects.create(collaborative=collaborative, **venue)
        facilitator = Membership.objects.filter(collaborative=collaborative, role=F).select_related("user").first()
        # A year of monthly meetings; this month's is left out if its day has passed.
        series_schedule(
            collaborative=collaborative,
            by=facilitator.user,
            week=2,
            weekday=3,
            first_month=timezone.localdate(),
            months=12,
            start=time(10),
            end=time(12, 30),
            venue=place,
        )

    for collaborative in collaboratives.values():
        framework_start(collaborative=collaborative)
    lambeth = collaboratives["lambeth"]
    if not lambeth.vision_versions.exists():
        _demo_vision_load(lambeth)
    if not lambeth.actions.exists():
        _demo_actions_load(lambeth)

    return {"collaboratives": len(collaboratives), "people": len(DEMO_PEOPLE)}


def _demo_vision_load(collaborative: Collaborative) -> None:
    """An adopted vision with its values, and two goals, one of them due for review in a few days."""
    facilitator = Membership.objects.filter(collaborative=collaborative, role=F).select_related("user").first().user
    version = version_draft(collaborative=collaborative, by=facilitator, **DEMO_VISION)
    version_adopt(version=version, by=facilitator)
    today = collaborative.local_today()
    for title, success, days in DEMO_GOALS:
        goal = Goal(collaborative=collaborative, title=title, success=success, review_on=today + timedelta(days=days))
        goal_save(goal=goal, by=facilitator)


def _demo_past_meeting(collaborative: Collaborative, by: User, proposer: User) -> tuple[AgendaItem, Decision]:
    """Last month's meeting, with an agenda item a member raised and what was decided about it.

    Made directly, not through the meetings services: those email members about meetings
    to come, and this one is history.
    """
    today = collaborative.local_today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    day = nth_weekday(last_month.year, last_month.month, 2, 3)  # The second Thursday, like the series.
    meeting = Meeting(
        collaborative=collaborative,
        starts_at=local_moment(day, time(10), collaborative.time_zone),
        ends_at=local_moment(day, time(12, 30), collaborative.time_zone),
        venue=collaborative.venues.first(),
        general_notes="Twenty-two people came. We heard from carers about waiting times at the Hub.",
        notes_published_at=local_moment(day, time(15), collaborative.time_zone),
        created_by=by,
    )
    meeting.full_clean()
    meeting.save()
    item = AgendaItem(
        meeting=meeting,
        title="Waiting times at the Living Well Network Hub",
        description="Carers in our group are waiting weeks for a first call back.",
        status=AgendaItem.Status.ACCEPTED,
        proposed_by=proposer,
        decided_by=by,
        position=1,
    )
    item.full_clean()
    item.save()
    decision = Decision(
        meeting=meeting,
        agenda_item=item,
        text="We write to the trust asking for waiting times at the Hub, and ask the ICB how the budget is split.",
        recorded_by=by,
    )
    decision.full_clean()
    decision.save()
    return item, decision


def _demo_actions_load(collaborative: Collaborative) -> None:
    """About eight actions through the actions services, so each has its history and its emails:
    one overdue, one blocked, one done on time (the member who raised it is told), one dropped,
    and two from last month's decision."""
    people = {m.user.email: m.user for m in Membership.objects.current_in(collaborative)}
    grace, sam = people["facilitator@example.org"], people["member@example.org"]
    helen, joy = people["commissioner@example.org"], people["carer.lambeth@example.org"]
    ravi, ade, kit = (
        people["gp.lambeth@example.org"],
        people["trust.lambeth@example.org"],
        people["peer.lambeth@example.org"],
    )
    item, decision = _demo_past_meeting(collaborative, grace, sam)
    today = collaborative.local_today()
    goal = collaborative.goals.order_by("review_on").first()
    key_role = collaborative.key_roles.filter(number=5).first()
    from_meeting = {"meeting": decision.meeting, "agenda_item": item, "decision": decision}

    def add(title: str, owner: User | None, days: int, supporters=(), **fields) -> Action:
        action = Action(collaborative=collaborative, title=title, owner=owner, due_on=today + timedelta(days), **fields)
        return action_create(action=action, by=grace, supporters=supporters)

    hub = add(
        "Write to the trust asking for waiting times at the Hub",
        ade,
        3,
        organisation="South London and Maudsley NHS Foundation Trust",
        **from_meeting,
    )
    action_update_add(
        action=hub,
        by=ade,
        text="The trust sent the figures: the median wait for a first call back is 9 days. "
        "They will publish them every month.",
        link="https://example.org/hub-waiting-times",
    )
    action_change(action=hub, by=ade, changes={"status": Action.Status.DONE})
    budget = add(
        "Ask the ICB how the mental health budget is split between hospital and community care",
        helen,
        30,
        organisation="NHS South East London ICB",
        goal=goal,
        key_role=key_role,
        **from_meeting,
    )
    action_change(action=budget, by=helen, changes={"status": Action.Status.IN_PROGRESS})
    cafes = add(
        "Map every crisis cafe and drop-in in Lambeth",
        kit,
        20,
        supporters=[joy],
        organisation="Lambeth Council",
        goal=goal,
        description="Opening hours, who runs it, and whether you need a referral.",
    )
    action_change(action=cafes, by=kit, changes={"status": Action.Status.IN_PROGRESS})
    action_update_add(action=cafes, by=joy, text="Eleven found so far; only three open at weekends.")
    add("Put posters about the Hub up in every GP surgery in Brixton", ravi, -10, organisation="Primary care")
    hall = add("Book a hall for the carers' open day", joy, 14, supporters=[sam])
    action_change(
        action=hall,
        by=joy,
        changes={
            "status": Action.Status.BLOCKED,
            "status_reason": "The library hall is closed for repairs until spring. We are looking for another room.",
        },
    )
    add("Find a volunteer to translate the Hub leaflet into Portuguese", None, 45)
    group = add("Set up a group chat for members", grace, 10)
    action_change(
        action=group,
        by=grace,
        changes={"status": Action.Status.DROPPED, "status_reason": "Members said they prefer the email updates."},
    )
    add(
        "Agree a target of one week from first contact to first help at the Hub",
        grace,
        60,
        supporters=[helen, sam],
        goal=goal,
    )


DEMO_VENUES = {
    "lambeth": {
        "name": "Cafe on the Green",
        "address": "12 Windrush Square, Brixton, London SW2 1EF",
        "capacity": 40,
        "step_free": True,
        "accessible_toilet": True,
        "hearing_loop": True,
        "quiet_space": True,
        "access_notes": "Step-free entrance on the square side. Buses 2, 3 and 196 stop outside.",
    },
    "tameside-glossop": {"name": "Ashton Community Hub", "address": "Old Street, Ashton-under-Lyne", "step_free": True},
    "salford": {"name": "The Angel Centre", "address": "1 St Philip's Place, Salford", "hearing_loop": True},
    "luton": {"name": "Hat Factory Cafe", "address": "65-67 Bute Street, Luton", "capacity": 30},
}

DEMO_VISION = {
    "statement": (
        "Everyone in Lambeth can get the right help for their mental health, where and when they need it, "
        "from services that work together and build on people's strengths. We move money and effort towards "
        "primary and community care, and we do it together: people who use services, carers, practitioners, "
        "managers and commissioners, as equals."
    ),
    "values": [
        ("Equal voices", "A carer's view counts as much as a chief officer's. Job titles stay at the door."),
        (
            "Lived experience at the heart",
            "People who use services and carers shape what we do from the start, not only at the end.",
        ),
        ("Building on strengths", "We start from what people and communities can do, not only from what is wrong."),
        ("Easy to get help", "No one should be passed from service to service, or wait to be ill enough."),
        ("In it for the long haul", "We keep going when momentum slows, and hold each other to account."),
    ],
    "note": "The vision we agreed together, written up in plain words.",
}

# (title, what success looks like, review in how many days)
DEMO_GOALS = [
    (
        "Help is easy to get in every neighbourhood",
        "Anyone can walk into the Living Well Network Hub, or ask their GP, and get help within a week, "
        "without being passed between services.",
        5,
    ),
    (
        "More of the budget goes to primary and community care",
        "Each year the commissioners can show a bigger share of mental health spending going to primary and "
        "community care, and members can see the difference in their neighbourhoods.",
        120,
    ),
]
