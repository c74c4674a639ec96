"""Demo Collaboratives, people, meetings, a vision and actions to try the application with (`make demo-data`).

It calls every app's services, so it lives at the top, above them all.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from actions.models import Action
from actions.services import action_change, action_create, action_update_add
from asks.models import Answer, Ask, ResponderLink
from asks.services import answer_give, ask_accept, ask_escalate, ask_evidence_add, ask_propose, ask_send, ask_write
from discussions.models import Poll
from discussions.polls import IF_I_MUST, NO, YES, poll_close, poll_open, poll_outcome_write, poll_vote
from discussions.services import comment_add, thread_close, thread_start
from impact.models import Publication, april_to_march
from impact.services import publication_publish
from meetings.models import AgendaItem, Attendance, Decision, Meeting, Venue
from meetings.services import local_moment, nth_weekday, series_schedule
from members.models import Collaborative, Membership, Perspective, User
from members.services import membership_set_payments, membership_welcome
from payments.models import Choice, ExpenseType, Line, PaymentChoice, PaymentSettings, PayMethod
from payments.money import times_rate
from payments.services import line_add, line_approve, line_refuse, lines_for_register, lines_mark_paid
from vision.models import Goal, VisionVersion
from vision.services import framework_start, goal_save, version_adopt, version_draft

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
    # Lambeth's treasurer: a member given the payments contact's responsibility.
    ("treasurer.lambeth@example.org", "Morgan Hughes", [P.VOLUNTARY], {"lambeth": M}),
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
    if not lambeth.payment_settings.exists():
        _demo_payments_load(lambeth)
    if not lambeth.asks.exists():
        _demo_asks_load(lambeth)
    if not lambeth.publications.exists():
        _demo_public_page_load(lambeth)
    if not lambeth.threads.exists():
        _demo_discussions_load(lambeth)

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


def _demo_payments_load(collaborative: Collaborative) -> None:
    """Lambeth pays: £30 a meeting, travel and carer cover. Sam is paid in full, Joy's payment goes to a
    charity, Kit claims expenses only, Ravi and Ade take part as part of their jobs. Last month's register
    made the payments for coming; there are lines at each stage, and one waiting more than 20 working days."""
    people = {m.user.email: m for m in Membership.objects.current_in(collaborative).select_related("user")}
    grace, morgan = people["facilitator@example.org"].user, people["treasurer.lambeth@example.org"]
    sam, joy, kit = (
        people[e].user for e in ("member@example.org", "carer.lambeth@example.org", "peer.lambeth@example.org")
    )
    ravi, ade = people["gp.lambeth@example.org"].user, people["trust.lambeth@example.org"].user
    today = collaborative.local_today()
    year_ago = today - timedelta(days=365)
    rules = PaymentSettings(
        collaborative=collaborative,
        pays=True,
        rate_meeting_pence=3000,
        rate_online_pence=2000,
        rate_hour_pence=1500,
        rate_day_pence=9000,
        expense_types=[ExpenseType.PUBLIC_TRANSPORT, ExpenseType.MILEAGE, ExpenseType.PARKING, ExpenseType.CARE_COVER],
        methods=[PayMethod.BANK_TRANSFER, PayMethod.VOUCHER],
        benefits_advice="Lambeth Welfare Rights Service: 020 7926 0000, Monday to Friday, 10am to 4pm. Free and "
        "confidential.",
        valid_from=year_ago,
        set_by=grace,
    )
    rules.full_clean()
    rules.save()
    membership_set_payments(membership=morgan, handles_payments=True, by=grace)
    choices = {
        sam: {"choice": Choice.FULL, "method": PayMethod.BANK_TRANSFER},
        joy: {"choice": Choice.CHARITY, "charity": "Carers' Hub Lambeth"},
        kit: {"choice": Choice.EXPENSES_ONLY, "method": PayMethod.BANK_TRANSFER},
        ravi: {"choice": Choice.FULL, "as_part_of_job": True, "employer_pays_expenses": True},
        ade: {"choice": Choice.FULL, "as_part_of_job": True},
    }
    for person, choice in choices.items():
        # Chosen when they joined, a year ago: made directly, as the service dates a choice today.
        row = PaymentChoice(
            collaborative=collaborative,
            user=person,
            made_by=person,
            valid_from=year_ago,
            made_at=timezone.now() - timedelta(days=365),
            **choice,
        )
        row.full_clean()
        row.save()
    meeting = collaborative.meetings.filter(starts_at__lt=timezone.now()).order_by("-starts_at").first()
    for person in (grace, sam, joy, kit, ravi, ade):
        attendance = Attendance.objects.create(meeting=meeting, user=person, marked_by=grace)
        lines_for_register(attendance=attendance, by=grace)
    morgan = morgan.user
    sams = Line.objects.get(meeting=meeting, user=sam)
    line_approve(line=sams, by=morgan)
    lines_mark_paid(lines=[sams], by=morgan, paid_on=today, reference="BACS 2026-114")
    line_approve(line=Line.objects.get(meeting=meeting, user=joy), by=morgan)
    day = meeting.starts_at.date()
    line_add(
        by=sam,
        collaborative=collaborative,
        user=sam,
        kind=Line.Kind.EXPENSE,
        expense_type=ExpenseType.PUBLIC_TRANSPORT,
        description="Bus to and from the meeting",
        activity_on=day,
        meeting=meeting,
        amount_pence=350,
    )
    line_add(
        by=kit,
        collaborative=collaborative,
        user=kit,
        kind=Line.Kind.EXPENSE,
        expense_type=ExpenseType.MILEAGE,
        description="Drove to the meeting: 12.5 miles",
        activity_on=day,
        meeting=meeting,
        quantity=Decimal("12.5"),
        unit_pence=45,
        amount_pence=times_rate(Decimal("12.5"), 45),
    )
    refused = line_add(
        by=kit,
        collaborative=collaborative,
        user=kit,
        kind=Line.Kind.EXPENSE,
        expense_type=ExpenseType.PARKING,
        description="Parking",
        activity_on=day,
        meeting=meeting,
        amount_pence=1200,
    )
    line_refuse(
        line=refused, by=morgan, reason="The cafe's car park is free for the meeting: show your ticket at the till."
    )
    # Joy's carer cover for a working group two months ago: it has waited far too long.
    long_ago = timezone.now() - timedelta(days=45)
    waiting = line_add(
        by=joy,
        collaborative=collaborative,
        user=joy,
        kind=Line.Kind.EXPENSE,
        expense_type=ExpenseType.CARE_COVER,
        description="Cover for my mum while I was at the carers' working group",
        activity_on=(long_ago - timedelta(days=1)).date(),
        amount_pence=4500,
    )
    Line.objects.filter(pk=waiting.pk).update(created_at=long_ago, status_since=long_ago)


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


def _answer_link(ask: Ask) -> ResponderLink:
    return ResponderLink.objects.filter(ask=ask, purpose=ResponderLink.Purpose.ANSWER, used_at=None).latest("id")


def _demo_asks_load(collaborative: Collaborative) -> None:
    """Three asks to outside bodies through the asks services, as the responder would answer through their link:
    one answered on time and accepted, one refused with reasons and escalated to the ICB (a new clock), one
    past its due date with no answer; and a member's proposal waiting for the facilitators."""
    people = {m.user.email: m.user for m in Membership.objects.current_in(collaborative).select_related("user")}
    grace, kit = people["facilitator@example.org"], people["peer.lambeth@example.org"]
    today = collaborative.local_today()
    goal = collaborative.goals.order_by("review_on").first()
    key_role = collaborative.key_roles.filter(number=5).first()
    trust = "South London and Maudsley NHS Foundation Trust"

    def write(title: str, request: str, reasons: str, organisation: str, name: str, role: str, email: str) -> Ask:
        ask = Ask(
            collaborative=collaborative,
            title=title,
            request=request,
            reasons=reasons,
            organisation=organisation,
            responder_name=name,
            responder_role=role,
            responder_email=email,
            goal=goal,
            key_role=key_role,
        )
        return ask_write(ask=ask, by=grace)

    waits = write(
        "Publish the Hub's waiting times every month",
        "Please publish, each month, how long people wait at the Living Well Network Hub from first contact to a "
        "call back, and to first help.",
        "Members told us at three meetings that they do not know how long they will wait. Knowing helps people "
        "plan, and shows whether the Hub is meeting its promise.",
        trust,
        "Dr Amira Hassan",
        "Director of Community Services",
        "amira.hassan@slam.example.org",
    )
    ask_evidence_add(
        ask=waits,
        by=grace,
        description="What members said at the March meeting",
        link="https://example.org/lambeth/march-notes",
    )
    sent_on = today - timedelta(days=45)
    ask_send(ask=waits, by=grace, today=sent_on)
    answer_give(
        link=_answer_link(waits),
        kind=Answer.Kind.WILL,
        text="We will publish the median and longest waits on our website on the first working day of each month, "
        "starting next month, and bring them to your meeting each quarter.",
        name="Dr Amira Hassan",
        role="Director of Community Services",
        today=sent_on + timedelta(days=12),
    )
    ask_accept(ask=waits, by=grace, note="Agreed at the meeting: we will check the first figures together.")

    sundays = write(
        "Keep the Brixton crisis cafe open on Sundays",
        "Please fund the crisis cafe in Brixton to open on Sundays, from midday to 8pm.",
        "Sunday is the day people told us is hardest, and nothing else is open. Our survey of 64 members and "
        "carers found that 41 had needed help on a Sunday in the last year.",
        "Lambeth Council",
        "Chris Adeyemi",
        "Head of Adult Social Care Commissioning",
        "chris.adeyemi@lambeth.example.org",
    )
    sent_on = today - timedelta(days=50)
    ask_send(ask=sundays, by=grace, today=sent_on)
    answer_give(
        link=_answer_link(sundays),
        kind=Answer.Kind.CANNOT,
        text="We cannot fund Sunday opening this year: the budget for the cafe is fixed until April, and the "
        "provider has no staff for Sundays. We would look at it again for next year's contract.",
        name="Chris Adeyemi",
        role="Head of Adult Social Care Commissioning",
        today=sent_on + timedelta(days=20),
    )
    ask_escalate(
        ask=sundays,
        by=grace,
        today=today,
        organisation="NHS South East London Integrated Care Board",
        responder_name="Helen Morris",
        responder_role="Mental Health Commissioner",
        responder_email="helen.morris@icb.example.org",
        note="The council pointed to next year's contract; the ICB holds the joint budget for crisis care.",
    )

    evenings = write(
        "Add peer support workers to the Hub's evening shift",
        "Please add two peer support workers to the Hub's evening shift, 5pm to 10pm.",
        "People who call in the evening told us they want to speak to someone who has been there.",
        trust,
        "Mark Ellis",
        "Service Manager, Living Well Network Hub",
        "mark.ellis@slam.example.org",
    )
    ask_send(ask=evenings, by=grace, today=today - timedelta(days=40))

    proposal = Ask(
        collaborative=collaborative,
        title="Ask GP surgeries to display the Hub's number",
        request="Please put a poster with the Hub's number in every GP waiting room in Lambeth.",
        organisation="Lambeth GP Federation",
        responder_name="Practice liaison team",
        responder_email="liaison@lambethgps.example.org",
    )
    ask_propose(ask=proposal, by=kit)


