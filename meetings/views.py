from collections import Counter
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, F, FilteredRelation, Q
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from collaborative.freshness import lazily, with_fresh_parts
from collaborative.permissions import (
    LinkNotValid,
    agenda_item_for,
    calendar_feed_for,
    check_in_for,
    facilitates,
    facilitator_membership_for,
    meeting_for,
    membership_for,
    profile_fields_for,
    rsvp_link_for,
    venue_for,
)
from collaborative.views import (
    addresses,
    collaborative_context,
    done,
    query_without_page,
    refusal_on,
    render_page,
    safe_next,
    say,
)
from meetings.calendar import calendar_bytes
from meetings.calendar import meeting_ics as meeting_ics_bytes
from meetings.forms import (
    AgendaItemForm,
    CancelForm,
    DecisionForm,
    DeclineForm,
    GuestsForm,
    MeetingForm,
    NotesForm,
    RemoveForm,
    RsvpForm,
    SeriesForm,
    VenueForm,
)
from meetings.models import AgendaItem, Attendance, CalendarFeed, CheckInRequest, Decision, Meeting, Rsvp, Venue
from meetings.panels import AGENDA_PRINT, DETAIL, panels_for
from meetings.selectors import check_in_offer, recent_meetings
from meetings.services import (
    agenda_changes_since_published,
    agenda_item_accept,
    agenda_item_change,
    agenda_item_decline,
    agenda_item_move,
    agenda_item_propose,
    agenda_item_remove,
    agenda_item_withdraw,
    agenda_publish,
    agenda_recipients,
    calendar_feed_meetings,
    calendar_feed_renew,
    check_in_answer,
    check_in_ask,
    decision_record,
    decision_withdraw,
    meeting_cancel,
    meeting_change,
    meeting_schedule,
    members_unanswered,
    minutes_approve,
    minutes_to_approve,
    notes_publish,
    notes_save,
    register_guests,
    register_mark,
    rsvp_ask_unanswered,
    rsvp_set,
    series_schedule,
    venue_save,
)
from members.models import AccessNeed, Membership, Perspective, User, count_shown

PAST_PAGE_SIZE = 20
UNANSWERED = 30  # The names of those who have not said shown to facilitators; the rest are counted.
ATTENDANCE_PAGE_SIZE = 50
CAME_NAMES = 60  # The names of those who came shown to facilitators on the meeting's page; the rest are counted.


@require_GET
@with_fresh_parts
def meeting_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative
    meetings = Meeting.objects.for_collaborative(collaborative)
    now = timezone.now()  # One moment for the whole page: which meetings are to come, and which have passed.
    # The meetings still to come, with the viewer's answer to each: one small query, all the page reads when its
    # parts are cached (templates/meetings/meeting_list.html). With the data's version, which meetings are to
    # come decides which have passed; and the answers are the only thing on the page that is the viewer's own.
    coming = list(
        meetings.upcoming(now)
        .alias(mine=FilteredRelation("rsvps", condition=Q(rsvps__user_id=request.user.pk)))
        .values_list("pk", "mine__answer")
    )
    answers = {pk: answer for pk, answer in coming if answer}
    address = addresses("meetings:detail", slug=collaborative.slug)

    def upcoming() -> dict:
        upcoming = list(meetings.upcoming(now).select_related("venue"))
        for meeting in upcoming:
            meeting.collaborative = collaborative  # For its times on the Collaborative's clocks, without a join.
            meeting.url = address(meeting.pk)
            meeting.my_answer = answers.get(meeting.pk)
        return {"upcoming": upcoming}

    def past() -> dict:
        page = Paginator(meetings.past(now), PAST_PAGE_SIZE).get_page(request.GET.get("page"))
        for meeting in page:
            meeting.collaborative = collaborative
            meeting.url = address(meeting.pk)
        return {"page": page}

    return render(
        request,
        "meetings/meeting_list.html",
        collaborative_context(
            membership,
            **lazily(upcoming, "upcoming"),
            **lazily(past, "page"),
            coming=" ".join(str(pk) for pk, _ in coming),
            answers=" ".join(f"{pk}:{answer}" for pk, answer in answers.items()),
        ),
    )


def rsvp_context(meeting: Meeting, rsvp: Rsvp | None) -> dict:
    """What the "are you coming?" buttons need, on the meeting page and the home page."""
    return {"meeting": meeting, "rsvp": rsvp, "answers": Rsvp.Answer.choices}


