"""The asks pages.

Members and facilitators (issue 17): the asks page with its filters, exports and per-organisation figures;
proposing and writing an ask; its page with its timeline; the facilitators' steps. The responder's pages
come after this block.
"""

from datetime import date

from django.contrib import messages

# ---------------------------------------------------------------------------------------------------------------
# The responder's side (issue 17): the facilitators' buttons to send for a fact check, send and send the link
# again (templates/asks/_send_controls.html), and the responder's page through their signed link, with no
# account: the ask, its files, and a form for fact-check comments or for the answer.
# ---------------------------------------------------------------------------------------------------------------
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from asks.emails import ask_contact
from asks.export import csv_stream, xlsx_file
from asks.forms import (
    ASK_FIELDS,
    AnswerForm,
    AskFilterForm,
    AskForm,
    DueDateForm,
    EvidenceForm,
    FactCheckForm,
    Response,
    ResponseForm,
    TakeUpForm,
    WithdrawForm,
)
from asks.models import LINK_DAYS, Answer, Ask, AskEvent, AskEvidence, FactCheck, ResponderLink, Sending
from asks.selectors import FIGURES_MONTHS, ask_path, filtered_asks, organisation_figures
from asks.services import (
    answer_due_on,
    answer_give,
    answer_open,
    ask_accept,
    ask_again,
    ask_change,
    ask_due_date_change,
    ask_escalate,
    ask_evidence_add,
    ask_fact_check_send,
    ask_follow_up,
    ask_link_resend,
    ask_propose,
    ask_send,
    ask_take_up,
    ask_withdraw,
    ask_write,
    fact_check_add,
    fact_check_open,
    may_escalate,
)
from collaborative.permissions import (
    LinkNotValid,
    ask_evidence_for,
    ask_for,
    asks_membership_for,
    decisions_seen,
    facilitates,
    responder_file_for,
    responder_link_from,
)
from collaborative.views import (
    addresses,
    collaborative_context,
    done,
    query_without_page,
    refusal_on,
    render_page,
    stored_file,
    too_many_requests,
)
from collaborative.working_days import working_days_between
from meetings.models import Decision
from members.models import Membership, User

PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 30  # An ask's timeline, newest page first, so that years of steps stay one short page.
STATUS_LABELS = dict(Ask.Status.choices)
ORGANISATIONS_CHARTED = 15
BAR_WIDTH = 300


def _filters(request: HttpRequest, collaborative) -> AskFilterForm:
    form = AskFilterForm(request.GET, collaborative=collaborative)
    form.is_valid()  # A bad value is explained on the page; the good filters still apply.
    return form


def _rows(asks: list[Ask], collaborative, today: date) -> None:
    """What each row of the table shows, worked out once here (one reverse() for the page)."""
    address = addresses("asks:detail", slug=collaborative.slug)
    for ask in asks:
        ask.address = address(ask.pk)
        ask.status_label = STATUS_LABELS[ask.status]
        ask.overdue = ask.is_overdue(today)


def _chart(figures: list) -> dict:
    """Bars for asks sent to each organisation, split into answered on time, late and not answered."""
    largest = max((row.sent for row in figures), default=0) or 1
    rows = []
    for i, row in enumerate(figures):
        top = i * 44
        widths = [round(BAR_WIDTH * count / largest) for count in (row.on_time, row.late, row.unanswered)]
        x = 200
        parts = []
        for width, kind in zip(widths, ("on-time", "late", "unanswered"), strict=True):
            parts.append({"x": x, "width": width, "kind": kind})
            x += width
        label = row.organisation if len(row.organisation) <= 24 else row.organisation[:23] + "…"
        rows.append(
            {
                "label": row.organisation,
                "short": label,
                "y": top + 10,
                "text_y": top + 27,
                "parts": parts,
                "count": row.sent,
                "count_x": x + 8,
            }
        )
    return {"height": max(len(rows) * 44, 44), "rows": rows}