def _demo_public_page_load(collaborative: Collaborative) -> None:
    """Lambeth's public "What changed" page: its vision, an answered ask, a refused one, a "you said, we did"
    entry, and this year's figures. Nothing else is published: the rest stays for members."""
    grace = Membership.objects.current_in(collaborative).get(user__email="facilitator@example.org").user
    vision = VisionVersion.objects.current_for(collaborative)
    if vision is not None:
        publication_publish(
            collaborative=collaborative,
            by=grace,
            kind=Publication.Kind.VISION,
            vision_version=vision,
            title="Our vision and values",
            summary="What we are working towards, shaped by people who use services, carers and staff together.",
        )
    for ask, summary in [
        (
            collaborative.asks.get(title="Publish the Hub's waiting times every month"),
            "We asked the trust to publish how long people wait at the Hub. They said yes.",
        ),
        (
            collaborative.asks.get(title="Keep the Brixton crisis cafe open on Sundays"),
            "We asked the council to open the crisis cafe on Sundays. They said no, so we have asked the ICB.",
        ),
    ]:
        publication_publish(
            collaborative=collaborative, by=grace, kind=Publication.Kind.ASK, ask=ask, title=ask.title, summary=summary
        )
    done = collaborative.actions.filter(status=Action.Status.DONE).order_by("id").first()
    if done is not None:
        publication_publish(
            collaborative=collaborative,
            by=grace,
            kind=Publication.Kind.YOU_SAID,
            action=done,
            title="You said you did not know how long the Hub takes; now the trust publishes it",
            summary="Members asked for the Hub's waiting times. The trust now sends them every month: the median "
            "wait for a first call back is 9 days.",
        )
    start, end = april_to_march(collaborative.local_today())
    publication_publish(
        collaborative=collaborative,
        by=grace,
        kind=Publication.Kind.FIGURES,
        period_start=start,
        period_end=end,
        title=f"Our year so far, April {start.year} to March {end.year}",
    )


