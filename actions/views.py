import functools
import textwrap
from collections import Counter
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.db.models.lookups import LessThanOrEqual
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from actions.export import csv_stream, xlsx_file
from actions.forms import (
    AGENDA_ITEM_REFUSED,
    DECISION_REFUSED,
    ActionForm,
    LogFilterForm,
    ReviewItemForm,
    ReviewRoundForm,
    StatusForm,
    UpdateForm,
    linkable_agenda_items,
    linkable_decisions,
    person_label,
)
from actions.hooks import overview_sections
from actions.models import Action, ActionChange, ActionUpdate
from actions.panels import panels_for
from actions.quick_status import quick_status_addresses, quick_status_save, quick_status_shown
from actions.selectors import (
    filtered_actions,
    organisations_named,
    owners_named,
    review_finished_since,
    with_latest_update,
)
from actions.services import (
    FIELD_NAMES,
    TRACKED,
    action_change,
    action_create,
    action_update_add,
    review_item_mark,
    review_round_open,
    review_round_ready,
    review_round_sign_off,
)
from collaborative.freshness import lazily, with_fresh_parts
from collaborative.permissions import (
    action_for,
    action_rights,
    agenda_items_seen,
    commissioner_membership_for,
    decisions_seen,
    evidence_for,
    facilitates,
    membership_for,
    overseer_membership_for,
    oversees,
    review_item_for,
    review_round_for,
)
from collaborative.views import (
    addresses,
    collaborative_context,
    done,
    number_from,
    query_without_page,
    refusal_on,
    render_page,
    safe_next,
    stored_file,
)
from meetings.models import AgendaItem, Decision, Meeting
from members.models import Membership, User
from vision.models import Goal, KeyRole

PAGE_SIZE = 50
# What the log's table shows of each action (with its latest update's words and day), read as plain rows.
LOG_COLUMNS = ("pk", "title", "due_on", "status", "organisation", "owner", "owner__display_name", "goal__title")
STATUS_LABELS = dict(Action.Status.choices)
SUGGESTIONS = 10  # How many owners or organisations a typed name offers at most.
ORIGINS = {"meeting", "agenda_item", "decision"}  # Where an action came from.
# How the timeline names an agenda item or a decision the viewer may not see.
TIMELINE_PAGE_SIZE = 30  # An action's history, newest page first, so that years of changes stay one short page.
UNSEEN = {"agenda_item": "an agenda item", "decision": "a decision"}


def _log_filters(request: HttpRequest, collaborative) -> LogFilterForm:
    form = LogFilterForm(request.GET, collaborative=collaborative)
    form.is_valid()  # A bad value is explained on the page; the good filters still apply.
    return form


def _suggestions(request: HttpRequest, collaborative, field: str) -> dict | None:
    """The owners or lead organisations whose names hold what is typed in the field's box, each a link to
    the log filtered by exactly that one (the other filters kept); None when nothing is typed."""
    typed = request.GET.get(f"{field}_name", "").strip()[:200]
    if not typed:
        return None
    if field == "owner":
        found = [(person_label(person), person.pk) for person in owners_named(collaborative, typed, SUGGESTIONS + 1)]
    else:
        found = [(name, name) for name in organisations_named(collaborative, typed, SUGGESTIONS + 1)]
    choices = []
    for label, value in found[:SUGGESTIONS]:
        query = request.GET.copy()
        for name in ("page", f"{field}_name"):
            query.pop(name, None)
        query[field] = value
        choices.append((label, f"{reverse('actions:log', kwargs={'slug': collaborative.slug})}?{query.urlencode()}"))
    return {"field": field, "typed": typed, "choices": choices, "more": len(found) > SUGGESTIONS}


def _log_rows(rows: list[dict], collaborative, today: date) -> None:
    """What each row of the log's table shows, worked out once here: fifty rows of reverse(), of Django's
    date and truncatewords filters, of get_status_display and of model instances read by the template cost
    more than the rest of the page."""
    address = addresses("actions:detail", slug=collaborative.slug)
    months = [""] + [str(MONTHS_3[number]).title() for number in range(1, 13)]  # As the date filter's "M".
    for row in rows:
        due = row["due_on"]
        row["address"] = address(row["pk"])
        row["overdue"] = row["status"] in Action.LIVE and due < today  # As Action.is_overdue.
        row["status_label"] = STATUS_LABELS[row["status"]]
        row["due_label"] = f"{due.day} {months[due.month]} {due.year}"
        # As actions.models.person_name: someone erased has no name left.
        row["owner_name"] = "No owner" if row["owner"] is None else row["owner__display_name"] or "Former member"
        if row["latest_update_text"]:
            row["latest_update_text"] = Truncator(row["latest_update_text"]).words(20, truncate=" …")
            day = timezone.localtime(row["latest_update_at"])
            row["latest_update_day"] = f"{day.day} {months[day.month]}"


