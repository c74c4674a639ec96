"""Discussions and their comments (issue 18): the list, starting and changing a discussion, its page with its
comments and replies, adding, editing and withdrawing a comment, facilitators hiding one (and showing it again),
following and muting, and closing with an outcome (and opening again)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaborative.markdown import render_markdown
from collaborative.permissions import (
    agenda_items_seen,
    comment_for,
    decisions_seen,
    facilitates,
    membership_for,
    thread_for,
)
from collaborative.views import (
    addresses,
    collaborative_context,
    done,
    number_from,
    query_without_page,
    refusal_on,
    render_page,
)
from discussions.forms import (
    CloseForm,
    CommentEditForm,
    CommentForm,
    FollowForm,
    HideForm,
    ThreadFilterForm,
    ThreadForm,
)
from discussions.models import Comment, Thread
from discussions.polls import thread_polls
from discussions.selectors import following_state, threads_listed, top_comments
from discussions.services import (
    comment_add,
    comment_edit,
    comment_hide,
    comment_show,
    comment_withdraw,
    thread_change,
    thread_close,
    thread_follow,
    thread_reopen,
    thread_seen,
    thread_start,
)
from meetings.models import AgendaItem, Decision

PAGE_SIZE = 25  # Discussions in the list.
COMMENTS_PAGE_SIZE = 50  # Comments (with their replies) on one page of a discussion; the latest page first.
VERSIONS_PAGE_SIZE = 50


@require_GET
def thread_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The Collaborative's discussions, newest activity first, open or closed; those with news for the viewer marked."""
    membership = membership_for(request.user, slug)
    form = ThreadFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    about = {name: number_from(request.GET.get(name)) for name in ("meeting", "goal", "action")}
    threads = threads_listed(membership, status, about)
    page = Paginator(threads, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    address = addresses("discussions:thread", slug=slug)
    for thread in page.object_list:
        thread.address = address(thread.pk)
    context = collaborative_context(
        membership,
        form=form,
        page=page,
        status=status,
        query_string=query_without_page(request),
        about=any(about.values()),
    )
    return render_page(request, "discussions/thread_list.html", context, fragment="thread-table")


@require_http_methods(["GET", "POST"])
def thread_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Any member starts a discussion."""
    membership = membership_for(request.user, slug)
    form = ThreadForm(
        request.POST or None, instance=Thread(collaborative=membership.collaborative), membership=membership
    )
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            thread = thread_start(
                collaborative=membership.collaborative,
                by=request.user,
                **{name: form.cleaned_data[name] for name in ("title", "text", "agenda_item", "goal", "action")},
            )
            return done(request, "Your discussion has started. Members will be told about it.", thread)
    return render_page(
        request, "discussions/thread_form.html", collaborative_context(membership, form=form, thread=None), invalid=form
    )


@require_http_methods(["GET", "POST"])
def thread_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Whoever started a discussion, or a facilitator, changes its words or what it is about (earlier words kept)."""
    membership, thread = thread_for(request.user, slug, pk, change=True)
    form = ThreadForm(request.POST or None, instance=Thread.objects.get(pk=thread.pk), membership=membership)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            changed = thread_change(
                thread=thread,
                by=request.user,
                **{name: form.cleaned_data[name] for name in ("title", "text", "agenda_item", "goal", "action")},
            )
            return done(request, "The discussion has been changed." if changed else "Nothing was changed.", thread)
    return render_page(
        request,
        "discussions/thread_form.html",
        collaborative_context(membership, form=form, thread=thread),
        invalid=form,
    )


@require_GET
def thread_versions(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The earlier titles and words of a discussion, newest first."""
    membership, thread = thread_for(request.user, slug, pk)
    versions = thread.versions.select_related("saved_by").order_by("-saved_at", "-id")
    page = Paginator(versions, VERSIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request, "discussions/thread_versions.html", collaborative_context(membership, thread=thread, page=page)
    )


def _comment_page_of(comment: Comment) -> int:
    """The page of the discussion a comment (or the comment a reply answers) is on."""
    top_id = comment.parent_id or comment.pk
    top = Comment.objects.only("created_at").get(pk=top_id)
    before = Comment.objects.filter(thread_id=comment.thread_id, parent__isnull=True, created_at__lt=top.created_at)
    before = (
        before.count()
        + Comment.objects.filter(
            thread_id=comment.thread_id, parent__isnull=True, created_at=top.created_at, pk__lt=top.pk
        ).count()
    )
    return before // COMMENTS_PAGE_SIZE + 1


def _comment_address(comment: Comment, thread: Thread) -> str:
    return f"{thread.get_absolute_url()}?page={_comment_page_of(comment)}#comment-{comment.pk}"


def _thread_page(
    request: HttpRequest, membership, thread: Thread, *, form: CommentForm | None = None, status: int | None = None
) -> HttpResponse:
    """A discussion's page: what it is about, its comments with their replies (the latest page first), and the
    form to comment. Opening it records that the person has seen it as it is now."""
    comments = top_comments(thread)
    paginator = Paginator(comments, COMMENTS_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    page.object_list = list(page.object_list)
    for comment in page.object_list:
        _rendered(comment)
        for reply in comment.replies.all():
            _rendered(reply)
    linked = _linked_to(membership, thread)
    outcome = _outcome_shown(membership, thread)
    if request.method == "GET":
        thread_seen(user=request.user, thread=thread)
    context = collaborative_context(
        membership,
        thread=thread,
        page=page,
        form=form or CommentForm(),
        blank_form=CommentForm(),
        thread_html=render_markdown(thread.text),
        has_versions=thread.versions.exists(),
        following=following_state(request.user, thread),
        can_change=thread.started_by_id == request.user.pk or facilitates(membership),
        started_by=thread.started_by,
        linked=linked,
        # Polls opened in this discussion (discussions/poll_summary.html).
        polls=thread_polls(thread),
        **outcome,
    )
    return render_page(request, "discussions/thread_detail.html", context, invalid=form, status=status)


def _rendered(comment: Comment) -> Comment:
    """The comment's words as safe HTML (collaborative/markdown.py), for the page to show."""
    comment.html = render_markdown(comment.text) if comment.status != Comment.Status.WITHDRAWN else ""
    return comment


def _linked_to(membership, thread: Thread) -> dict | None:
    """What the discussion is about, as the viewer may see it (an agenda item they may not see is not named)."""
    if thread.agenda_item_id:
        item = (
            agenda_items_seen(membership, AgendaItem.objects.filter(pk=thread.agenda_item_id))
            .select_related("meeting")
            .first()
        )
        if item is not None:
            item.meeting.collaborative = membership.collaborative
            return {"what": "The agenda item", "title": item.title, "path": item.meeting.get_absolute_url()}
    if thread.goal_id:
        goal = thread.goal
        goal.collaborative = membership.collaborative
        return {"what": "The goal", "title": goal.title, "path": goal.get_absolute_url()}
    if thread.action_id:
        action = thread.action
        action.collaborative = membership.collaborative
        return {"what": "The action", "title": action.title, "path": action.get_absolute_url()}
    return None


def _outcome_shown(membership, thread: Thread) -> dict:
    """The decision or action an outcome became, when there is one the viewer may see."""
    shown = {"outcome_decision": None, "outcome_action": None}
    if thread.outcome_decision_id:
        decision = (
            decisions_seen(membership, Decision.objects.filter(pk=thread.outcome_decision_id))
            .select_related("meeting")
            .first()
        )
        if decision is not None:
            decision.meeting.collaborative = membership.collaborative
            shown["outcome_decision"] = decision
    if thread.outcome_action_id:
        action = thread.outcome_action
        action.collaborative = membership.collaborative
        shown["outcome_action"] = action
    return shown


@require_GET
def thread_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, thread = thread_for(request.user, slug, pk)
    return _thread_page(request, membership, thread)


@require_POST
def comment_add_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Add a comment or a reply. With htmx the new comment appears in place and the form comes back empty;
    without, back to the discussion at the comment."""
    membership, thread = thread_for(request.user, slug, pk)
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid() and form.cleaned_data["parent"]:
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], thread=thread).first()
        if parent is None:
            form.add_error(None, "The comment you replied to is not in this discussion.")
    if form.is_valid():
        with refusal_on(form):
            comment = comment_add(thread=thread, author=request.user, text=form.cleaned_data["text"], parent=parent)
            if request.htmx:
                comment = _rendered(Comment.objects.select_related("author").get(pk=comment.pk))
                context = collaborative_context(
                    membership,
                    thread=thread,
                    comment=comment,
                    form=CommentForm(),
                    blank_form=CommentForm(),
                    added=True,
                    parent=comment.parent_id,
                )
                return render_page(request, "discussions/thread_detail.html", context, fragment="comment-added")
            return done(request, "Your comment has been added.", _comment_address(comment, thread))
    if request.htmx:
        context = collaborative_context(membership, thread=thread, form=form, parent=form.data.get("parent", ""))
        return render_page(request, "discussions/thread_detail.html", context, fragment="comment-form")
    return _thread_page(request, membership, thread, form=form, status=400)


@require_http_methods(["GET", "POST"])
def comment_edit_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change one's own comment; the earlier words are kept, and it shows "edited"."""
    membership, comment = comment_for(request.user, slug, pk, own=True)
    thread = comment.thread
    if comment.status == Comment.Status.WITHDRAWN:
        return done(
            request, "This comment was withdrawn, so it can no longer be changed.", thread, level=messages.ERROR
        )
    if not thread.is_open:
        return done(
            request, "This discussion is closed, so its comments can no longer change.", thread, level=messages.ERROR
        )
    form = CommentEditForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            changed = comment_edit(comment=comment, by=request.user, text=form.cleaned_data["text"])
            message = "Your comment has been changed." if changed else "Nothing was changed."
            return done(request, message, _comment_address(comment, thread))
    return render_page(
        request,
        "discussions/comment_form.html",
        collaborative_context(membership, form=form, comment=comment, thread=thread),
        invalid=form,
    )


@require_POST
def comment_withdraw_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Take back one's own comment: its words go, a marker stays."""
    _membership, comment = comment_for(request.user, slug, pk, own=True)
    comment_withdraw(comment=comment, by=request.user)
    return done(
        request,
        "Your comment has been withdrawn. Others see only that you took it back.",
        _comment_address(comment, comment.thread),
    )


@require_GET
def comment_versions(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A comment's earlier words, newest first: for members, as the comment is (a hidden one's, only for its author
    and facilitators; a withdrawn one has none)."""
    membership, comment = comment_for(request.user, slug, pk, history=True)
    versions = comment.versions.order_by("-saved_at", "-id")
    page = Paginator(versions, VERSIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "discussions/comment_versions.html",
        collaborative_context(membership, comment=comment, thread=comment.thread, page=page),
    )


@require_http_methods(["GET", "POST"])
def comment_hide_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator hides a comment that breaks the ground rules, saying why; its author sees the reason."""
    membership, comment = comment_for(request.user, slug, pk, manage=True)
    thread = comment.thread
    if comment.status != Comment.Status.SHOWN:
        return done(request, "Only a comment that is shown can be hidden.", thread, level=messages.ERROR)
    form = HideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            comment_hide(comment=comment, by=request.user, reason=form.cleaned_data["reason"])
            return done(
                request, "The comment is hidden. Its author has been told why.", _comment_address(comment, thread)
            )
    return render_page(
        request,
        "discussions/comment_hide.html",
        collaborative_context(membership, form=form, comment=comment, thread=thread),
        invalid=form,
    )


@require_POST
def comment_show_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator shows a hidden comment again."""
    _membership, comment = comment_for(request.user, slug, pk, manage=True)
    try:
        comment_show(comment=comment, by=request.user)
    except ValidationError as error:
        return done(request, error, comment.thread)
    return done(request, "The comment is shown again.", _comment_address(comment, comment.thread))


FOLLOW_SAID = {
    "following": "You follow this discussion: you hear about new comments, as your email choices say.",
    "muted": "You muted this discussion: you will hear nothing more about it.",
    "none": "You no longer follow this discussion. You will still hear if it closes, unless you mute it.",
}


@require_POST
def thread_follow_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Follow, mute, or stop following a discussion."""
    _membership, thread = thread_for(request.user, slug, pk)
    form = FollowForm(request.POST)
    if not form.is_valid():
        return done(request, "Choose to follow, mute or stop following.", thread, level=messages.ERROR)
    state = form.cleaned_data["state"]
    thread_follow(user=request.user, thread=thread, state=None if state == "none" else state)
    return done(request, FOLLOW_SAID[state], thread)


@require_http_methods(["GET", "POST"])
def thread_close_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator closes a discussion with what came of it: a decision of a meeting, or an action, if chosen."""
    membership, thread = thread_for(request.user, slug, pk, manage=True)
    if not thread.is_open:
        return done(request, "This discussion is closed already.", thread, level=messages.ERROR)
    form = CloseForm(request.POST or None, membership=membership, initial={"action_title": thread.title})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_on(form):
            thread_close(
                thread=thread,
                by=request.user,
                outcome=data["outcome"],
                meeting=data["meeting"],
                action_title=data["action_title"],
                action_owner=data["action_owner"] if data["make_action"] else None,
                action_due_on=data["action_due_on"] if data["make_action"] else None,
            )
            return done(request, "The discussion is closed. Every member will be told what came of it.", thread)
    return render_page(
        request,
        "discussions/thread_close.html",
        collaborative_context(membership, form=form, thread=thread),
        invalid=form,
    )


@require_POST
def thread_reopen_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator opens a closed discussion again; what came of it stays on record."""
    _membership, thread = thread_for(request.user, slug, pk, manage=True)
    try:
        thread_reopen(thread=thread, by=request.user)
    except ValidationError as error:
        return done(request, error, thread)
    return done(request, "The discussion is open again. What came of it before stays on record.", thread)


urlpatterns = [
    path("c/<slug:slug>/discussions/", thread_list, name="list"),
    path("c/<slug:slug>/discussions/new/", thread_new, name="new"),
    path("c/<slug:slug>/discussions/<int:pk>/", thread_detail, name="thread"),
    path("c/<slug:slug>/discussions/<int:pk>/change/", thread_edit, name="thread_edit"),
    path("c/<slug:slug>/discussions/<int:pk>/earlier/", thread_versions, name="thread_versions"),
    path("c/<slug:slug>/discussions/<int:pk>/comment/", comment_add_view, name="comment_add"),
    path("c/<slug:slug>/discussions/<int:pk>/follow/", thread_follow_view, name="follow"),
    path("c/<slug:slug>/discussions/<int:pk>/close/", thread_close_view, name="close"),
    path("c/<slug:slug>/discussions/<int:pk>/reopen/", thread_reopen_view, name="reopen"),
    path("c/<slug:slug>/discussions/comments/<int:pk>/change/", comment_edit_view, name="comment_edit"),
    path("c/<slug:slug>/discussions/comments/<int:pk>/withdraw/", comment_withdraw_view, name="comment_withdraw"),
    path("c/<slug:slug>/discussions/comments/<int:pk>/earlier/", comment_versions, name="comment_versions"),
    path("c/<slug:slug>/discussions/comments/<int:pk>/hide/", comment_hide_view, name="comment_hide"),
    path("c/<slug:slug>/discussions/comments/<int:pk>/show/", comment_show_view, name="comment_show"),
]
