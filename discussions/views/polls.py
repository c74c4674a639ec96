"""Polls and proposals: the list, opening one, voting and the results, changing, closing and withdrawing it, its
outcome, and a time poll made a meeting (see discussions/polls.py)."""

from contextlib import contextmanager
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from collaborative.permissions import manages_poll, membership_for, poll_for, poll_place_for
from collaborative.views import collaborative_context, done, number_from, query_without_page, render_page
from discussions.models import Poll
from discussions.poll_forms import OutcomeForm, PollForm, PollSettingsForm, VoteForm
from discussions.polls import (
    ANONYMOUS_MIN,
    NAMES_HIDDEN,
    NAMES_SHOWN,
    best_option,
    my_vote,
    poll_change,
    poll_close,
    poll_closed_if_due,
    poll_meeting_make,
    poll_open,
    poll_outcome_write,
    poll_shown,
    poll_vote,
    poll_withdraw,
    polls_listed,
    vote_lines,
)
from meetings.forms import MeetingForm

PAGE_SIZE = 20
REFRESH_SECONDS = 3  # How often a poll showing results while open fetches them again (htmx).


@contextmanager
def _refused_on(form):
    """A change the service refuses: its words go at the top of the form, which is shown again."""
    try:
        yield
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)


@require_GET
def poll_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Open polls first (closing soonest first), then the closed and withdrawn ones, a page at a time."""
    membership = membership_for(request.user, slug)
    polls = polls_listed(membership.collaborative, request.user)
    page = Paginator(polls, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "discussions/poll_list.html",
        collaborative_context(membership, page=page, query_string=query_without_page(request)),
    )


@require_http_methods(["GET", "POST"])
def poll_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Open a poll: on its own, in a discussion (?thread=) or, for facilitators, in a meeting (?meeting=)."""
    thread_pk, meeting_pk = number_from(request.GET.get("thread")), number_from(request.GET.get("meeting"))
    membership, thread, meeting = poll_place_for(request.user, slug, thread_pk=thread_pk, meeting_pk=meeting_pk)
    collaborative = membership.collaborative
    initial = PollForm.initial_when(collaborative, quick=meeting is not None)
    if meeting is not None:
        initial["type"] = Poll.Type.ONE
    form = PollForm(request.POST or None, collaborative=collaborative, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with _refused_on(form):
            poll = poll_open(
                collaborative=collaborative,
                by=request.user,
                type=data["type"],
                question=data["question"],
                details=data["details"],
                closes_at=data["closes_at"],
                anonymous=data["anonymous"],
                results_while_open=data["results_while_open"],
                options=data["option_lines"],
                times=data["times"],
                max_score=data["max_score"] or 5,
                dots=data["dots"] or 10,
                thread=thread,
                meeting=meeting,
            )
            said = "The poll is open." if meeting else "The poll is open. Every member has been emailed about it."
            return done(request, said, poll)
    return render_page(
        request,
        "discussions/poll_form.html",
        collaborative_context(membership, form=form, thread=thread, meeting=meeting, minimum=ANONYMOUS_MIN),
        invalid=form,
    )


def _detail_context(membership, poll: Poll, form) -> dict:
    shown = poll_shown(poll)
    return collaborative_context(
        membership,
        poll=poll,
        form=form,
        shown=shown,
        results=shown.results,
        rows=(shown.results or {}).get("options", []),
        vote_lines=vote_lines(poll, shown.votes) if shown.votes else [],
        manages=manages_poll(membership, poll),
        voted=form is not None and bool(form.initial),
        names_said=NAMES_HIDDEN if poll.anonymous else NAMES_SHOWN,
        refresh=poll.is_open and poll.results_while_open,
        refresh_seconds=REFRESH_SECONDS,
        local_closes_at=poll.closes_at.astimezone(poll.collaborative.zone),
        best=best_option(poll) if poll.type == Poll.Type.TIME and poll.closed_at else None,
        minimum=ANONYMOUS_MIN,
    )


@require_http_methods(["GET", "POST"])
def poll_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The poll, the person's vote (to cast or change while it is open), and what it shows of the results. For
    htmx, only the results, which a poll showing them while open fetches every few seconds."""
    membership, poll = poll_for(request.user, slug, pk)
    poll = poll_closed_if_due(poll)
    poll.collaborative = membership.collaborative
    form = None
    if poll.is_open:
        options = list(poll.options.all())
        initial = VoteForm.initial_for(poll, my_vote(poll, request.user))
        form = VoteForm(request.POST or None, poll=poll, options=options, initial=initial)
        if request.method == "POST" and form.is_valid():
            with _refused_on(form):
                reason = form.cleaned_data.get("reason", "")
                poll_vote(poll=poll, user=request.user, choices=form.ballot(), reason=reason)
                return done(request, "Your vote is in. You can change it until the poll closes.", poll)
    elif request.method == "POST":
        said = "This poll has closed, so votes can no longer be cast or changed."
        return done(request, said, poll, level=messages.ERROR)
    return render_page(
        request,
        "discussions/poll_detail.html",
        _detail_context(membership, poll, form),
        fragment="results" if request.method == "GET" else "",
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def poll_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change an open poll's words and closing time; whether names are shown only until someone votes."""
    membership, poll = poll_for(request.user, slug, pk, manage=True)
    if not poll.is_open:
        return done(request, "This poll is no longer open, so it cannot be changed.", poll, level=messages.ERROR)
    form = PollSettingsForm(
        request.POST or None, collaborative=membership.collaborative, initial=PollSettingsForm.initial_for(poll)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with _refused_on(form):
            poll_change(
                poll=poll,
                question=data["question"],
                details=data["details"],
                closes_at=data["closes_at"],
                anonymous=data["anonymous"],
                results_while_open=data["results_while_open"],
            )
            return done(request, "The poll has been changed.", poll)
    return render_page(
        request,
        "discussions/poll_edit.html",
        collaborative_context(membership, poll=poll, form=form, has_votes=poll.votes.exists()),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def poll_close_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Asks first, then closes the poll now and counts it."""
    membership, poll = poll_for(request.user, slug, pk, manage=True)
    if request.method == "POST":
        try:
            poll_close(poll=poll, by=request.user)
        except ValidationError as error:
            return done(request, error, poll)
        said = "The poll is closed. Now write what came of it."
        return done(request, said, "discussions:poll_outcome", slug=slug, pk=pk)
    if not poll.is_open:
        return done(request, "This poll has closed already, or was withdrawn.", poll, level=messages.ERROR)
    return render_page(request, "discussions/poll_close.html", collaborative_context(membership, poll=poll))


@require_http_methods(["GET", "POST"])
def poll_withdraw_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Asks first, then withdraws the poll: it stays listed, with nothing counted."""
    membership, poll = poll_for(request.user, slug, pk, manage=True)
    if request.method == "POST":
        try:
            poll_withdraw(poll=poll, by=request.user)
        except ValidationError as error:
            return done(request, error, poll)
        return done(request, "The poll has been withdrawn.", poll)
    if not poll.is_open:
        return done(request, "This poll has closed already, so it cannot be withdrawn.", poll, level=messages.ERROR)
    return render_page(request, "discussions/poll_withdraw.html", collaborative_context(membership, poll=poll))


@require_http_methods(["GET", "POST"])
def poll_outcome(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Write (or correct) what came of a closed poll; every member is emailed it."""
    membership, poll = poll_for(request.user, slug, pk, manage=True)
    poll = poll_closed_if_due(poll)
    poll.collaborative = membership.collaborative
    if poll.closed_at is None:
        return done(request, "The outcome is written once the poll has closed.", poll, level=messages.ERROR)
    form = OutcomeForm(request.POST or None, initial={"outcome": poll.outcome})
    if request.method == "POST" and form.is_valid():
        with _refused_on(form):
            poll_outcome_write(poll=poll, by=request.user, outcome=form.cleaned_data["outcome"])
            return done(request, "The outcome is saved, and every member is being emailed it.", poll)
    shown = poll_shown(poll)
    return render_page(
        request,
        "discussions/poll_outcome.html",
        collaborative_context(
            membership,
            poll=poll,
            form=form,
            shown=shown,
            results=shown.results,
            rows=(shown.results or {}).get("options", []),
        ),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def poll_meeting(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Set up the time a closed time poll chose as a meeting, in one step: the form starts at the best time."""
    membership, poll = poll_for(request.user, slug, pk, manage=True)
    poll = poll_closed_if_due(poll)
    poll.collaborative = membership.collaborative
    if poll.type != Poll.Type.TIME or poll.closed_at is None:
        return done(request, "Only a closed poll to find a time can become a meeting.", poll, level=messages.ERROR)
    if poll.meeting_made_id is not None:
        return done(request, "A meeting has been set up from this poll already.", poll.meeting_made)
    best = best_option(poll)
    initial = {"title": poll.question[:120]}
    if best is not None:
        start = best.starts_at.astimezone(poll.collaborative.zone)
        end = best.ends_at.astimezone(poll.collaborative.zone) if best.ends_at else start + timedelta(hours=2)
        initial |= {"day": start.date(), "start_time": start.time(), "end_time": end.time()}
    form = MeetingForm(request.POST or None, collaborative=membership.collaborative, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with _refused_on(form):
            meeting = poll_meeting_make(
                poll=poll,
                by=request.user,
                day=data["day"],
                start=data["start_time"],
                end=data["end_time"],
                title=data["title"],
                format=data["format"],
                venue=data["venue"],
                online_link=data["online_link"],
                notes_for_members=data["notes_for_members"],
            )
            return done(request, "The meeting is set up, and every member has been told.", meeting)
    return render_page(
        request,
        "discussions/poll_meeting.html",
        collaborative_context(membership, poll=poll, form=form, best=best),
        invalid=form,
    )


urlpatterns = [
    path("c/<slug:slug>/polls/", poll_list, name="polls"),
    path("c/<slug:slug>/polls/new/", poll_new, name="poll_new"),
    path("c/<slug:slug>/polls/<int:pk>/", poll_detail, name="poll"),
    path("c/<slug:slug>/polls/<int:pk>/change/", poll_edit, name="poll_edit"),
    path("c/<slug:slug>/polls/<int:pk>/close/", poll_close_view, name="poll_close"),
    path("c/<slug:slug>/polls/<int:pk>/withdraw/", poll_withdraw_view, name="poll_withdraw"),
    path("c/<slug:slug>/polls/<int:pk>/outcome/", poll_outcome, name="poll_outcome"),
    path("c/<slug:slug>/polls/<int:pk>/meeting/", poll_meeting, name="poll_meeting"),
]
