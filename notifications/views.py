from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from collaborative.permissions import (
    LinkNotValid,
    facilitator_membership_for,
    memberships_of,
    message_to,
    unsubscribe_for,
)
from collaborative.views import collaborative_context, done, query_without_page, render_page
from notifications.forms import DigestScheduleForm, MessageFilterForm, PreferencesForm
from notifications.kinds import digest_kind, unlisted_for_facilitators
from notifications.models import Message
from notifications.services import digest_schedule_for, preferences_for, preferences_save

PAGE_SIZE = 50


def digest_kind_key() -> str:
    kind = digest_kind()
    return kind.key if kind is not None else ""


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    memberships = memberships_of(request.user)
    roles = {membership.role for membership in memberships}
    # The payments contact's responsibility brings its own emails, as a role does (a Kind's audience).
    if any(membership.handles_payments for membership in memberships):
        roles.add("payments")
    form = PreferencesForm(data, preferences=preferences_for(request.user), roles=roles)
    # A form posted without the digest's schedule (a page from before it was there) leaves the schedule as it was.
    posted_schedule = data is not None and any(name.startswith("schedule-") for name in data)
    schedule_form = DigestScheduleForm(
        data if posted_schedule else None, instance=digest_schedule_for(request.user), prefix="schedule"
    )
    if request.method == "POST" and form.is_valid() and (not posted_schedule or schedule_form.is_valid()):
        schedule = (
            {name: schedule_form.cleaned_data[name] for name in DigestScheduleForm.Meta.fields}
            if posted_schedule
            else None
        )
        preferences_save(user=request.user, choices=form.choices(), schedule=schedule)
        return done(request, "Your email choices have been saved.", "notifications:preferences")
    return render_page(
        request,
        "notifications/preference_form.html",
        {"form": form, "schedule_form": schedule_form, "digest_field": f"{digest_kind_key()}_enabled"},
        invalid=[form, schedule_form] if posted_schedule else form,
    )


@require_GET
def my_messages(request: HttpRequest) -> HttpResponse:
    # The text of each email is read on its own page, not here.
    messages = Message.objects.for_recipient(request.user).select_related("collaborative").defer("body")
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/message_mine.html", {"page": page})


@require_GET
def my_message(request: HttpRequest, pk: int) -> HttpResponse:
    message = message_to(request.user, pk)
    return render(request, "notifications/message_detail.html", {"message": message})


@require_GET
def collaborative_messages(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative
    form = MessageFilterForm(request.GET)
    form.is_valid()  # A bad value is explained on the page; the good filters still apply.
    filters = form.cleaned_data
    unlisted = unlisted_for_facilitators()
    messages = (
        Message.objects.for_collaborative(collaborative)
        .exclude(kind__in=[kind.key for kind in unlisted])
        .select_related("recipient")
    )
    if query := filters.get("q", "").strip():
        messages = messages.filter(
            Q(recipient__display_name__icontains=query)
            | Q(recipient__email__icontains=query)
            | Q(to_address__icontains=query)
        )
    if status := filters.get("status"):
        messages = messages.filter(status=status)
    if kind := filters.get("kind"):
        messages = messages.filter(kind=kind)
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "notifications/message_list.html",
        collaborative_context(
            membership, form=form, page=page, query_string=query_without_page(request), unlisted=unlisted
        ),
        fragment="message-table",
    )


@login_not_required
@csrf_exempt  # The signed link is the permission; mail programs post to it (RFC 8058).
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user, kind = unsubscribe_for(token)
    except LinkNotValid:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        preferences_save(user=user, choices={kind: {"enabled": False}})
        done = True
    return render(request, "notifications/unsubscribe.html", {"kind": kind, "done": done, "person": user})