def _attendance(meeting: Meeting, *, names: bool) -> dict:
    """Numbers for everyone, counted in the database; with `names` (for facilitators), who is coming and what
    they need."""
    # Only current members count: someone who has left is no longer coming.
    members = Membership.objects.current_in(meeting.collaborative).values("user_id")
    answered = Rsvp.objects.filter(meeting=meeting, user_id__in=members)
    # How many gave each answer: a few rows, however many answered.
    numbers = {"coming": 0, "maybe": 0, "not_coming": 0, "waiting": 0}
    for answer, waiting, n in answered.order_by().values_list("answer", "waiting").annotate(n=Count("id")):
        numbers["waiting" if waiting else answer] += n
    # Catering: plan for everyone coming, and perhaps those who said maybe.
    numbers |= {"headcount_low": numbers["coming"], "headcount_high": numbers["coming"] + numbers["maybe"]}
    if not names:
        return numbers
    people = (
        answered.exclude(answer=Rsvp.Answer.NOT_COMING)
        .select_related("user")
        .only(
            "answer", "waiting", "user__email", "user__display_name", "user__access_needs", "user__access_needs_other"
        )
        .order_by("updated_at", "id")
    )
    rsvps = list(people)
    coming_people = [r.user for r in rsvps if r.answer == Rsvp.Answer.COMING and not r.waiting]
    needs = [
        {"label": label, "people": [person for person in coming_people if value in person.access_needs]}
        for value, label in AccessNeed.choices
    ]
    # Who has not said, by name: the first few A to Z, and how many more (a list as long as the membership would
    # not fit a page).
    unanswered = members_unanswered(meeting)
    unanswered_count = unanswered.count()
    first = unanswered.select_related("user").order_by(Lower("user__display_name"), "pk")[:UNANSWERED]
    return numbers | {
        "unanswered_count": unanswered_count,
        "unanswered_people": [m.user for m in first],
        "unanswered_more": max(unanswered_count - UNANSWERED, 0),
        "coming_people": coming_people,
        "maybe_people": [r.user for r in rsvps if r.answer == Rsvp.Answer.MAYBE],
        "waiting_people": [r.user for r in rsvps if r.waiting],
        "needs": [need for need in needs if need["people"]],
        "in_their_words": [person for person in coming_people if person.access_needs_other],
    }


def _viewers_own(meeting: Meeting, viewer: User) -> tuple[Rsvp | None, bool]:
    """What of a meeting's page is the viewer's own: their answer (an Rsvp with its answer and whether they wait
    for a place), and whether they proposed items not on the agenda. One query."""
    theirs = AgendaItem.objects.filter(meeting_id=meeting.pk, proposed_by_id=viewer.pk)
    answer, waiting, proposed = (
        Meeting.objects.filter(pk=meeting.pk)
        .alias(mine=FilteredRelation("rsvps", condition=Q(rsvps__user_id=viewer.pk)))
        .annotate(proposed=Exists(theirs.exclude(status=AgendaItem.Status.ACCEPTED)))
        .values_list("mine__answer", "mine__waiting", "proposed")
        .get()
    )
    rsvp = None if answer is None else Rsvp(meeting=meeting, user=viewer, answer=answer, waiting=waiting)
    return rsvp, proposed


@require_GET
@with_fresh_parts
def meeting_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, meeting = meeting_for(request.user, slug, pk)
    manages = facilitates(membership)
    mine, proposed = _viewers_own(meeting, request.user)
    my_items = []  # Read only for those who proposed items not on the agenda: most people have none.
    if proposed:
        my_items = meeting.agenda_items.filter(proposed_by=request.user).exclude(status=AgendaItem.Status.ACCEPTED)
        if manages:  # Facilitators see the items taken off the agenda under a heading of their own.
            my_items = my_items.exclude(status=AgendaItem.Status.REMOVED)

    def agenda() -> dict:
        items = list(meeting.agenda_items.select_related("proposed_by"))
        agenda = [item for item in items if item.status == AgendaItem.Status.ACCEPTED]
        # Members see the items once the agenda is published, or the notes (which are written under them).
        shown = meeting.agenda_published_at or meeting.notes_published_at or manages
        return {
            "agenda": agenda if shown else [],
            "proposed": [item for item in items if item.status == AgendaItem.Status.PROPOSED],
            "removed": [item for item in items if item.status == AgendaItem.Status.REMOVED] if manages else [],
            "noted_items": [item for item in agenda if item.notes],
            "agenda_time": agenda_time(meeting, agenda) if manages else None,
        }

    def afterwards() -> dict:
        # The notes, decisions and who came are shown once the meeting has started (unless it was cancelled).
        # In a dict: a number of its own would be a lazy object, which filters such as pluralize cannot read.
        after = meeting.has_started and not meeting.is_cancelled
        came = meeting.attendances.filter(attended=True)
        count = came.count() if after else 0
        # Who came, by name, for facilitators only (as the register): the first few A to Z, and how many more.
        named = came.select_related("user").order_by(Lower("user__display_name"), "pk")[:CAME_NAMES]
        return {
            "afterwards": {
                "decisions": [d for d in meeting.decisions.all() if not d.withdrawn_at] if after else [],
                "came": count,
                "came_people": [a.user for a in named] if after and manages and count else [],
                "came_more": max(count - CAME_NAMES, 0) if manages else 0,
            }
        }

    # What every viewer of a kind sees is kept ready-made (templates/meetings/meeting_detail.html) and worked out
    # only when it is made again; the viewer's answer and their own proposals are read each time.
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            **collaborative_context(membership),
            **lazily(agenda, "agenda", "proposed", "removed", "noted_items", "agenda_time"),
            **lazily(afterwards, "afterwards"),
            **lazily(lambda: {"attendance": _attendance(meeting, names=manages)}, "attendance"),
            **lazily(lambda: {"panels": panels_for(DETAIL, meeting, membership)}, "panels"),
            **lazily(lambda: {"minutes_waiting": minutes_to_approve(meeting) if manages else None}, "minutes_waiting"),
            "my_items": my_items,
            "show_notes": bool(meeting.notes_published_at) or manages,
            # The viewer's own, never kept ready-made: only they (and the facilitators) know they asked.
            "check_in": check_in_offer(meeting, request.user),
            **rsvp_context(meeting, mine),
        },
    )