def _demo_discussions_load(collaborative: Collaborative) -> None:
    """Between meetings, through the discussions and polls services: a discussion a facilitator closed with an
    outcome, an open one about a goal, an open proposal with votes and reasons, a closed anonymous poll with its
    results and outcome, and an open poll to find a time for an extra meeting."""
    people = {m.user.email: m.user for m in Membership.objects.current_in(collaborative).select_related("user")}
    grace, sam, helen, joy, ravi, ade, kit, morgan = (
        people[f"{email}@example.org"]
        for email in (
            "facilitator",
            "member",
            "commissioner",
            "carer.lambeth",
            "gp.lambeth",
            "trust.lambeth",
            "peer.lambeth",
            "treasurer.lambeth",
        )
    )
    now = timezone.now()
    today = collaborative.local_today()

    def ago(days: int, hours: int = 0) -> datetime:
        return now - timedelta(days=days, hours=hours)

    def at(days: int, hour: int) -> datetime:
        return local_moment(today + timedelta(days=days), time(hour), collaborative.time_zone)

    quiet = thread_start(
        collaborative=collaborative,
        by=sam,
        title="A quieter space at our meetings",
        text="The cafe gets loud by about 11 and I find it hard to follow what people say. "
        "Could we have a quieter corner, or a break, so people like me can stay for the whole meeting?",
        now=ago(12),
    )
    asked = comment_add(
        thread=quiet,
        author=joy,
        text="Yes please. I asked the owner: the back room is free on Thursday mornings and we can use it.",
        now=ago(11, 20),
    )
    comment_add(
        thread=quiet,
        author=ravi,
        text="Could we also take a ten-minute break halfway through? Two and a half hours is a long time to sit.",
        now=ago(11, 4),
    )
    comment_add(thread=quiet, author=sam, parent=asked, text="That would help a lot, thank you Joy.", now=ago(10, 22))
    thread_close(
        thread=quiet,
        by=grace,
        outcome="From next month the back room is a quiet space for anyone who needs it, and we take a "
        "ten-minute break at 11:15. We will say so on every agenda.",
        now=ago(9),
    )

    weekends = thread_start(
        collaborative=collaborative,
        by=kit,
        title="Where do people go for help at weekends?",
        text="We are mapping the crisis cafes and drop-ins in Lambeth. Where have you, or people you know, "
        "gone for help on a Saturday or a Sunday? What worked, and what did not?",
        goal=collaborative.goals.order_by("review_on").first(),
        now=ago(5),
    )
    drop_in = comment_add(
        thread=weekends,
        author=joy,
        text="The Sunday drop-in at St Luke's church. It is run by volunteers and you do not need a referral.",
        now=ago(4, 18),
    )
    comment_add(
        thread=weekends,
        author=ade,
        text="The Hub's phone line is answered at weekends, but you cannot walk in. I will check the hours "
        "with the team and put them here.",
        now=ago(3, 6),
    )
    comment_add(
        thread=weekends,
        author=morgan,
        parent=drop_in,
        text="I heard St Luke's stopped over the summer. I will ring them on Monday to see if it is back.",
        now=ago(2, 3),
    )

    evenings = poll_open(
        collaborative=collaborative,
        by=grace,
        type=Poll.Type.PROPOSAL,
        question="Hold every other meeting in the evening",
        details="Some members cannot come on Thursday mornings because of work or caring. We propose that "
        "from the spring every other meeting is on a Thursday evening, 6pm to 8pm. If you disagree, say why, "
        "so that we can find another way.",
        closes_at=at(4, 18),
        now=ago(2),
    )
    positions = {option.text: option.pk for option in evenings.options.all()}
    for person, position, reason, hours in [
        (sam, "Agree", "I could come every month, not only when I can get the morning off work.", 40),
        (joy, "Agree", "Evenings are easier for me when my son is home.", 30),
        (ravi, "Abstain", "Evenings are hard for me after surgery, but I see why it matters.", 20),
        (
            ade,
            "Disagree",
            "The cafe closes at 5. A hall costs money we do not have yet: can we find a free room first?",
            6,
        ),
    ]:
        choices = {positions[position]: 1}
        poll_vote(poll=evenings, user=person, choices=choices, reason=reason, now=now - timedelta(hours=hours))

    hub = poll_open(
        collaborative=collaborative,
        by=grace,
        type=Poll.Type.ONE,
        question="The last time you asked the Hub for help, did you get it within a week?",
        details="We want to know whether the Hub keeps its promise. Answer for yourself or for the person you "
        "care for.",
        anonymous=True,
        options=["Yes", "No", "I have not asked the Hub for help"],
        closes_at=ago(7),
        now=ago(21),
    )
    answers = {option.text: option.pk for option in hub.options.all()}
    for day, (person, answer) in enumerate(
        [
            (sam, "No"),
            (joy, "No"),
            (kit, "Yes"),
            (ade, "I have not asked the Hub for help"),
            (morgan, "Yes"),
            (ravi, "No"),
        ]
    ):
        poll_vote(poll=hub, user=person, choices={answers[answer]: 1}, now=ago(20 - day))
    poll_close(poll=hub, now=ago(6))
    poll_outcome_write(
        poll=hub,
        by=grace,
        outcome="Five of the six who answered had asked the Hub for help, and three of them did not get it within "
        "a week. We will take this to the trust with their waiting-time figures, and ask what they will change.",
        now=ago(5),
    )

    budget = poll_open(
        collaborative=collaborative,
        by=grace,
        type=Poll.Type.TIME,
        question="An extra meeting about the crisis care budget",
        details="Helen has offered to go through the ICB's budget for crisis care with us before it is agreed. "
        "Which times could you come? The meeting would be two hours, at the Cafe on the Green.",
        times=[at(9, 18), at(10, 14), at(12, 11)],
        closes_at=at(5, 18),
        now=ago(1),
    )
    slots = [option.pk for option in budget.options.order_by("position")]
    for person, said in [
        (helen, (YES, YES, NO)),
        (sam, (YES, NO, IF_I_MUST)),
        (joy, (IF_I_MUST, NO, YES)),
    ]:
        poll_vote(poll=budget, user=person, choices=dict(zip(slots, said, strict=True)), now=ago(0, 12))
