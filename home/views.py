"""Pages that bring several apps together: a Collaborative's home page and "Who's at the table"."""

from datetime import datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from actions.quick_status import quick_status_addresses, quick_status_save, quick_status_shown
from actions.selectors import MyActions, accountability, actions_due, my_actions
from asks.selectors import overdue_asks
from collaborative.freshness import fresh, lazily, with_fresh_parts
from collaborative.permissions import (
    action_for,
    facilitates,
    meeting_for,
    membership_for,
    oversees,
    profile_field_shown,
    profile_view_of,
    sees_everyones_payments,
)
from collaborative.views import collaborative_context, number_from
from discussions.unread import unread_for
from impact.selectors import CREDITS_TO_DO, credits_to_answer
from meetings.forms import RsvpForm
from meetings.models import Meeting, Rsvp
from meetings.selectors import NextMeeting, next_meeting_for, recent_attendees
from meetings.services import rsvp_set
from members.models import (
    SMALL_GROUP,
    Collaborative,
    JoinRequest,
    Membership,
    OrganisationType,
    Perspective,
    count_shown,
)
from members.services import ground_rules_to_agree
from payments.selectors import payments_to_do
from vision.models import Round
from vision.selectors import home_summary, vision_to_do


@require_http_methods(["GET", "POST"])
@with_fresh_parts
def collaborative_home(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    if request.method == "POST":
        return _home_post(request, membership)
    return _home_page(request, membership)


def _my_actions_shown(membership: Membership, typed=None, saved: int | None = None) -> MyActions:
    """The member's actions for "My actions", each quick status showing what was typed in it (`typed`, the
    posted home page) and not saved, except the one just saved (`saved`): what is saved now."""
    mine = my_actions(membership)
    quick_status_addresses(mine.actions, membership.collaborative)
    for action in mine.actions:
        quick_status_shown(action, typed if action.pk != saved else None)
    return mine


def _home_page(
    request: HttpRequest, membership: Membership, mine: MyActions | None = None, status: int = 200
) -> HttpResponse:
    """The home page. Its parts are kept ready-made (templates/members/collaborative_home.html) and worked out
    only when they are not: what every member sees (the vision), and what is the person's own (their notices,
    their answer to the next meeting, their actions). `mine`: "My actions" as posted, with what was typed in
    them, shown and never kept; None for the page as saved."""
    collaborative = membership.collaborative
    today = collaborative.local_today()

    def notices() -> dict:
        requests_waiting = (
            collaborative.join_requests.filter(status=JoinRequest.Status.PENDING).count()
            if facilitates(membership)
            else 0
        )
        return {"notices": {"requests_waiting": requests_waiting, "needs_to_agree": ground_rules_to_agree(membership)}}

    def shown_mine() -> dict:
        shown = _my_actions_shown(membership) if mine is None else mine
        return {"my_actions": shown.actions, "more_actions": shown.more}

    # "Next meeting" and "Things to do" share it: read once, by whichever part is made first.
    next_meeting = lazily(lambda: {"next": next_meeting_for(membership)}, "next")

    return render(
        request,
        "members/collaborative_home.html",
        collaborative_context(
            membership,
            **lazily(notices, "notices"),
            **next_meeting,
            **lazily(lambda: {"to_do": _things_to_do(membership, next_meeting["next"])}, "to_do"),
            **lazily(lambda: {"summary": home_summary(membership)}, "summary"),
            **lazily(shown_mine, "my_actions", "more_actions"),
            # "Accountability", for commissioners and facilitators: counts that change with the data and the day.
            oversees=oversees(membership),
            sees_everyones_payments=sees_everyones_payments(membership),
            today=today,
            **lazily(lambda: {"accountability": accountability(collaborative, today)}, "accountability"),
            answers=Rsvp.Answer.choices,
            moments_passed=_moments_passed(request, collaborative, rounds=True),
            # What was typed and not saved is this request's alone: that part is made afresh and not kept.
            keep_my_actions=mine is None,
            # "New since you last looked": the person's own, and changed by their reading, so never kept.
            unread=unread_for(membership),
        ),
        status=status,
    )


def _things_to_do(membership: Membership, coming: NextMeeting) -> dict:
    """What is waiting for the person, for "Things to do" at the top of the home page, each with the place to do
    it: the open self-assessment round if they have not answered it all, drafts of the vision asking for ideas
    they have not added to, an answer to the next meeting not given, and how many of their actions are overdue
    or due soon (counted: "My actions" lists them), and payments: saying how they would like to be paid, and for
    the payments contact and facilitators, payments waiting too long and letters to sign; for facilitators, asks
    gone past their due date. In five queries at most for a member, eight for them, and one for requests to be
    named on the public page, however much data there is."""
    vision = vision_to_do(membership)
    meeting = coming.meeting
    to_answer = meeting if meeting is not None and coming.rsvp is None and not meeting.has_started else None
    due = actions_due(membership)
    payments = payments_to_do(membership, sees_everyone=sees_everyones_payments(membership))
    # Requests to be named on an item of the public "What changed" page (impact).
    credits = credits_to_answer(membership.user_id, membership.collaborative)
    # Asks gone past their due date, flagged to every member (one count); the facilitators remind, ask again or
    # escalate (the template says so to them).
    asks_overdue = overdue_asks(membership.collaborative, membership.collaborative.local_today(), limit=0)
    asks_overdue = asks_overdue if asks_overdue.count else None
    return {
        "round": vision.round,
        "drafts": vision.drafts,
        "more_drafts": vision.more_drafts,
        "meeting": to_answer,
        "due": due,
        "payments": payments,
        "credits": credits[:CREDITS_TO_DO],
        "more_credits": len(credits) > CREDITS_TO_DO,
        "asks_overdue": asks_overdue,
        "any": bool(
            vision.round
            or vision.drafts
            or to_answer
            or due.overdue
            or due.soon
            or payments.any
            or credits
            or asks_overdue
        ),
    }


# A part's key holds the quarter hour; the moments are found this far either side of the time they are looked
# for, so that they cover the whole quarter hour of any key they are kept under.
MOMENTS_AROUND = timedelta(minutes=30)


def _moments_passed(request: HttpRequest, collaborative: Collaborative, *, rounds: bool) -> int:
    """How many of the moments near now at which a page changes by itself have passed: a meeting starting or
    ending, and (`rounds`) a self-assessment round opening or closing. A cached part that shows what they decide
    (the next meeting, whether it has started, the last meetings, the open round) varies with this number, so
    that it is never shown from the wrong side of one. The moments are kept ready-made themselves (a part that
    is a list of times), so that on most requests counting them reads nothing."""

    def moments() -> str:
        now = timezone.now()
        near = (now - MOMENTS_AROUND, now + MOMENTS_AROUND)
        meetings = Meeting.objects.for_collaborative(collaborative).scheduled()
        found = meetings.filter(Q(starts_at__range=near) | Q(ends_at__range=near)).values_list("starts_at", "ends_at")
        if rounds:  # In the same query.
            opened_or_closed = Q(opened_at__range=near) | Q(closes_at__range=near)
            found = found.order_by().union(
                Round.objects.filter(opened_or_closed, collaborative=collaborative)
                .values_list("opened_at", "closes_at")
                .order_by(),
                all=True,
            )
        times = [moment for pair in found for moment in pair]
        return " ".join(moment.isoformat() for moment in times if near[0] <= moment <= near[1])

    now = timezone.now()
    listed = fresh(request, "moments", [rounds], moments).split()
    return sum(datetime.fromisoformat(moment) <= now for moment in listed)


def _home_post(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Without JavaScript, the home page is one form: "Are you coming?" and each action's "Save" send everything
    typed on it here. This saves what the button pressed is for (the answer, or that action's status) and, when
    something was typed for other actions, shows the page again with it still in their boxes, not saved. If the
    button's own part is refused, nothing is saved and the page comes back with everything typed. With
    JavaScript, htmx saves each in place instead (meetings:rsvp and actions:status).
    """
    slug = membership.collaborative.slug
    saved = refused_action = None
    refused = ""  # What is wrong with the pressed button's part, if anything.
    if "answer" in request.POST:
        _, meeting = meeting_for(request.user, slug, number_from(request.POST.get("meeting")))
        form = RsvpForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError("Choose coming, maybe or can't come.")
            rsvp = rsvp_set(meeting=meeting, user=request.user, answer=form.cleaned_data["answer"])
        except ValidationError as error:
            refused = error.messages[0]
            messages.error(request, refused)
        else:
            messages.success(request, rsvp.confirmation())
    elif (pk := number_from(request.POST.get("save"))) is not None:
        _, action = action_for(request.user, slug, pk, to="change")
        refused = quick_status_save(action, request.POST, by=request.user)
        if refused:
            refused_action = action.pk
        else:
            saved = action.pk
            action.refresh_from_db()
            messages.success(request, f"“{action.title}” is now {action.get_status_display().lower()}.")
    mine = _my_actions_shown(membership, request.POST, saved)
    if refused_action is not None:
        shown = next((action for action in mine.actions if action.pk == refused_action), None)
        if shown is None:
            messages.error(request, refused)
        else:
            shown.error = refused  # Beside its "Save".
    if not refused and not any(action.unsaved for action in mine.actions):
        return redirect(membership.collaborative)
    return _home_page(request, membership, mine, status=400 if refused else 200)


RECENT_MEETINGS = 6
# What of members' profiles "Who's at the table" counts.
COUNTED_FIELDS = ("perspectives", "organisation")
BAR_WIDTH = 280  # The longest bar, in the chart's own units (the labels take the first 310).


def _chart(choices, counts: dict[str, int]) -> list[dict]:
    """Rows for a bar chart and its table; a small count hides its number and its bar."""
    largest = max([count for count in counts.values() if count >= SMALL_GROUP], default=0)
    return [
        {
            "label": label,
            "count": counts[value] if counts[value] >= SMALL_GROUP else None,
            "shown": count_shown(counts[value]),
            "width": round(BAR_WIDTH * counts[value] / largest) if counts[value] >= SMALL_GROUP else 0,
            "y": index * 36,
        }
        for index, (value, label) in enumerate(choices)
    ]


@require_GET
@with_fresh_parts
def at_the_table(request: HttpRequest, slug: str) -> HttpResponse:
    """How many members bring each perspective and come from each type of organisation."""
    viewer = membership_for(request.user, slug)
    # The charts are kept ready-made (templates/members/collaborative_table.html) and counted only when they are
    # not: they are the same for everyone who sees the same of others' profiles, until the data changes or a
    # meeting ends.
    return render(
        request,
        "members/collaborative_table.html",
        collaborative_context(
            viewer,
            **lazily(lambda: {"table": _table(viewer)}, "table"),
            profile_view=profile_view_of(viewer, request.user, COUNTED_FIELDS),
            moments_passed=_moments_passed(request, viewer.collaborative, rounds=False),
        ),
    )


def _table(viewer: Membership) -> dict:
    """The charts of "Who's at the table", and how many members there are, as the viewer may see them."""
    # The database counts the people with each list of perspectives and type of organisation
    # (a few hundred lists at most, however many people), each only where what they share is seen
    # by the viewer; the lists are added up here.
    shares_perspectives = profile_field_shown(viewer, "perspectives")
    came = Q(user_id__in=recent_attendees(viewer.collaborative, RECENT_MEETINGS))
    lists = (
        Membership.objects.current_in(viewer.collaborative)
        .order_by()
        .values_list("user__perspectives", "user__organisation_type")
        .annotate(
            people=Count("pk"),
            perspectives_seen=Count("pk", filter=shares_perspectives),
            organisation_seen=Count("pk", filter=profile_field_shown(viewer, "organisation")),
            # Who actually came: the people at the last few meetings, by the perspectives they share.
            came_seen=Count("pk", filter=shares_perspectives & came),
        )
    )
    total = 0
    perspectives = dict.fromkeys(Perspective.values, 0)
    organisations = dict.fromkeys(OrganisationType.values, 0)
    at_meetings = dict.fromkeys(Perspective.values, 0)
    for values, organisation_type, people, perspectives_seen, organisation_seen, came_seen in lists:
        total += people
        for value in values:
            if value in perspectives:
                perspectives[value] += perspectives_seen
                at_meetings[value] += came_seen
        if organisation_type in organisations:
            organisations[organisation_type] += organisation_seen
    charts = [
        {
            "id": "perspectives",
            "title": "Perspectives people bring",
            "what": "Perspective",
            "counted": "Members",
            "rows": _chart(Perspective.choices, perspectives),
        },
        {
            "id": "organisations",
            "title": "Types of organisation",
            "what": "Type of organisation",
            "counted": "Members",
            "rows": _chart(OrganisationType.choices, organisations),
        },
        {
            "id": "attended",
            "title": f"Perspectives of those who came to the last {RECENT_MEETINGS} meetings",
            "what": "Perspective",
            "counted": "People who came",
            "rows": _chart(Perspective.choices, at_meetings),
        },
    ]
    for chart in charts:
        chart["height"] = len(chart["rows"]) * 36
        for row in chart["rows"]:
            row["text_y"], row["bar_y"], row["count_x"] = row["y"] + 22, row["y"] + 6, 310 + row["width"] + 8
    return {"charts": charts, "total": total}