@require_GET
def ask_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Every ask of the Collaborative, filtered; and how each organisation answered over the last year."""
    membership = asks_membership_for(request.user, slug)
    collaborative = membership.collaborative
    form = _filters(request, collaborative)
    today = collaborative.local_today()
    asks = filtered_asks(collaborative, form.cleaned_data, today)
    page = Paginator(asks, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    _rows(page.object_list, collaborative, today)
    context = collaborative_context(
        membership,
        form=form,
        page=page,
        query_string=query_without_page(request),
        any_asks=bool(page.paginator.count) or Ask.objects.filter(collaborative=collaborative).exists(),
    )
    # The figures and the chart only on the whole page: the table's fragment is all that filters change.
    if not request.htmx or request.htmx.history_restore_request:
        figures = organisation_figures(collaborative, today)
        context |= {
            "figures": figures,
            "chart": _chart(figures[:ORGANISATIONS_CHARTED]),
            "figures_months": FIGURES_MONTHS,
        }
    return render_page(request, "asks/ask_list.html", context, fragment="ask-table")


@require_GET
def ask_export(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    """The asks as filtered, with every column: CSV streamed as it is written, or an Excel file."""
    membership = asks_membership_for(request.user, slug)
    collaborative = membership.collaborative
    form = _filters(request, collaborative)
    today = collaborative.local_today()
    asks = filtered_asks(collaborative, form.cleaned_data, today).select_related("goal", "key_role")
    address = addresses("asks:detail", slug=collaborative.slug)

    def rows():
        for ask in asks.iterator(chunk_size=1000):
            ask.collaborative = collaborative
            ask.address = address(ask.pk)
            yield ask

    name = f"asks-{collaborative.slug}-{today.isoformat()}"
    if format == "csv":
        response = StreamingHttpResponse(csv_stream(rows(), today), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    return FileResponse(
        xlsx_file(rows(), today),
        as_attachment=True,
        filename=f"{name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _ask_form(request: HttpRequest, membership: Membership, ask: Ask) -> AskForm:
    return AskForm(
        request.POST or None,
        instance=ask,
        collaborative=membership.collaborative,
        decisions=decisions_seen(membership, Decision.objects.all()),
    )


@require_http_methods(["GET", "POST"])
def ask_propose_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Any member proposes an ask; the facilitators take it up, or say why not."""
    membership = asks_membership_for(request.user, slug)
    form = _ask_form(request, membership, Ask(collaborative=membership.collaborative))
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            ask = ask_propose(ask=form.save(commit=False), by=request.user)
            return done(request, "Your ask has been proposed. The facilitators will take it from here.", ask)
    return render_page(
        request,
        "asks/ask_form.html",
        collaborative_context(membership, form=form, ask=None, proposing=True),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def ask_new(request: HttpRequest, slug: str) -> HttpResponse:
    """A facilitator writes an ask: a draft until it is sent."""
    membership = asks_membership_for(request.user, slug, manage=True)
    form = _ask_form(request, membership, Ask(collaborative=membership.collaborative))
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            ask = ask_write(ask=form.save(commit=False), by=request.user)
            return done(request, "The ask has been written. Add evidence, then send it when it is ready.", ask)
    return render_page(
        request,
        "asks/ask_form.html",
        collaborative_context(membership, form=form, ask=None, proposing=False),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def ask_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change what an ask says, until it is sent."""
    membership, ask = ask_for(request.user, slug, pk, manage=True)
    if not ask.is_unsent:
        return done(request, "This ask has been sent, so what it says can no longer change.", ask, level=messages.ERROR)
    form = _ask_form(request, membership, Ask.objects.get(pk=ask.pk))
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            changed = ask_change(
                ask=ask, by=request.user, changes={name: form.cleaned_data[name] for name in ASK_FIELDS}
            )
            return done(request, "The ask has been changed." if changed else "Nothing was changed.", ask)
    return render_page(
        request,
        "asks/ask_form.html",
        collaborative_context(membership, form=form, ask=ask, proposing=False),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def ask_evidence_add_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator adds a file or a link that shows why we ask."""
    membership, ask = ask_for(request.user, slug, pk, manage=True)
    if ask.status in Ask.FINISHED:
        return done(request, "This ask is finished: no more evidence can be added.", ask, level=messages.ERROR)
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            ask_evidence_add(
                ask=ask,
                by=request.user,
                description=form.cleaned_data["description"],
                link=form.cleaned_data["link"],
                upload=form.cleaned_data.get("file"),
            )
            return done(request, "The evidence has been added.", ask)
    return render_page(
        request, "asks/ask_evidence_form.html", collaborative_context(membership, form=form, ask=ask), invalid=form
    )


@require_GET
def ask_evidence(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A file kept with an ask: only for members, always downloaded, never shown as a page."""
    _membership, evidence = ask_evidence_for(request.user, slug, pk)
    return stored_file(evidence.file, name=evidence.file_name, content_type=evidence.file_type)


def _timeline(request: HttpRequest, ask: Ask):
    """One page of the ask's timeline, oldest first within it; without a page number, the newest. Only the
    page's steps are read, with who took each, however long the timeline."""
    events = AskEvent.objects.filter(ask=ask).select_related("by").order_by("at", "id")
    paginator = Paginator(events, TIMELINE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    page.object_list = list(page.object_list)
    for event in page.object_list:
        if event.by_id is not None:
            event.who = event.by.display_name or "Former member"
        else:
            event.who = event.by_name or "The application"
    return page


def _detail_page(request: HttpRequest, membership: Membership, ask: Ask, **forms) -> HttpResponse:
    """An ask's page: what, why, evidence, the clock, every sending, answer and fact check, and the timeline;
    for facilitators, the steps open to them now (a refused step comes back here with its form's errors)."""
    collaborative = membership.collaborative
    today = collaborative.local_today()
    manage = facilitates(membership)
    evidence = list(ask.evidence.all())
    answers = list(
        Answer.objects.filter(ask=ask)
        .select_related("sending")
        .prefetch_related(Prefetch("files", queryset=AskEvidence.objects.order_by("created_at", "id")))
    )
    sendings = list(Sending.objects.filter(ask=ask))
    for sending in sendings:
        sending.overdue = sending.answered_on is None and sending.due_on < today and ask.is_waiting
    fact_checks = list(FactCheck.objects.filter(ask=ask)) if manage or not ask.is_unsent else []
    decision = ask.decision
    if decision is not None and not decisions_seen(membership, Decision.objects.filter(pk=decision.pk)).exists():
        decision = None
    proposer = User.objects.filter(pk=ask.proposed_by_id).only("display_name").first() if ask.proposed_by_id else None
    left = working_days_between(today, ask.due_on) if ask.is_waiting and ask.due_on else None
    # Their dates and addresses are on the Collaborative's clocks and under its address: no query for each.
    for related in (ask.goal, ask.meeting, ask.action):
        if related is not None:
            related.collaborative = collaborative
    steps = {}
    if manage:
        response_choices = []
        if ask.status == Ask.Status.ANSWERED:
            response_choices = [Response.ACCEPT, Response.FOLLOW_UP, Response.AGAIN, Response.ESCALATE]
        elif may_escalate(ask, today):
            response_choices = [Response.ESCALATE]
        steps = {
            "can_edit": ask.is_unsent,
            "can_take_up": ask.status == Ask.Status.PROPOSED,
            "can_change_due": ask.is_waiting,
            "can_respond": bool(response_choices),
            "can_withdraw": ask.status not in Ask.FINISHED,
            "can_add_evidence": ask.status not in Ask.FINISHED,
            "response_choices": response_choices,
            "take_up_form": forms.get("take_up_form") or TakeUpForm(),
            "due_form": forms.get("due_form") or DueDateForm(initial={"due_on": ask.due_on}),
            "response_form": forms.get("response_form")
            or ResponseForm(collaborative=collaborative, choices=response_choices, today=today),
            "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        }
    return render_page(
        request,
        "asks/ask_detail.html",
        collaborative_context(
            membership,
            ask=ask,
            today=today,
            overdue=ask.is_overdue(today),
            working_days_left=left,
            due_if_sent=answer_due_on(today) if ask.is_unsent else None,
            evidence=[item for item in evidence if item.answer_id is None],
            sendings=sendings,
            answers=answers,
            fact_checks=fact_checks,
            decision=decision,
            proposer=proposer,
            page=_timeline(request, ask),
            query_string=query_without_page(request),
            **steps,
        ),
        invalid=list(forms.values()),
    )


@require_GET
def ask_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, ask = ask_for(request.user, slug, pk)
    return _detail_page(request, membership, ask)


@require_POST
def ask_take_up_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator takes up a member's proposal, or declines it with a reason."""
    membership, ask = ask_for(request.user, slug, pk, manage=True)
    if ask.status != Ask.Status.PROPOSED:
        return done(request, "Only a proposed ask can be taken up or declined.", ask, level=messages.ERROR)
    form = TakeUpForm(request.POST)
    if form.is_valid():
        take_up = form.cleaned_data["take_up"] == "yes"
        with refusal_on(form):
            ask_take_up(ask=ask, by=request.user, take_up=take_up, reason=form.cleaned_data["reason"])
            said = "The ask is taken up: it is a draft now." if take_up else "The ask is not taken up."
            return done(request, said, ask)
    return _detail_page(request, membership, ask, take_up_form=form)


@require_POST
def ask_due_date(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator moves the due date of the answer, with a reason."""
    membership, ask = ask_for(request.user, slug, pk, manage=True)
    if not ask.is_waiting:
        return done(request, "The due date can change only while we wait for an answer.", ask, level=messages.ERROR)
    form = DueDateForm(request.POST, sent_on=ask.sent_on)
    if form.is_valid():
        with refusal_on(form):
            ask = ask_due_date_change(
                ask=ask, by=request.user, due_on=form.cleaned_data["due_on"], reason=form.cleaned_data["due_reason"]
            )
            return done(request, f"The answer is now due on {ask.due_on:%-d %B %Y}.", ask)
    return _detail_page(request, membership, ask, due_form=form)


@require_POST
def ask_response(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The Collaborative's response to the answer (or to no answer in time): accept, follow up with an action,
    ask again, or escalate."""
    membership, ask = ask_for(request.user, slug, pk, manage=True)
    collaborative = membership.collaborative
    today = collaborative.local_today()
    if ask.status == Ask.Status.ANSWERED:
        choices = [Response.ACCEPT, Response.FOLLOW_UP, Response.AGAIN, Response.ESCALATE]
    elif may_escalate(ask, today):
        choices = [Response.ESCALATE]
    else:
        return done(request, "There is no answer to respond to yet.", ask, level=messages.ERROR)
    form = ResponseForm(request.POST, collaborative=collaborative, choices=choices, today=today)
    if form.is_valid():
        data = form.cleaned_data
        note = data["note"]
        with refusal_on(form):
            if data["response"] == Response.ACCEPT:
                ask_accept(ask=ask, by=request.user, note=note)
                said = "The answer is accepted and the ask is closed."
            elif data["response"] == Response.FOLLOW_UP:
                action = ask_follow_up(
                    ask=ask,
                    by=request.user,
                    title=data["action_title"],
                    owner=data["action_owner"],
                    due_on=data["action_due_on"],
                    note=note,
                )
                said = f"The action “{action.title}” is on the action log, and the ask is closed."
            elif data["response"] == Response.AGAIN:
                sending = ask_again(ask=ask, by=request.user, today=today, note=note)
                said = f"The ask has been sent again. The answer is due on {sending.due_on:%-d %B %Y}."
            else:
                sending = ask_escalate(
                    ask=ask,
                    by=request.user,
                    today=today,
                    organisation=data["organisation"],
                    responder_name=data["responder_name"],
                    responder_role=data["responder_role"],
                    responder_email=data["responder_email"],
                    note=note,
                )
                said = f"The ask has been escalated to {sending.responder_name}. The answer is due on " + (
                    f"{sending.due_on:%-d %B %Y}."
                )
            return done(request, said, ask)
    return _detail_page(request, membership, ask, response_form=form)


@require_POST
def ask_withdraw_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Withdraw the ask, with a reason: it is kept, with its timeline."""
    membership, ask = ask_for(request.user, slug, pk, manage=True)
    if ask.status in Ask.FINISHED:
        return done(request, "This ask is finished already.", ask, level=messages.ERROR)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            ask_withdraw(ask=ask, by=request.user, reason=form.cleaned_data["withdraw_reason"])
            return done(request, "The ask has been withdrawn.", ask)
    return _detail_page(request, membership, ask, withdraw_form=form)


# Posts through responders' links from one address in an hour: generous for someone correcting a typo, and a
# wall for a program trying tokens.
RESPONDER_POSTS_PER_HOUR = 30


@require_POST
def send_for_fact_check(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, ask = ask_for(request.user, slug, pk, manage=True)
    try:
        link = ask_fact_check_send(ask=ask, by=request.user, today=membership.collaborative.local_today())
    except ValidationError as error:
        return done(request, error, ask_path(ask))
    said = (
        f"Sent to {ask.responder_name} ({link.email}) to check for factual errors, "
        f"by {link.ask.fact_check_due_on:%-d %B %Y}."
    )
    return done(request, said, ask_path(ask))


@require_POST
def send(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, ask = ask_for(request.user, slug, pk, manage=True)
    try:
        sending = ask_send(ask=ask, by=request.user, today=membership.collaborative.local_today())
    except ValidationError as error:
        return done(request, error, ask_path(ask))
    said = f"Sent to {sending.responder_name} ({sending.responder_email}). "
    said += f"The answer is due by {sending.due_on:%-d %B %Y}."
    return done(request, said, ask_path(ask))


@require_POST
def resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _membership, ask = ask_for(request.user, slug, pk, manage=True)
    try:
        link = ask_link_resend(ask=ask, by=request.user)
    except ValidationError as error:
        return done(request, error, ask_path(ask))
    return done(request, f"A new link was sent to {link.email}. The links sent before no longer work.", ask_path(ask))


# The responder's page

_FILE_SALT = "asks.responder.file"


def _file_url(token: str, evidence) -> str:
    """The address of one of the ask's files for the responder: the link's token and the file, signed together,
    so that the address names this file of this ask and no other."""
    signed = signing.Signer(salt=_FILE_SALT).sign(f"{evidence.pk}")
    return reverse("asks:respond_file", kwargs={"token": token, "file": signed})


def _contact_context(ask: Ask) -> dict:
    """The facilitator the responder can write to (templates/asks/respond_contact.html)."""
    contact = ask_contact(ask)
    return {"contact_name": contact.display_name if contact else "", "contact_email": contact.email if contact else ""}


def _respond_context(link: ResponderLink, token: str) -> dict:
    ask = link.ask
    files = [item for item in ask.evidence.all() if item.answer_id is None]
    for item in files:
        item.url = _file_url(token, item) if item.file else ""
    return {
        "link": link,
        "ask": ask,
        "collaborative": ask.collaborative,
        "evidence": files,
        **_contact_context(ask),
    }


@login_not_required
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    """The page a responder's link opens, with no account: the ask and, while the link works, the form to point
    out factual errors (a fact-check link) or to answer (an answer link)."""
    try:
        link = responder_link_from(token)
    except LinkNotValid:
        return render(request, "asks/respond_invalid.html", status=400)
    if request.method == "POST" and too_many_requests(request, "responder", limit=RESPONDER_POSTS_PER_HOUR):
        return render(request, "429.html", status=429)
    if link.problem() == "expired":
        # Run out, used or not: nothing of the ask any more, only who to write to.
        context = {**_contact_context(link.ask), "link_days": LINK_DAYS}
        return render(request, "asks/respond_expired.html", context, status=400 if request.method == "POST" else 200)
    context = _respond_context(link, token)
    if link.purpose == ResponderLink.Purpose.CHECK:
        return _respond_check(request, link, context)
    return _respond_answer(request, link, context)


def _respond_check(request: HttpRequest, link: ResponderLink, context: dict) -> HttpResponse:
    today = link.ask.collaborative.local_today()
    closed = fact_check_open(link, today)
    form = FactCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not closed and form.is_valid():
        with refusal_on(form):
            fact_check_add(link=link, name=form.cleaned_data["name"], text=form.cleaned_data["text"], today=today)
            return done(request, "Thank you. Your comments have reached the facilitators.", request.path)
    context |= {"form": form, "closed": closed, "comments": list(link.fact_checks.all())}
    # A POST that comes this far was refused: the form's errors, or the link no longer taking comments.
    status = 400 if request.method == "POST" else None
    return render_page(request, "asks/respond_page.html", context, invalid=form, status=status)


def _respond_answer(request: HttpRequest, link: ResponderLink, context: dict) -> HttpResponse:
    closed = answer_open(link)
    answers = list(link.answers.all())
    form = AnswerForm(request.POST, request.FILES) if request.method == "POST" else AnswerForm()
    if request.method == "POST" and not closed and form.is_valid():
        data = form.cleaned_data
        with refusal_on(form):
            answer = answer_give(
                link=link,
                kind=data["kind"],
                text=data["text"],
                name=data["name"],
                role=data["role"],
                until=data["until"],
                uploads=data["files"],
                today=link.ask.collaborative.local_today(),
            )
            if answer.kind == Answer.Kind.MORE_TIME:
                said = f"Thank you. The answer is now due by {answer.until:%-d %B %Y}. Use this link to answer then."
            else:
                said = "Thank you. Your answer is recorded, and the Collaborative's members will read it."
            return done(request, said, request.path)
    link.refresh_from_db(fields=["used_at"])
    context |= {
        "form": form,
        "closed": closed,
        "answered": link.used_at is not None,
        "answer": next((answer for answer in reversed(answers) if answer.kind != Answer.Kind.MORE_TIME), None),
        "more_time": next((answer for answer in answers if answer.kind == Answer.Kind.MORE_TIME), None),
        "sending": link.sending,
    }
    # A POST that comes this far was refused: the form's errors, or the link no longer taking an answer.
    status = 400 if request.method == "POST" else None
    return render_page(request, "asks/respond_page.html", context, invalid=form, status=status)


@login_not_required
@require_GET
def respond_file(request: HttpRequest, token: str, file: str) -> HttpResponse:
    """One of the ask's files, for the responder: always downloaded, never shown as a page."""
    try:
        pk = int(signing.Signer(salt=_FILE_SALT).unsign(file))
    except (signing.BadSignature, ValueError):
        return render(request, "asks/respond_invalid.html", status=400)
    try:
        _link, evidence = responder_file_for(token, pk)
    except LinkNotValid:
        return render(request, "asks/respond_invalid.html", status=400)
    return stored_file(evidence.file, name=evidence.file_name, content_type=evidence.file_type)