@require_POST
@vary_on_headers("HX-Request")
def rsvp(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One click: coming, maybe or can't come. htmx gets the buttons back; without JavaScript, the page."""
    _, meeting = meeting_for(request.user, slug, pk)
    form = RsvpForm(request.POST)
    answer = None
    error = ""
    if not form.is_valid():
        error = "Choose coming, maybe or can't come."
    else:
        try:
            answer = rsvp_set(meeting=meeting, user=request.user, answer=form.cleaned_data["answer"])
        except ValidationError as problem:
            error = problem.messages[0]
    if request.htmx:
        # The buttons without a form of their own: they go back into the form of the page they came from.
        mine = answer or Rsvp.objects.filter(meeting=meeting, user=request.user).first()
        context = {**rsvp_context(meeting, mine), "rsvp_error": error}
        response = render_page(request, "meetings/meeting_detail.html", context, fragment="rsvp")
        # Other parts of the page that show whether the person has answered (the home page's "Things to do")
        # listen for this and fetch themselves again.
        return response if error else trigger_client_event(response, "rsvp-saved")
    back = safe_next(request, request.POST.get("next", ""), meeting.get_absolute_url())
    if error:
        return done(request, error, back, level=messages.ERROR)
    return done(request, answer.confirmation(), back)


def _schedule(request: HttpRequest, slug: str, form_class, template: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative
    data = request.POST if request.method == "POST" else None
    form = form_class(data, collaborative=collaborative)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        place = {
            "title": values["title"],
            "start": values["start_time"],
            "end": values["end_time"],
            "format": values["format"],
            "venue": values["venue"],
            "online_link": values["online_link"],
            "notes_for_members": values["notes_for_members"],
        }
        with refusal_on(form):
            if form_class is SeriesForm:
                meetings = series_schedule(
                    collaborative=collaborative,
                    by=request.user,
                    week=values["week"],
                    weekday=values["weekday"],
                    first_month=values["day"],
                    months=values["months"],
                    **place,
                )
            else:
                meetings = [meeting_schedule(collaborative=collaborative, by=request.user, day=values["day"], **place)]
            if len(meetings) == 1:
                return done(request, "The meeting has been scheduled.", meetings[0])
            return done(request, f"{len(meetings)} meetings have been scheduled.", "meetings:list", slug=slug)
    return render_page(
        request,
        template,
        {
            **collaborative_context(membership),
            "form": form,
            "has_venues": collaborative.venues.filter(is_archived=False).exists(),
        },
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def meeting_schedule_one(request: HttpRequest, slug: str) -> HttpResponse:
    return _schedule(request, slug, MeetingForm, "meetings/meeting_form.html")


@require_http_methods(["GET", "POST"])
def meeting_schedule_series(request: HttpRequest, slug: str) -> HttpResponse:
    return _schedule(request, slug, SeriesForm, "meetings/meetingseries_form.html")


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, meeting = meeting_for(request.user, slug, pk, manage=True)
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(data, collaborative=membership.collaborative, initial=MeetingForm.initial_for(meeting))
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        with refusal_on(form):
            meeting_change(
                meeting=meeting,
                by=request.user,
                day=values["day"],
                start=values["start_time"],
                end=values["end_time"],
                title=values["title"],
                format=values["format"],
                venue=values["venue"],
                online_link=values["online_link"],
                notes_for_members=values["notes_for_members"],
            )
            return done(
                request, "The meeting has been changed. Other meetings in its series are as they were.", meeting
            )
    return render_page(
        request,
        "meetings/meeting_form.html",
        collaborative_context(membership, form=form, meeting=meeting),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def meeting_cancel_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, meeting = meeting_for(request.user, slug, pk, manage=True)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            meeting_cancel(meeting=meeting, by=request.user, reason=form.cleaned_data["reason"])
            return done(
                request, "The meeting has been cancelled. Other meetings in its series are as they were.", meeting
            )
    return render_page(
        request,
        "meetings/meeting_cancel.html",
        collaborative_context(membership, form=form, meeting=meeting),
        invalid=form,
    )


@require_GET
def venue_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    return render(
        request,
        "meetings/venue_list.html",
        {
            **collaborative_context(membership),
            "venues": membership.collaborative.venues.all(),
        },
    )


@require_http_methods(["GET", "POST"])
def venue_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    if pk is None:
        membership = facilitator_membership_for(request.user, slug)
        venue = Venue(collaborative=membership.collaborative)
    else:
        membership, venue = venue_for(request.user, slug, pk)
    form = VenueForm(request.POST if request.method == "POST" else None, instance=venue)
    if request.method == "POST" and form.is_valid():
        venue_save(venue=form.save(commit=False))
        return done(request, f"{venue.name} has been saved.", "meetings:venues", slug=slug)
    return render_page(
        request,
        "meetings/venue_form.html",
        collaborative_context(membership, form=form, venue=venue),
        invalid=form,
    )


def agenda_time(meeting: Meeting, items) -> dict:
    """The agenda's minutes against the meeting's length, for facilitators: "Agenda: 95 of 120 minutes"."""
    items = list(items)
    total = sum(item.minutes or 0 for item in items)
    return {
        "minutes": total,
        "length": meeting.length_minutes,
        "over": max(total - meeting.length_minutes, 0),
        "untimed": sum(1 for item in items if not item.minutes),
    }


@require_http_methods(["GET", "POST"])
def agenda_propose(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Any member proposes an item; a facilitator's goes straight on the agenda, where they choose."""
    membership, meeting = meeting_for(request.user, slug, pk)
    manages = facilitates(membership)
    agenda = list(meeting.agenda_items.on_agenda()) if manages else None
    form = AgendaItemForm(request.POST if request.method == "POST" else None, agenda=agenda)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            item = agenda_item_propose(meeting=meeting, by=request.user, accept=manages, **form.cleaned_data)
            if item.status == AgendaItem.Status.ACCEPTED:
                said = "The item is on the agenda."
            else:
                said = "Thank you. The facilitators will look at your item and tell you here."
            return done(request, said, f"{meeting.get_absolute_url()}#agenda")
    return render_page(
        request,
        "meetings/agendaitem_form.html",
        collaborative_context(
            membership, meeting=meeting, form=form, agenda_time=agenda_time(meeting, agenda) if manages else None
        ),
        invalid=form,
    )


@require_POST
def agenda_item_decide(request: HttpRequest, slug: str, meeting_pk: int, pk: int, action: str) -> HttpResponse:
    """Facilitators accept (or put back) or move an item; the proposer withdraws their own."""
    _, item = agenda_item_for(request.user, slug, meeting_pk, pk, manage=action != "withdraw")
    agenda = f"{item.meeting.get_absolute_url()}#agenda"
    try:
        if action == "accept":
            agenda_item_accept(item=item, by=request.user)
            return done(request, f"\u201c{item.title}\u201d is on the agenda.", agenda)
        if action == "withdraw":
            agenda_item_withdraw(item=item, by=request.user)
            return done(request, f"You withdrew \u201c{item.title}\u201d.", agenda)
        agenda_item_move(item=item, up=action == "up", by=request.user)
    except ValidationError as error:
        return done(request, error, agenda)
    return redirect(agenda)


@require_http_methods(["GET", "POST"])
def agenda_item_decline_view(request: HttpRequest, slug: str, meeting_pk: int, pk: int) -> HttpResponse:
    """Facilitators say "not this time", with a reason the proposer sees, on a page of its own: the meeting
    page then has no box to type in among its other buttons, whose pressing would lose the words."""
    membership, item = agenda_item_for(request.user, slug, meeting_pk, pk, manage=True)
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        agenda = f"{item.meeting.get_absolute_url()}#agenda"
        try:
            agenda_item_decline(item=item, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            return done(request, error, agenda)
        return done(request, f"\u201c{item.title}\u201d is not on the agenda this time.", agenda)
    return render_page(
        request,
        "meetings/agendaitem_decline.html",
        collaborative_context(membership, item=item, form=form),
        invalid=form,
    )


AGENDA_HISTORY = 20  # The latest changes shown on an item's page.


@require_http_methods(["GET", "POST"])
def agenda_item_edit(request: HttpRequest, slug: str, meeting_pk: int, pk: int) -> HttpResponse:
    """Facilitators correct an item on the agenda, and choose where it goes; what it said before is kept."""
    membership, item = agenda_item_for(request.user, slug, meeting_pk, pk, manage=True)
    meeting = item.meeting
    agenda = list(meeting.agenda_items.on_agenda())
    form = AgendaItemForm(request.POST if request.method == "POST" else None, instance=item, agenda=agenda)
    back = f"{meeting.get_absolute_url()}#agenda"
    if request.method == "POST" and item.status != AgendaItem.Status.ACCEPTED:
        return done(request, "Only items on the agenda can be changed.", back, level=messages.ERROR)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            changed = agenda_item_change(item=item, by=request.user, **form.cleaned_data)
            said = f"\u201c{form.cleaned_data['title']}\u201d is changed." if changed else "Nothing was changed."
            return done(request, said, back)
    return render_page(
        request,
        "meetings/agendaitem_edit.html",
        collaborative_context(
            membership,
            meeting=meeting,
            item=item,
            form=form,
            agenda_time=agenda_time(meeting, agenda),
            history=item.changes.select_related("changed_by").order_by("-changed_at", "-id")[:AGENDA_HISTORY],
        ),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def agenda_item_remove_view(request: HttpRequest, slug: str, meeting_pk: int, pk: int) -> HttpResponse:
    """Facilitators take an item off the agenda, asked first on a page of its own; it is kept, and can be put
    back."""
    membership, item = agenda_item_for(request.user, slug, meeting_pk, pk, manage=True)
    form = RemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        back = f"{item.meeting.get_absolute_url()}#agenda"
        try:
            agenda_item_remove(item=item, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            return done(request, error, back, level=messages.ERROR)
        return done(request, f"\u201c{item.title}\u201d is taken off the agenda. You can put it back.", back)
    return render_page(
        request,
        "meetings/agendaitem_remove.html",
        collaborative_context(membership, meeting=item.meeting, item=item, form=form),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def agenda_publish_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Publish the agenda (one button on the meeting's page); publish changes to it after asking first, on this
    page, which says what changed and who will be emailed."""
    membership, meeting = meeting_for(request.user, slug, pk, manage=True)
    agenda = f"{meeting.get_absolute_url()}#agenda"
    if request.method == "POST":
        again = request.POST.get("again") == "1"
        if meeting.agenda_published_at and not again and meeting.agenda_changed_since_published:
            # From a meeting page opened before someone else published: ask first, here.
            return done(request, "The agenda was published meanwhile: check the changes first.", request.path)
        try:
            agenda_publish(meeting=meeting, by=request.user, again=again)
        except ValidationError as error:
            return done(request, error, agenda, level=messages.ERROR)
        if again:
            return done(request, "The changed agenda is published. Members are being told by email.", agenda)
        return done(request, "The agenda is published. Members are being told by email.", agenda)
    return render(
        request,
        "meetings/agenda_publish.html",
        collaborative_context(
            membership,
            meeting=meeting,
            agenda=meeting.agenda_items.on_agenda(),
            changes=agenda_changes_since_published(meeting),
            recipients=agenda_recipients(meeting),
        ),
    )


@require_GET
def agenda_print(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The agenda in large print, to read on screen or print for the table."""
    membership, meeting = meeting_for(request.user, slug, pk)
    shown = meeting.agenda_published_at or facilitates(membership)
    return render(
        request,
        "meetings/agenda_print.html",
        {
            **collaborative_context(membership),
            "meeting": meeting,
            "items": meeting.agenda_items.on_agenda() if shown else [],
            "published": bool(meeting.agenda_published_at),
            "panels": panels_for(AGENDA_PRINT, meeting, membership) if shown else [],
        },
    )


@require_GET
def meeting_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The meeting as a calendar file, to add it to a phone's or computer's calendar."""
    _, meeting = meeting_for(request.user, slug, pk)
    response = HttpResponse(meeting_ics_bytes(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.local_start:%Y-%m-%d}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def calendar_subscription(request: HttpRequest) -> HttpResponse:
    """The member's private calendar address, with how to use it, and a way to change or stop it."""
    if request.method == "POST":
        if request.POST.get("action") == "stop":
            CalendarFeed.objects.filter(user=request.user).delete()
            said = "Your calendar address has been stopped. Calendars using it will stop updating."
        else:
            had_one = CalendarFeed.objects.filter(user=request.user).exists()
            calendar_feed_renew(user=request.user)
            said = (
                "Here is your new calendar address. The old one no longer works."
                if had_one
                else "Here is your calendar address."
            )
        return done(request, said, "meetings:calendar")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    url = request.build_absolute_uri(reverse("meetings:calendar_feed", kwargs={"token": feed.token})) if feed else ""
    return render(
        request,
        "meetings/calendarfeed_detail.html",
        {
            "feed": feed,
            "feed_url": url,
            "webcal_url": url.replace("https://", "webcal://").replace("http://", "webcal://"),
        },
    )


@login_not_required
@require_http_methods(["GET", "HEAD"])
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """What calendar programs fetch: the secret address is the permission."""
    feed = calendar_feed_for(token)
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    body = calendar_bytes(calendar_feed_meetings(feed), name="Living Well Collaboratives")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def rsvp_link(request: HttpRequest, token: str) -> HttpResponse:
    """The "Coming / Maybe / Can't come" links in reminder emails, without signing in.

    Opening the link shows the answer with one button to confirm: mail programs and
    virus scanners open links in emails by themselves, and must not answer for anyone.
    """
    try:
        meeting, person, answer = rsvp_link_for(token)
    except LinkNotValid:
        return render(request, "meetings/rsvp_link.html", {"invalid": True}, status=400)
    label = Rsvp.Answer(answer).label
    error, done = "", None
    if request.method == "POST":
        try:
            done = rsvp_set(meeting=meeting, user=person, answer=answer)
        except ValidationError as problem:
            error = problem.messages[0]
    elif meeting.is_cancelled or meeting.has_started:
        error = "This meeting is cancelled." if meeting.is_cancelled else "This meeting has started."
    return render_page(
        request,
        "meetings/rsvp_link.html",
        {
            "meeting": meeting,
            "person": person,
            "label": label,
            "error": error,
            "said": done.confirmation() if done else "",
        },
        status=400 if error and request.method == "POST" else 200,
    )


REGISTER_EVERYONE = 100  # Up to this many members the register lists them all; beyond, who is expected and a search.
REGISTER_PAGE_SIZE = 100


@require_GET
def register(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The register: one tap each and a count of guests. Everyone in a small Collaborative; in a large one,
    who said they are coming (or maybe) or is marked already, and a search by name for anyone else."""
    membership, meeting = meeting_for(request.user, slug, pk, manage=True)
    return render(request, "meetings/meeting_register.html", _register_context(membership, meeting, request=request))


def _register_context(membership, meeting: Meeting, guests_typed: str | None = None, *, request=None) -> dict:
    members = Membership.objects.current_in(meeting.collaborative)
    search = (request.GET.get("q", "") if request else "").strip()[:100]
    everyone = not search and members.count() <= REGISTER_EVERYONE
    if search:
        members = members.filter(user__display_name__icontains=search)
    elif not everyone:
        expected = Q(user__rsvps__meeting=meeting, user__rsvps__answer__in=[Rsvp.Answer.COMING, Rsvp.Answer.MAYBE])
        members = members.filter(expected | Q(user__attendances__meeting=meeting)).distinct()
    page = Paginator(members.order_by(Lower("user__display_name"), "pk"), REGISTER_PAGE_SIZE).get_page(
        request.GET.get("page") if request else None
    )
    marks = dict(meeting.attendances.filter(user__in=[m.user_id for m in page]).values_list("user_id", "attended"))
    return {
        **collaborative_context(membership),
        "meeting": meeting,
        "people": [{"user": m.user, "attended": marks.get(m.user_id)} for m in page],
        "page": page,
        "query_string": query_without_page(request) if request else "",
        "everyone": everyone,
        "search": search,
        "came": meeting.attendances.filter(attended=True).count(),
        "guests_form": GuestsForm(initial={"guests": meeting.guests if guests_typed is None else guests_typed}),
    }


@require_POST
def register_mark_view(request: HttpRequest, slug: str, pk: int, user_pk: int) -> HttpResponse:
    membership, meeting = meeting_for(request.user, slug, pk, manage=True)
    person = Membership.objects.current_in(meeting.collaborative).filter(user_id=user_pk).first()
    if person is None:
        raise Http404("No member here.")
    error = ""
    try:
        register_mark(meeting=meeting, user=person.user, attended=request.POST.get("attended") == "1", by=request.user)
    except ValidationError as problem:
        error = problem.messages[0]
    if request.htmx:
        attended = meeting.attendances.filter(user=person.user).values_list("attended", flat=True).first()
        context = {
            **collaborative_context(membership),
            "meeting": meeting,
            "person": {"user": person.user, "attended": attended},
            "came": meeting.attendances.filter(attended=True).count(),
            "error": error,
            "oob": True,  # The count above the list follows the tap.
        }
        return render_page(request, "meetings/meeting_register.html", context, fragment="register-row")
    if error:
        messages.error(request, error)
    # "Came" belongs to the guests form, so a number typed there and not saved comes too: it is shown again.
    guests = request.POST.get("guests", "").strip()
    if guests and guests != str(meeting.guests):
        messages.info(request, "The number of guests you typed is not saved yet: press “Save the number of guests”.")
        return render(request, "meetings/meeting_register.html", _register_context(membership, meeting, guests))
    # Back to the same search, so that the person just marked is in view.
    search = request.POST.get("q", "").strip()[:100]
    address = reverse("meetings:register", kwargs={"slug": slug, "pk": pk})
    return redirect(f"{address}{'?' + urlencode({'q': search}) if search else ''}#person-{user_pk}")


@require_POST
def register_guests_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _, meeting = meeting_for(request.user, slug, pk, manage=True)
    form = GuestsForm(request.POST)
    if not form.is_valid():
        said = "Give the number of guests as a whole number from 0 to 1000."
        return done(request, said, "meetings:register", slug=slug, pk=pk, level=messages.ERROR)
    try:
        register_guests(meeting=meeting, guests=form.cleaned_data["guests"], by=request.user)
    except ValidationError as error:
        return done(request, error, "meetings:register", slug=slug, pk=pk)
    return done(request, "The number of guests is saved.", "meetings:register", slug=slug, pk=pk)


def _notes_page(
    request: HttpRequest,
    membership: Membership,
    meeting: Meeting,
    *,
    form: NotesForm | None = None,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    items = meeting.agenda_items.on_agenda()
    return render(
        request,
        "meetings/meeting_notes.html",
        {
            **collaborative_context(membership),
            "meeting": meeting,
            "form": form or NotesForm(items=items, initial={"general_notes": meeting.general_notes}),
            "decision_form": decision_form or DecisionForm(meeting=meeting),
            "decisions": meeting.decisions.select_related("agenda_item"),
            # Actions come only from what every member sees (actions.forms), so the links wait for publishing.
            "items": meeting.agenda_items.published(),
        },
        status=status,
    )


NOTES_DONE = {
    "notes": "The notes are saved.",
    "decision": "The decision is recorded.",
    "withdraw": "The decision is marked as withdrawn. It stays on record.",
    "publish": "The notes are published. Members are being told by email.",
}


def _notes_post(request: HttpRequest, slug: str, pk: int, button: str, decision_pk: int | None = None) -> HttpResponse:
    """Every button on the notes page sends everything typed there, so nothing typed is lost, without
    JavaScript too: the page is one form, and each button sends it to its own address.

    The notes are saved with what the button does (a kept version when they changed). A decision typed
    but not recorded comes back in its box, and the notes are not published past it. If anything is
    wrong, nothing changes and the page comes back with everything typed and what to put right.
    """
    membership, meeting = meeting_for(request.user, slug, pk, manage=True)
    decision = get_object_or_404(Decision, pk=decision_pk, meeting=meeting) if decision_pk else None
    form = None
    if button == "notes" or "general_notes" in request.POST:  # Not sent by a post from elsewhere.
        items = meeting.agenda_items.on_agenda()
        form = NotesForm(request.POST, items=items, initial={"general_notes": meeting.general_notes})
    decision_form = DecisionForm(request.POST, meeting=meeting)
    typed_decision = bool(request.POST.get("text", "").strip())
    notes_changed = False
    valid = form is None or form.is_valid()
    if button == "decision":
        valid = decision_form.is_valid() and valid
    elif button == "publish" and typed_decision:
        decision_form.add_error(None, "Record the decision you typed, or empty its box, before publishing.")
        valid = False
    if valid:
        try:
            # Together or not at all: a refused decision does not leave the notes half saved.
            with transaction.atomic():
                if form is not None:
                    notes_changed = form.changed()
                    meeting = notes_save(meeting=meeting, by=request.user, **form.typed(meeting))
                if button == "decision":
                    decision_record(meeting=meeting, by=request.user, **decision_form.cleaned_data)
                elif button == "withdraw":
                    decision_withdraw(decision=decision, by=request.user)
                elif button == "publish":
                    notes_publish(meeting=meeting, by=request.user)
        except ValidationError as error:
            say(request, error)
            valid = False
    if not valid:
        carried = decision_form if button == "decision" or typed_decision else None
        return _notes_page(request, membership, meeting, form=form, decision_form=carried, status=400)
    said = NOTES_DONE[button]
    if notes_changed and button in ("decision", "withdraw"):
        said += " Your notes are saved too."
    elif button == "notes" and not meeting.notes_published_at:
        said += " Members see them once you publish."
    if button == "publish":
        return done(request, said, f"{meeting.get_absolute_url()}#notes")
    if typed_decision and button != "decision":
        messages.success(request, said)
        messages.info(request, "The decision you typed is not recorded yet: press “Record the decision” to record it.")
        return _notes_page(request, membership, meeting, decision_form=DecisionForm(request.POST, meeting=meeting))
    notes_url = reverse("meetings:notes", kwargs={"slug": slug, "pk": pk})
    return done(request, said, notes_url if button == "notes" else f"{notes_url}#decisions")


@require_http_methods(["GET", "POST"])
def notes(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Facilitators write the notes (in Markdown) and record decisions; then publish them."""
    if request.method == "POST":
        return _notes_post(request, slug, pk, "notes")
    membership, meeting = meeting_for(request.user, slug, pk, manage=True)
    return _notes_page(request, membership, meeting)


@require_POST
def decision_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _notes_post(request, slug, pk, "decision")


@require_POST
def decision_withdraw_view(request: HttpRequest, slug: str, pk: int, decision_pk: int) -> HttpResponse:
    return _notes_post(request, slug, pk, "withdraw", decision_pk)


@require_POST
def notes_publish_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _notes_post(request, slug, pk, "publish")


@require_POST
def rsvp_ask_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Facilitators: email "Are you coming?" to the members who have not said, each once."""
    _, meeting = meeting_for(request.user, slug, pk, manage=True)
    numbers = f"{meeting.get_absolute_url()}#numbers-heading"
    try:
        asked = rsvp_ask_unanswered(meeting=meeting, by=request.user)
    except ValidationError as error:
        return done(request, error, numbers)
    if not asked:
        return done(request, "Everyone who has not said has been asked already: no one is asked twice.", numbers)
    return done(
        request, f"{asked} member{'s' if asked != 1 else ''} who had not said are being asked by email.", numbers
    )


@require_POST
def minutes_approve_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _, meeting = meeting_for(request.user, slug, pk, manage=True)
    try:
        previous = minutes_approve(meeting=meeting, by=request.user)
    except ValidationError as error:
        return done(request, error, meeting)
    return done(request, f"The minutes of {previous.local_start:%-d %B %Y} are approved.", meeting)


HISTORY_MEETINGS = 12


@require_GET
def attendance(request: HttpRequest, slug: str) -> HttpResponse:
    """Who came over the last year of meetings: per meeting and perspective, and per member (facilitators)."""
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative
    meetings = recent_meetings(collaborative, HISTORY_MEETINGS)
    came: dict[int, set[int]] = {meeting.pk: set() for meeting in meetings}
    for meeting_id, user_id in Attendance.objects.filter(meeting__in=meetings, attended=True).values_list(
        "meeting_id", "user_id"
    ):
        came[meeting_id].add(user_id)
    members = list(Membership.objects.current_in(collaborative).order_by(Lower("user__display_name"), "pk"))
    shared = {m.user_id: m.user.perspectives for m in members if "perspectives" in profile_fields_for(membership, m)}
    rows = []
    for meeting in meetings:
        counts = Counter(value for user_id in came[meeting.pk] for value in shared.get(user_id, []))
        rows.append(
            {
                "meeting": meeting,
                "members": len(came[meeting.pk]),
                "perspectives": [(label, count_shown(counts[value])) for value, label in Perspective.choices],
            }
        )
    people = [
        {
            "person": m.user,
            "count": sum(1 for meeting in meetings if m.user_id in came[meeting.pk]),
            "last": next((meeting for meeting in meetings if m.user_id in came[meeting.pk]), None),
        }
        for m in members
    ]
    return render(
        request,
        "meetings/attendance_list.html",
        {
            **collaborative_context(membership),
            "rows": rows,
            # Every member's row counted, fifty shown at a time: a large Collaborative has thousands.
            "page": Paginator(people, ATTENDANCE_PAGE_SIZE).get_page(request.GET.get("page")),
            "query_string": query_without_page(request),
            "perspectives": Perspective.labels,
            "meeting_count": len(meetings),
        },
    )


# Checking in after a meeting

CHECK_INS_PAGE_SIZE = 50


@require_POST
def check_in(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Someone who came asks, privately, for someone to check in with them: the facilitators get one email."""
    _, meeting = meeting_for(request.user, slug, pk)
    back = f"{meeting.get_absolute_url()}#check-in-heading"
    try:
        check_in_ask(meeting=meeting, user=request.user)
    except ValidationError as error:
        return done(request, error, back)
    said = "Thank you for saying. A facilitator will be in touch soon. Only you and the facilitators know you asked."
    return done(request, said, back)


@require_GET
def check_ins(request: HttpRequest, slug: str) -> HttpResponse:
    """Facilitators: who asked for a check-in after a meeting, those not yet answered first."""
    membership = facilitator_membership_for(request.user, slug)
    asked = (
        CheckInRequest.objects.filter(meeting__collaborative=membership.collaborative)
        .select_related("user", "meeting__collaborative", "answered_by")
        .order_by(F("answered_at").desc(nulls_first=True), "-asked_at", "-id")
    )
    page = Paginator(asked, CHECK_INS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "meetings/checkinrequest_list.html", collaborative_context(membership, page=page))


@require_POST
def check_in_answered(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator has checked in with the person: who and when are recorded."""
    _, asked = check_in_for(request.user, slug, pk)
    try:
        check_in_answer(check_in=asked, by=request.user)
    except ValidationError as error:
        return done(request, error, "meetings:check_ins", slug=slug)
    return done(request, f"Recorded: you checked in with {asked.user.display_name}.", "meetings:check_ins", slug=slug)
