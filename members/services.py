from allauth.account.models import EmailAddress
from django.db import transaction

from members.models import (
    DEFAULT_GROUND_RULES,
    Collaborative,
    GroundRules,
    GroundRulesAcceptance,
    Membership,
    Perspective,
    User,
)
from notifications.kinds import WELCOME
from notifications.services import messages_queue


@transaction.atomic
def membership_create(*, user: User, collaborative: Collaborative, role: str = Membership.Role.MEMBER) -> Membership:
    """Make the person a member of the Collaborative and queue their welcome email."""
    membership = Membership(user=user, collaborative=collaborative, role=role)
    membership.full_clean()
    membership.save()
    membership_welcome(membership=membership)
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
    Collaborative.objects.select_for_update().filter(pk=membership.collaborative_id).first()
    ground_rules = ground_rules_current(membership.collaborative)
    if ground_rules.pk is None:
        ground_rules.full_clean()
        ground_rules.save()
    acceptance, _ = GroundRulesAcceptance.objects.get_or_create(membership=membership, ground_rules=ground_rules)
    return acceptance


def membership_welcome(*, membership: Membership) -> None:
    """Queue the "welcome to the Collaborative" email, in the same transaction as the membership."""
    messages_queue(
        recipients=[membership.user],
        collaborative=membership.collaborative,
        kind=WELCOME.key,
        about=membership,
    )


DEMO_COLLABORATIVES = [
    {
        "slug": "lambeth",
        "name": "Lambeth Living Well Collaborative",
        "area": "Lambeth, south London",
        "description": (
            "Meeting monthly since 2010 in a local cafe. We co-designed the Living Well Network Hub "
            "and hold the local system to account for our shared vision."
        ),
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

    return {"collaboratives": len(collaboratives), "people": len(DEMO_PEOPLE)}