@require_GET
@with_fresh_parts
def action_log(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative

    def log() -> dict:
        form = _log_filters(request, collaborative)
        today = collaborative.local_today()
        actions = filtered_actions(collaborative, form.cleaned_data, today)
        page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
        # Two steps in one query: the page's actions are picked from the narrow rows (a subquery), then only
        # they are read, with what the table shows of their owner, goal and latest update. Joined and looked
        # up for every action sorted before them, a late page or another order of 10,000 actions took several
        # times longer.
        page.object_list = list(
            with_latest_update(
                Action.objects.filter(pk__in=page.object_list.values("pk")).order_by(*actions.query.order_by),
                "text",
                "at",
            ).values(*LOG_COLUMNS, "latest_update_text", "latest_update_at")
        )
        _log_rows(page.object_list, collaborative, today)
        # Without JavaScript, a typed name comes back with the people or organisations it matches, to pick one.
        full_page = not request.htmx or request.htmx.history_restore_request
        return {
            "form": form,
            "page": page,
            # Only for a log that finds nothing: whether there are no actions at all, or none that match.
            "any_actions": bool(page.paginator.count) or Action.objects.filter(collaborative=collaborative).exists(),
            "owner_suggestions": _suggestions(request, collaborative, "owner") if full_page else None,
            "organisation_suggestions": _suggestions(request, collaborative, "organisation") if full_page else None,
        }

    # The filters and the table are kept ready-made (templates/actions/action_list.html): until the data
    # changes, the same address shows every member the same actions, and nothing above is worked out again.
    return render_page(
        request,
        "actions/action_list.html",
        collaborative_context(
            membership,
            **lazily(log, "form", "page", "any_actions", "owner_suggestions", "organisation_suggestions"),
            query_string=query_without_page(request),
            with_finished=_with_finished(request),
            can_oversee=oversees(membership),
        ),
        fragment="action-table",
    )


def _with_finished(request: HttpRequest) -> str:
    """The log's address with done and dropped actions included, the other filters kept: for a log that shows
    only the live ones because no status was chosen."""
    query = request.GET.copy()
    for name in ("page", "status", "finished"):
        query.pop(name, None)
    query["finished"] = "on"
    return f"{request.path}?{query.urlencode()}"


@require_GET
def action_log_suggestions(request: HttpRequest, slug: str, field: str) -> HttpResponse:
    """As a name is typed in the log's owner or organisation box: those it matches, to filter by one."""
    membership = membership_for(request.user, slug)
    return render_page(
        request,
        "actions/action_log_suggestions.html",
        collaborative_context(
            membership,
            suggestions=_suggestions(request, membership.collaborative, field),
            field=field,
            oob=bool(request.htmx),
        ),
        fragment="suggestions",
    )


def _export_rows(membership: Membership, filters: dict, today: date):
    collaborative = membership.collaborative
    actions = with_latest_update(filtered_actions(collaborative, filters, today)).select_related(
        "agenda_item", "decision"
    )
    # An agenda item or a decision the person exporting may not see is left out of their rows
    # (only those the rows point at are looked at, however many the Collaborative has).
    seen = {
        "agenda_item": set(
            agenda_items_seen(
                membership, AgendaItem.objects.filter(pk__in=actions.values("agenda_item_id"))
            ).values_list("pk", flat=True)
        ),
        "decision": set(
            decisions_seen(membership, Decision.objects.filter(pk__in=actions.values("decision_id"))).values_list(
                "pk", flat=True
            )
        ),
    }
    # What many rows share (the Collaborative, owners, goals, key roles, meetings) is read once, not joined
    # onto and built again for each of 10,000 rows; people by their names alone, all the rows show of them.
    owners = User.objects.filter(pk__in=Action.objects.filter(collaborative=collaborative).values("owner_id"))
    shared = {
        "owner": {person.pk: person for person in owners.only("display_name")},
        "goal": {goal.pk: goal for goal in Goal.objects.filter(collaborative=collaborative)},
        "key_role": {role.pk: role for role in KeyRole.objects.filter(collaborative=collaborative)},
        "meeting": {meeting.pk: meeting for meeting in Meeting.objects.filter(collaborative=collaborative)},
    }
    for meeting in shared["meeting"].values():
        meeting.collaborative = collaborative  # For its date in the Collaborative's time zone.
    supporters = Prefetch(
        "supporters",
        queryset=User.objects.order_by("display_name").only("display_name"),
        to_attr="supporters_by_name",  # A list, as actions.export.action_row reads it.
    )
    # In chunks: the whole log is never held in memory at once, whatever its size.
    address = addresses("actions:detail", slug=collaborative.slug)  # One reverse(), not one a row.
    for action in actions.prefetch_related(supporters).iterator(chunk_size=1000):
        action.collaborative = collaborative
        action.address = address(action.pk)
        for field, objects in shared.items():
            if (pk := getattr(action, f"{field}_id")) in objects:
                setattr(action, field, objects[pk])
        for field, pks in seen.items():
            if getattr(action, f"{field}_id") not in pks:
                setattr(action, field, None)  # Only this copy, for the row: it is never saved.
        yield action


@require_GET
def action_export(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    """The log as shown, with every column: CSV streamed as it is written, or an Excel file."""
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative
    form = _log_filters(request, collaborative)
    today = collaborative.local_today()
    rows = _export_rows(membership, form.cleaned_data, today)
    name = f"actions-{collaborative.slug}-{today.isoformat()}"
    if format == "csv":
        response = StreamingHttpResponse(csv_stream(rows, today), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    return FileResponse(
        xlsx_file(rows, today),
        as_attachment=True,
        filename=f"{name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _origin_from_address(request: HttpRequest, collaborative) -> dict:
    """Where an action comes from, as "Record an action" links give it (?meeting=, ?agenda_item=, ?decision=).

    Only what the action may come from is taken (see actions.forms); anything else is left out with
    one plain message, the same whether it does not exist, is another Collaborative's or is not shown
    to members, so the address tells nothing about it.
    """
    initial, refused = {}, []
    asked = {field: request.GET.get(field, "").strip() for field in ORIGINS}
    choices = {
        "meeting": Meeting.objects.filter(collaborative=collaborative),
        "agenda_item": linkable_agenda_items(collaborative, request.user),
        "decision": linkable_decisions(collaborative),
    }
    found = {}
    for field, value in asked.items():
        if not value:
            continue
        pk = number_from(value)
        found[field] = choices[field].filter(pk=pk).first() if pk is not None else None
        if found[field] is None:
            refused.append(field)
    if decision := found.get("decision"):
        initial.update(decision=decision.pk, title=decision.text[:200], meeting=decision.meeting_id)
    if item := found.get("agenda_item"):
        if decision and item.meeting_id != decision.meeting_id:
            refused.append("agenda_item")
        else:
            initial.update(agenda_item=item.pk, meeting=item.meeting_id)
    if (meeting := found.get("meeting")) and "meeting" not in initial:
        initial["meeting"] = meeting.pk
    if request.method == "GET":
        if "decision" in refused:
            messages.error(request, DECISION_REFUSED)
        if "agenda_item" in refused:
            messages.error(request, AGENDA_ITEM_REFUSED)
        if "meeting" in refused:
            messages.error(request, "The meeting in the link is not one of this Collaborative's. Choose one below.")
    return initial


@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Any member proposes an action; from a meeting's notes it arrives with where it came from."""
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative
    initial = {"owner": request.user.pk, "due_on": collaborative.local_today() + timedelta(days=28)}
    initial.update(_origin_from_address(request, collaborative))
    form = ActionForm(
        request.POST or None,
        instance=Action(collaborative=collaborative),
        initial=initial,
        collaborative=collaborative,
        user=request.user,
    )
    # From a meeting's notes, back to them (a safe address on this site only), to record the next one.
    back = safe_next(request, request.GET.get("next", ""), "")
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            action = action_create(
                action=form.save(commit=False), by=request.user, supporters=form.cleaned_data["supporters"]
            )
            if back:
                said = f"The action \u201c{action.title}\u201d has been recorded. It is on the action log."
                return done(request, said, back)
            return done(request, "The action has been recorded.", action)
    return render_page(
        request,
        "actions/action_form.html",
        collaborative_context(membership, form=form, action=None, back=back),
        invalid=form,
    )


def _how(change) -> str:
    """Which sentence tells a change in the timeline: an action is linked to where it came from, a goal added."""
    origin = change.field in ORIGINS
    if not change.old_value:
        return "linked" if origin else "added"
    if not change.new_value:
        return "unlinked" if origin else "removed"
    return "moved" if origin else "changed"


def _timeline_page(request: HttpRequest, action: Action, membership: Membership, count: int) -> Page:
    """One page of an action's changes and updates (of `count` in all), oldest first, with people by their names
    now; without a page number, the newest. Only the page's entries are read, however long the history.

    An agenda item or a decision the viewer may not see (a declined item, draft notes, a withdrawn
    decision) is named without its words.
    """
    # Changes before updates made at the same moment, each in the order they were made.
    changes = action.changes.order_by().annotate(when=F("changed_at"), kind=Value(0)).values_list("when", "kind", "pk")
    updates = action.updates.order_by().annotate(when=F("created_at"), kind=Value(1)).values_list("when", "kind", "pk")
    paginator = Paginator(changes.union(updates, all=True).order_by("when", "kind", "pk"), TIMELINE_PAGE_SIZE)
    paginator.count = count  # Known already: no query to count them.
    page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    picked = list(page.object_list)
    if not picked:
        return page
    found = {
        0: {c.pk: c for c in ActionChange.objects.filter(pk__in=[pk for _, kind, pk in picked if kind == 0])},
        1: {u.pk: u for u in ActionUpdate.objects.filter(pk__in=[pk for _, kind, pk in picked if kind == 1])},
    }
    changes = list(found[0].values())
    people_ids, related = set(), {name: set() for name in ("meeting", "agenda_item", "decision", "goal", "key_role")}
    for change in changes:
        people_ids.add(change.changed_by_id)
        for value in (change.old_value, change.new_value):
            if change.field in ("owner", "supporters"):
                people_ids |= {int(pk) for pk in value.split(",") if pk}
            elif change.field in related and value:
                related[change.field].add(int(value))
    people_ids |= {update.author_id for update in found[1].values()}
    people_ids.discard(None)
    # Each kind of thing named on the page is read only if the page names one.
    names = dict(User.objects.filter(pk__in=people_ids).values_list("pk", "display_name")) if people_ids else {}
    labels = {name: {} for name in related}
    if related["meeting"]:
        labels["meeting"] = {
            m.pk: f"the meeting of {m.local_start:%-d %B %Y}"
            for m in Meeting.objects.filter(pk__in=related["meeting"]).select_related("collaborative")
        }
    if related["agenda_item"]:
        labels["agenda_item"] = {
            pk: f"the agenda item “{title}”"
            for pk, title in agenda_items_seen(
                membership, AgendaItem.objects.filter(pk__in=related["agenda_item"])
            ).values_list("pk", "title")
        }
    if related["decision"]:
        labels["decision"] = {
            pk: f"the decision “{Truncator(text).words(20)}”"
            for pk, text in decisions_seen(membership, Decision.objects.filter(pk__in=related["decision"])).values_list(
                "pk", "text"
            )
        }
    if related["goal"]:
        labels["goal"] = dict(Goal.objects.filter(pk__in=related["goal"]).values_list("pk", "title"))
    if related["key_role"]:
        labels["key_role"] = {k.pk: str(k) for k in KeyRole.objects.filter(pk__in=related["key_role"])}
    statuses = dict(Action.Status.choices)

    def person(pk: int | None) -> str:
        return names.get(pk) or "Former member"

    def shown(field: str, value: str) -> str:
        if not value:
            return "nothing"
        if field == "owner":
            return person(int(value))
        if field == "supporters":
            return ", ".join(person(int(pk)) for pk in value.split(",")) or "nobody"
        if field == "status":
            return statuses.get(value, value)
        if field == "due_on":
            return date.fromisoformat(value).strftime("%-d %B %Y")
        if field in labels:
            return labels[field].get(int(value), UNSEEN.get(field, "something no longer there"))
        return value

    entries = []
    for when, kind, pk in picked:
        if kind == 0:
            change = found[0][pk]
            entries.append(
                {
                    "when": when,
                    "who": person(change.changed_by_id),
                    "kind": "created" if change.field == "created" else "change",
                    "field": FIELD_NAMES.get(change.field, change.field),
                    "how": _how(change),
                    "old": shown(change.field, change.old_value),
                    "new": shown(change.field, change.new_value),
                }
            )
        else:
            update = found[1][pk]
            entries.append({"when": when, "who": person(update.author_id), "kind": "update", "update": update})
    page.object_list = entries
    return page


def _origin_seen(action: Action, membership: Membership) -> dict:
    """The agenda item and decision an action came from, each only if the viewer may see it."""
    item, decision = action.agenda_item, action.decision
    if item and not agenda_items_seen(membership, AgendaItem.objects.filter(pk=item.pk)).exists():
        item = None
    if decision and not decisions_seen(membership, Decision.objects.filter(pk=decision.pk)).exists():
        decision = None
    return {"origin_item": item, "origin_decision": decision}


# Whether the viewer supports an action, and whether they proposed an agenda item its page names: its origin, or
# one linked or unlinked in its history. Plain SQL: built by the ORM, it took six times longer to put together
# than to run, on every view of the page.
_VIEWER_FACTS = f"""
    SELECT
        EXISTS (SELECT 1 FROM {Action.supporters.through._meta.db_table} WHERE action_id = %s AND user_id = %s),
        EXISTS (
            SELECT 1 FROM {AgendaItem._meta.db_table} item
            WHERE item.proposed_by_id = %s AND (item.id = %s OR EXISTS (
                SELECT 1 FROM {ActionChange._meta.db_table} changed
                WHERE changed.action_id = %s AND changed.field = 'agenda_item'
                    AND CAST(item.id AS text) IN (changed.old_value, changed.new_value)
            ))
        )
"""


def _viewer_facts(membership: Membership, action: Action) -> tuple[bool, bool]:
    """What decides the viewer's view of an action's page beyond their role, in one query (none for a facilitator,
    who may do everything and sees every agenda item): whether they support the action, and whether they proposed
    an agenda item the page names, which they see even where other members may not."""
    if facilitates(membership):
        return False, False
    viewer = membership.user_id
    with connection.cursor() as cursor:
        cursor.execute(_VIEWER_FACTS, [action.pk, viewer, viewer, action.agenda_item_id, action.pk])
        supporter, proposer = cursor.fetchone()
    return bool(supporter), bool(proposer)


def _detail_page(
    request: HttpRequest, membership: Membership, action: Action, *, status_form=None, update_form=None
) -> HttpResponse:
    """An action's page. Its details and its history are kept ready-made (templates/actions/action_detail.html):
    the same for every viewer who may see the same agenda items and decisions. What the viewer may do with it,
    and the form to do it with, are worked out each time from `action` (from action_for: read already)."""
    owner, collaborative = action.owner, action.collaborative
    supporter, proposer = _viewer_facts(membership, action)

    def shown() -> dict:
        # What the page shows of it, and how long its history is; its owner and Collaborative are read already.
        detailed = (
            Action.objects.select_related("goal", "key_role", "meeting", "agenda_item", "decision")
            .prefetch_related(Prefetch("supporters", queryset=User.objects.only("display_name")))
            .annotate(
                changes_count=_count(ActionChange.objects.filter(action=OuterRef("pk"))),
                updates_count=_count(ActionUpdate.objects.filter(action=OuterRef("pk"))),
            )
            .get(pk=action.pk)
        )
        detailed.owner, detailed.collaborative = owner, collaborative
        # Their dates and addresses are on the Collaborative's clocks and under its address: no query for each.
        for related in (detailed.goal, detailed.meeting):
            if related:
                related.collaborative = collaborative
        # The newest entries first shown (the last page, still oldest first within it); "Previous page" goes back.
        count = detailed.changes_count + detailed.updates_count
        return {
            "detailed": detailed,
            "overdue": detailed.is_overdue(collaborative.local_today()),
            "page": _timeline_page(request, detailed, membership, count),
            **_origin_seen(detailed, membership),
        }

    return render_page(
        request,
        "actions/action_detail.html",
        collaborative_context(
            membership,
            action=action,
            rights=action_rights(membership, action, supporter=supporter),
            # The parts vary with the viewer themself only if they proposed an agenda item the page names.
            proposer=membership.user_id if proposer else None,
            **lazily(shown, "detailed", "overdue", "page", "origin_item", "origin_decision"),
            # What apps above actions add (actions/panels.py), kept ready-made with the page's other parts.
            **lazily(lambda: {"panels": panels_for(action, membership)}, "panels"),
            query_string=query_without_page(request),
            update_form=update_form or UpdateForm(),
            status_form=status_form
            or StatusForm(initial={"status": action.status, "status_reason": action.status_reason}),
        ),
        invalid=[status_form, update_form],
    )


def _count(rows: QuerySet) -> Coalesce:
    """How many `rows` there are, as a subquery."""
    return Coalesce(Subquery(rows.order_by().values("action").annotate(n=Count("pk")).values("n")), 0)


@require_GET
@with_fresh_parts
def action_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, action = action_for(request.user, slug, pk)
    return _detail_page(request, membership, action)


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, action = action_for(request.user, slug, pk, to="change")
    form = ActionForm(request.POST or None, instance=action, collaborative=membership.collaborative, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {
            field: form.cleaned_data[field] for field in TRACKED if field in form.cleaned_data and field != "supporters"
        }
        with refusal_on(form):
            changed = action_change(
                action=Action.objects.get(pk=action.pk),
                by=request.user,
                changes=changes,
                supporters=list(form.cleaned_data["supporters"]),
            )
            return done(request, "The action has been changed." if changed else "Nothing was changed.", action)
    return render_page(
        request, "actions/action_form.html", collaborative_context(membership, form=form, action=action), invalid=form
    )


def _back(request: HttpRequest, fallback: str) -> str:
    return safe_next(request, request.POST.get("next", ""), fallback)


def _action_page_save(request: HttpRequest, membership: Membership, action: Action, pressed: str) -> HttpResponse:
    """The action's page is one form: "Save the status" and "Add the update" each save everything typed
    on it, so saving one never loses words typed in the other (without JavaScript too).

    The status is saved when its button was pressed or it was changed; the update when its button was
    pressed or something was written or chosen for it. Together or not at all: if anything is wrong,
    nothing changes and the page comes back with everything typed (a file must be chosen again).
    """
    rights = action_rights(membership, action)
    status_form = update_form = None
    # The part whose button was pressed always; the other when it was on the page (and is the person's to save).
    if rights["change"] and (pressed == "status" or "status" in request.POST):
        status_form = StatusForm(request.POST, initial={"status": action.status, "status_reason": action.status_reason})
    if rights["update"] and (pressed == "update" or "text" in request.POST):
        update_form = UpdateForm(request.POST, request.FILES)
    typed_update = any(request.POST.get(name, "").strip() for name in ("text", "link")) or "file" in request.FILES
    with_status = status_form is not None and (pressed == "status" or status_form.has_changed())
    with_update = update_form is not None and (pressed == "update" or typed_update)
    valid = [form.is_valid() for form, used in ((status_form, with_status), (update_form, with_update)) if used]
    if all(valid):
        failed = None
        try:
            with transaction.atomic():  # Together or not at all.
                if with_status:
                    failed = status_form
                    action_change(
                        action=action,
                        by=request.user,
                        changes={key: status_form.cleaned_data[key] for key in ("status", "status_reason")},
                    )
                if with_update:
                    failed = update_form
                    action_update_add(
                        action=action,
                        by=request.user,
                        text=update_form.cleaned_data["text"],
                        link=update_form.cleaned_data["link"],
                        upload=update_form.cleaned_data.get("file"),
                    )
        except ValidationError as error:
            failed.add_error(None, error if failed is update_form else error.messages)
        else:
            said = []
            if with_status:
                label = dict(Action.Status.choices)[status_form.cleaned_data["status"]].lower()
                said.append(f"“{action.title}” is now {label}.")
            if with_update:
                said.append("Your update has been added.")
            return done(request, " ".join(said), action)
    return _detail_page(request, membership, action, status_form=status_form, update_form=update_form)


@require_POST
@with_fresh_parts  # A page that comes back with an error has the action's page's parts.
def action_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A quick change of status by the owner (or a facilitator), from the home page or the action's page."""
    membership, action = action_for(request.user, slug, pk, to="change")
    if "text" in request.POST:  # From the action's page, where an update may be typed too.
        return _action_page_save(request, membership, action, "status")
    error = quick_status_save(action, request.POST, by=request.user)
    if request.htmx:
        action.refresh_from_db()
        action.mine = action.owner_id == request.user.pk
        action.overdue = action.is_overdue(membership.collaborative.local_today())
        quick_status_addresses([action], membership.collaborative)
        quick_status_shown(action, request.POST if error else None, error)  # Refused: as it was typed.
        response = render(
            request,
            "actions/_my_action.html",
            {"action": action, "collaborative": membership.collaborative, "saved": not error},
        )
        # Parts of the page that count the person's actions (the home page's "Things to do") fetch themselves again.
        return response if error else trigger_client_event(response, "action-status-saved")
    if error:
        return done(request, error, _back(request, action.get_absolute_url()), level=messages.ERROR)
    action.refresh_from_db()
    return done(
        request,
        f"“{action.title}” is now {action.get_status_display().lower()}.",
        _back(request, action.get_absolute_url()),
    )


@require_POST
@with_fresh_parts  # A page that comes back with an error has the action's page's parts.
def action_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, action = action_for(request.user, slug, pk, to="update")
    return _action_page_save(request, membership, action, "update")


@require_GET
def evidence_download(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A file added as evidence: only for members, always downloaded, never shown as a page."""
    _membership, update = evidence_for(request.user, slug, pk)
    return stored_file(update.file, name=update.file_name, content_type=update.file_type)


# Charts drawn on the server: bars scale to the largest value; the table beside each has the numbers.
BAR_WIDTH = 300
ORGANISATIONS_SHOWN = 15
MONTHS_SHOWN = 12  # The month-by-month chart's viewBox has room for twelve.


LABEL_WIDTH = 24  # Characters a line of a chart's label holds; a longer label goes on to a second line.


def _label_lines(label: str) -> list[str]:
    """A chart's label on at most two lines (the second cut short with "…" if it must be): the whole name is in
    the table below the chart, and in the label's tooltip."""
    lines = textwrap.wrap(label, LABEL_WIDTH) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), LABEL_WIDTH, placeholder=" …")]
    return lines


def _bars(rows: list[tuple[str, int]]) -> dict:
    largest = max((count for _, count in rows), default=0) or 1
    bars = []
    for i, (label, count) in enumerate(rows):
        width = round(BAR_WIDTH * count / largest)
        # Where the label, the bar and the number go, worked out here rather than with filters in the template:
        # each row is tall enough for a label on two lines.
        top = i * 44
        lines = [{"text": text, "y": top + 18 + n * 18} for n, text in enumerate(_label_lines(label))]
        bars.append({"label": label, "lines": lines, "count": count, "width": width, "y": top + 10})
        bars[-1] |= {"text_y": top + 27, "count_x": width + 208}
    return {"height": len(rows) * 44, "rows": bars}


# What the overview shows: worked out only when its cached part is made.
OVERVIEW = ("total", "statuses", "overdue", "done_total", "on_time", "organisations", "organisations_count")
OVERVIEW += ("organisation_chart", "goals", "goal_chart", "months", "today", "sections")


@require_GET
@with_fresh_parts
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The commissioners' overview: counts by status, overdue, done on time, by organisation and goal, by month.
    Kept ready-made (templates/actions/dashboard.html): it is the same for everyone who may see it."""
    membership = overseer_membership_for(request.user, slug)
    overview = functools.partial(_overview, membership.collaborative)
    return render(request, "actions/dashboard.html", collaborative_context(membership, **lazily(overview, *OVERVIEW)))


def _overview(collaborative) -> dict:
    """The overview's counts and charts, by the Collaborative's own days and months."""
    # Days and months in the Collaborative's own time, as its emails count them.
    zone = ZoneInfo(collaborative.time_zone)
    today = collaborative.local_today()
    actions = Action.objects.filter(collaborative=collaborative)
    # Rows of how many actions there are for each lead organisation (or goal), status and whether past their
    # due date: a few hundred at most, added up here. Grouped so, the database passes over the actions once for
    # each list, where counting with a filter for each column made it several times slower.
    past = ExpressionWrapper(Q(due_on__lt=today), output_field=BooleanField())
    rows = list(
        actions.annotate(past=past)
        .values_list("organisation", "status", "past")
        .annotate(n=Count("id"))
        .order_by("organisation")  # Organisations with as many actions stay in the database's A to Z.
    )
    by_status, overdue = Counter(), 0
    for _organisation, status, past_due, n in rows:
        by_status[status] += n
        overdue += n if status in Action.LIVE and past_due else 0
    organisations = [row for row in _tally(rows, ["organisation"]) if row["organisation"]]
    shown = organisations[:ORGANISATIONS_SHOWN]
    # By goal id, not title: two goals with the same title are still two goals.
    goals = _tally(
        actions.exclude(goal=None)
        .annotate(past=past)
        .values_list("goal", "goal__title", "status", "past")
        .annotate(n=Count("id"))
        .order_by("goal__title", "goal"),
        ["goal", "goal__title"],
    )
    # Twelve months, this one last: back eleven by month number (days would give thirteen in some months).
    back = today.year * 12 + today.month - 1 - (MONTHS_SHOWN - 1)
    start = date(back // 12, back % 12 + 1, 1)
    since = datetime.combine(start, time(), tzinfo=zone)  # The first month began at midnight, local time.
    created = _per_month(actions, "created_at", since, zone)
    # The done actions in one pass too: whether each was done by its due date (as the day was where the
    # Collaborative is), and the month it was done if that is in the last twelve.
    finished, on_time = Counter(), 0
    done = (
        actions.filter(status=Action.Status.DONE)
        .annotate(
            in_time=LessThanOrEqual(TruncDate("done_at", tzinfo=zone), F("due_on")),
            month=Case(When(done_at__gte=since, then=TruncMonth("done_at", tzinfo=zone))),
        )
        .values_list("in_time", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    for in_time, month, n in done:
        on_time += n if in_time else 0
        if month is not None:
            finished[month] += n
    months = []
    month = start
    for _ in range(MONTHS_SHOWN):
        months.append(
            {
                "label": month.strftime("%B %Y"),
                "short": month.strftime("%b"),
                "created": _month_count(created, month),
                "done": _month_count(finished, month),
            }
        )
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    largest = max([m["created"] for m in months] + [m["done"] for m in months] + [1])
    for i, m in enumerate(months):
        m["x"] = 40 + i * 52
        m["created_height"] = round(160 * m["created"] / largest)
        m["done_height"] = round(160 * m["done"] / largest)
        m["created_y"], m["done_y"] = 180 - m["created_height"], 180 - m["done_height"]
        m["done_x"] = m["x"] + 22
    return {
        "total": sum(by_status.values()),
        "statuses": _bars([(label, by_status.get(value, 0)) for value, label in Action.Status.choices]),
        "overdue": overdue,
        "done_total": by_status.get(Action.Status.DONE, 0),
        "on_time": on_time,
        "organisations": shown,
        "organisations_count": len(organisations),
        "organisation_chart": _bars([(row["organisation"], row["total"]) for row in shown]),
        "goals": goals,
        "goal_chart": _bars([(row["goal__title"], row["total"]) for row in goals]),
        "months": months,
        "today": today,
        # What apps above actions add (asks gone past their due date): actions/hooks.py.
        "sections": overview_sections(collaborative, today),
    }


def _tally(rows, names: list[str]) -> list[dict]:
    """`rows` of (*key, status, past its due date, how many) added up for each key, most actions first (in the
    order the rows come when as many): each a dict of the key by `names`, and its total, live (not finished),
    late (live and past its due date) and finished (done) actions."""
    tally = {}
    for *key, status, past, n in rows:
        counts = {"total": 0, "live": 0, "late": 0, "finished": 0}
        row = tally.setdefault(tuple(key), {**dict(zip(names, key, strict=True)), **counts})
        live = status in Action.LIVE
        row["total"] += n
        row["live"] += n if live else 0
        row["late"] += n if live and past else 0
        row["finished"] += n if status == Action.Status.DONE else 0
    return sorted(tally.values(), key=lambda row: -row["total"])


def _per_month(actions, field: str, since: datetime, zone: ZoneInfo) -> dict:
    """How many of `actions` have `field` in each month from `since`, by the first moment of the month."""
    return dict(
        actions.filter(**{f"{field}__gte": since})
        .annotate(month=TruncMonth(field, tzinfo=zone))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )


def _month_count(counts: dict, month: date) -> int:
    for key, value in counts.items():
        if key is not None and key.year == month.year and key.month == month.month:
            return value
    return 0


@require_GET
def review_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = commissioner_membership_for(request.user, slug)
    # Meta.ordering does not apply to a query with aggregates: the order is given here.
    reviews = membership.collaborative.review_rounds.annotate(
        size=Count("items"), done=Count("items", filter=Q(items__reviewed_at__isnull=False))
    ).order_by("-opened_at", "-id")
    return render(
        request,
        "actions/reviewround_list.html",
        collaborative_context(membership, reviews=reviews, form=ReviewRoundForm()),
    )


@require_POST
def review_new(request: HttpRequest, slug: str) -> HttpResponse:
    membership = commissioner_membership_for(request.user, slug)
    form = ReviewRoundForm(request.POST)
    if form.is_valid():
        try:
            review = review_round_open(
                collaborative=membership.collaborative, by=request.user, title=form.cleaned_data["title"]
            )
        except ValidationError as error:
            return done(request, error, "actions:reviews", slug=slug)
        return done(request, f"The review has started with {review.items.count()} actions.", review)
    return done(request, form.errors["title"][0], "actions:reviews", slug=slug, level=messages.ERROR)


def _shown(item) -> None:
    """What a review item's snapshot needs on the page: the due date as a date. Names are in the snapshot,
    as they were when the item was marked, so a signed-off round does not change when someone renames themselves."""
    item.due_on = date.fromisoformat(item.snapshot["due_on"]) if item.snapshot.get("due_on") else None


def _comment_name(item) -> str:
    """The name of an action's comment box: the review page is one form, so each box has its own."""
    return f"item-{item.pk}-comment"


def _comment_box(item, typed=None, error: str = "") -> None:
    """What an action's comment box shows: the words posted for it (`typed`, the review page's form) if they
    differ from the comment saved, marked as not saved yet; otherwise the comment saved."""
    words = typed.get(_comment_name(item)) if typed is not None else None
    item.unsaved = words is not None and words.strip() != item.comment
    item.typed = words if item.unsaved else item.comment
    item.error = error


REVIEW_PAGE_SIZE = 50
# Which of a review's actions its page lists: ?show=waiting, reviewed or all (the default).
REVIEW_SHOWN = {
    "all": Q(),
    "waiting": Q(reviewed_at__isnull=True),
    "reviewed": Q(reviewed_at__isnull=False),
}


def _review_items(request: HttpRequest, review, typed=None) -> Page:
    """The page of the review's actions that the address asks for (by due date), a page at a time:
    a review holds every live action, thousands in a large Collaborative."""
    show = request.GET.get("show") if request.GET.get("show") in REVIEW_SHOWN else "all"
    items = review.items.filter(REVIEW_SHOWN[show]).select_related("action__collaborative")
    page = Paginator(items.order_by("snapshot__due_on", "id"), REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page:
        _shown(item)
        _comment_box(item, typed)
    page.show = show
    return page


def _review_query(request: HttpRequest) -> str:
    """This page's choice of actions and page number ("?show=waiting&page=2"), to come back to after a POST."""
    query = urlencode({key: request.GET[key] for key in ("show", "page") if request.GET.get(key)})
    return f"?{query}" if query else ""


def _review_here(request: HttpRequest, review) -> str:
    return review.get_absolute_url() + _review_query(request)


def _review_counts(review) -> dict:
    """How many actions the review holds (`size`) and how many are still to review (`waiting`): one query."""
    return review.items.aggregate(size=Count("id"), waiting=Count("id", filter=Q(reviewed_at__isnull=True)))


def _review_summary(review, collaborative) -> dict:
    """The review's summary, on its page and printed: the period it covers, and how many of its actions had each
    status (as each stood when marked, or when the review began) and were overdue on the day it was signed off
    (or today); with how many it holds (`size`) and are still to review (`waiting`). One query for the counts, one
    for the review before it."""
    zone = collaborative.zone
    signed_off = timezone.localtime(review.signed_off_at, zone).date() if review.is_signed_off else None
    as_at = signed_off or collaborative.local_today()
    live = Q(snapshot__status__in=list(Action.LIVE))
    counts = review.items.annotate(due=KT("snapshot__due_on")).aggregate(
        size=Count("id"),
        waiting=Count("id", filter=Q(reviewed_at__isnull=True)),
        overdue=Count("id", filter=live & Q(due__lt=as_at.isoformat())),
        **{value: Count("id", filter=Q(snapshot__status=value)) for value in Action.Status.values},
    )
    since, previous = review_finished_since(collaborative, review.opened_at)
    return {
        "size": counts["size"],
        "waiting": counts["waiting"],
        "summary": {
            "statuses": [(label, counts[value]) for value, label in Action.Status.choices],
            "overdue": counts["overdue"],
            "as_at": as_at,
            "began": timezone.localtime(review.opened_at, zone).date(),
            "since": timezone.localtime(since, zone).date(),
            "previous": previous,
            "until": signed_off,
        },
    }


def _review_page(
    request: HttpRequest, membership: Membership, review, page: Page, *, status: int = 200
) -> HttpResponse:
    counts = _review_summary(review, membership.collaborative)
    return render(
        request,
        "actions/reviewround_detail.html",
        collaborative_context(
            membership,
            review=review,
            page=page,
            size=counts["size"],
            waiting=counts["waiting"],
            summary=counts["summary"],
            shown_choices=[
                ("all", "All", counts["size"]),
                ("waiting", "Still to review", counts["waiting"]),
                ("reviewed", "Reviewed", counts["size"] - counts["waiting"]),
            ],
            here=_review_query(request),
            query_string=query_without_page(request),
        ),
        status=status,
    )


@require_GET
def review_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A review under way (mark each action), or signed off: frozen as it was, and printable."""
    membership, review = review_round_for(request.user, slug, pk)
    return _review_page(request, membership, review, _review_items(request, review))


NOT_SAVED_YET = "The other comments you typed are not saved yet: press the button beside each to save it."


@require_POST
def review_item(request: HttpRequest, slug: str, round_pk: int, pk: int) -> HttpResponse:
    """Mark one action reviewed, with the comment typed in its box.

    The review page is one form, so every comment typed on it comes too (without JavaScript as with it):
    only this action's is saved. Without htmx, the page comes back with the others still in their boxes
    (with an error, this one's too, and nothing is saved), so marking one never loses another.
    """
    membership, item = review_item_for(request.user, slug, round_pk, pk)
    form = ReviewItemForm({"comment": request.POST.get(_comment_name(item), "")})
    error = ""
    if form.is_valid():
        try:
            item = review_item_mark(item=item, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as problem:
            error = problem.messages[0]
    else:
        error = "The comment is too long: keep it under 2,000 characters."
    if request.htmx:
        _shown(item)
        _comment_box(item, request.POST if error else None, error)
        context = collaborative_context(membership, review=item.round, item=item, oob=True)
        if not item.round.is_signed_off:  # The count of those still to review, swapped in beside it.
            context |= _review_counts(item.round)
        return render_page(request, "actions/reviewround_detail.html", context, fragment="review-marked")
    if item.round.is_signed_off:  # Frozen: no boxes left to keep words in.
        return done(request, error, item.round, level=messages.ERROR)
    page = _review_items(request, item.round, request.POST)
    if error:
        for shown in page:
            if shown.pk == item.pk:
                shown.error = error
        return _review_page(request, membership, item.round, page, status=400)
    said = f"“{item.snapshot['title']}” is marked as reviewed."
    if any(shown.unsaved for shown in page):
        messages.success(request, f"{said} {NOT_SAVED_YET}")
        return _review_page(request, membership, item.round, page)
    return done(request, said, _review_here(request, item.round))


@require_http_methods(["GET", "POST"])
def review_sign_off(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Sign the review off, asking first on a page of its own, as adopting a vision does: once signed off it
    never changes. "Sign off the review" on the review's page posts its form here. A comment typed but not
    saved stops it (the comment could never be added after): the page comes back with every comment typed
    still in its box. Otherwise it comes here to ask; "Yes, sign it off" (`confirmed`) signs it off."""
    membership, review = review_round_for(request.user, slug, pk)
    if request.method == "POST" and not request.POST.get("confirmed"):
        page = _review_items(request, review, request.POST)
        unsaved = [item for item in page if item.unsaved]
        if unsaved and not review.is_signed_off:
            messages.error(
                request,
                f"Your comment on “{unsaved[0].snapshot['title']}” is not saved yet: press the button beside it to "
                "save it, or empty its box, before signing off.",
            )
            return _review_page(request, membership, review, page, status=400)
    try:
        if request.method == "POST" and request.POST.get("confirmed"):
            review_round_sign_off(review=review, by=request.user)
            return done(request, "The review is signed off. It stays exactly as it is now.", review)
        review_round_ready(review)
    except ValidationError as error:
        if request.method == "POST":
            return done(request, error, review)
        refused = error.messages[0]  # The page says why it cannot be signed off yet, instead of asking.
    else:
        if request.method == "POST":  # Every comment saved: now ask.
            return redirect("actions:review_sign_off", slug=slug, pk=review.pk)
        refused = ""
    counts = review.items.aggregate(size=Count("id"), commented=Count("id", filter=~Q(comment="")))
    context = collaborative_context(membership, review=review, refused=refused, **counts)
    return render(request, "actions/reviewround_sign_off.html", context)
