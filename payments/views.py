"""The payments pages: a person's choice and the Collaborative's settings; claims, approval and paying;
statements, letters and the commissioners' totals."""

import csv
import io
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaborative.permissions import (
    facilitates,
    facilitator_membership_for,
    handles_payments,
    may_manage_line,
    membership_for,
    payment_letter_for,
    payment_line_for,
    payment_person_for,
    payment_receipt_for,
    payment_totals_for,
    payments_contact_for,
    payments_overseer_for,
    sees_everyones_payments,
)
from collaborative.spreadsheets import BYTE_ORDER_MARK, inert
from collaborative.views import (
    addresses,
    collaborative_context,
    done,
    query_without_page,
    refusal_on,
    render_page,
    safe_next,
    stored_file,
)
from collaborative.working_days import working_days_between
from members.models import Membership
from payments.export import csv_text, xlsx_file
from payments.forms import (
    ActivityForm,
    BookForm,
    ClaimForm,
    CorrectForm,
    LetterAskForm,
    PaidForm,
    PaymentChoiceForm,
    PaymentSettingsForm,
    PeriodForm,
    RefuseForm,
    check_period,
    claimable_meetings,
)
from payments.models import ExpenseType, Letter, Line, PaymentChoice, PaymentSettings
from payments.money import pounds, pounds_plain
from payments.pdf import PdfUnavailable, pdf_from_html
from payments.selectors import (
    TOO_LONG_WORKING_DAYS,
    choice_in_force,
    choice_on,
    lines_waiting_too_long,
    payment_queue,
    settings_in_force,
)
from payments.services import (
    activity_add,
    choice_make,
    claim_make,
    claim_rules,
    letter_ask,
    letter_sign,
    line_approve,
    line_book,
    line_correct,
    line_refuse,
    lines_mark_paid,
    settings_save,
)
from payments.statements import (
    choice_summary,
    day_label,
    default_period,
    letter_content,
    line_labels,
    person_lines,
    statement_for,
    totals_for,
)

# Settings and choices

HISTORY_PAGE_SIZE = 20


def _settings_shown(row: PaymentSettings) -> dict:
    """What a page shows of one row of settings: the row, and its rates in pounds."""
    return {"row": row, "rates": [(label, pounds(pence)) for label, pence in row.rates()]}


def _choice_shown(row: PaymentChoice) -> dict:
    """What a page shows of one choice: the row, and a lower amount in pounds."""
    return {"row": row, "lower_amount": pounds(row.lower_amount_pence) if row.lower_amount_pence else ""}


@require_http_methods(["GET", "POST"])
def payment_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Facilitators: what the Collaborative pays, from a day on. Saving makes new settings; the earlier
    ones stay, for the days they covered, and are listed below the form."""
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative
    today = collaborative.local_today()
    rows = PaymentSettings.objects.filter(collaborative=collaborative).select_related("set_by")
    latest = rows.first()
    form = PaymentSettingsForm(
        request.POST if request.method == "POST" else None,
        today=today,
        initial=PaymentSettingsForm.initial_from(latest),
    )
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            saved = settings_save(collaborative=collaborative, by=request.user, **form.settings_fields())
            when = "today" if saved.valid_from == today else f"{saved.valid_from:%-d %B %Y}"
            return done(request, f"The new payment settings apply from {when}.", "payments:settings", slug=slug)
    in_force = rows.filter(valid_from__lte=today).first()
    upcoming = rows.filter(valid_from__gt=today).order_by("valid_from", "id")[:HISTORY_PAGE_SIZE]
    earlier = rows.filter(valid_from__lte=today)
    if in_force is not None:
        earlier = earlier.exclude(pk=in_force.pk)
    page = Paginator(earlier, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "payments/settings_form.html",
        collaborative_context(
            membership,
            form=form,
            in_force=_settings_shown(in_force) if in_force else None,
            upcoming=[_settings_shown(row) for row in upcoming],
            earlier=[_settings_shown(row) for row in page.object_list],
            page=page,
        ),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def payment_choice(request: HttpRequest, slug: str) -> HttpResponse:
    """Any member: how they would like to be paid, from today on (the earlier choices stay, listed below).
    Nothing here asks which benefits someone gets; everyone sees where to get benefits advice."""
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative
    rules = settings_in_force(collaborative)
    pays = rules is not None and rules.pays
    current = choice_in_force(membership)
    form = PaymentChoiceForm(
        request.POST if request.method == "POST" else None,
        methods=rules.methods if pays else [],
        initial=PaymentChoiceForm.initial_from(current),
    )
    if request.method == "POST" and pays and form.is_valid():
        with refusal_on(form):
            choice_make(collaborative=collaborative, user=request.user, by=request.user, **form.choice_fields())
            return done(
                request,
                "Your choice is saved. It applies from today, until you change it.",
                "payments:choice",
                slug=slug,
            )
    if request.method == "POST" and not pays:
        form.is_valid()  # Bound and checked, so that the page answers 400 with the reason below.
        form.add_error(None, f"{collaborative.name} does not pay people at the moment, so there is nothing to choose.")
    earlier = PaymentChoice.objects.filter(collaborative=collaborative, user=request.user).select_related("made_by")
    if current is not None:
        earlier = earlier.exclude(pk=current.pk)
    page = Paginator(earlier, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "payments/choice_form.html",
        collaborative_context(
            membership,
            form=form,
            pays=pays,
            rules=_settings_shown(rules) if rules else None,
            current=_choice_shown(current) if current else None,
            earlier=[_choice_shown(row) for row in page.object_list],
            page=page,
        ),
        invalid=form,
    )


# Claims, approval and paying

QUEUE_PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, slug: str) -> HttpResponse:
    """A member claims an expense back, with a receipt, or asks for a ticket to be booked for them."""
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative
    today = collaborative.local_today()
    rules, refused = claim_rules(collaborative, request.user, today)
    form = None
    if not refused:
        form = ClaimForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            rules=rules,
            meetings=claimable_meetings(collaborative, request.user, today),
            initial={"day": today},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with refusal_on(form):
                line = claim_make(
                    collaborative=collaborative,
                    user=request.user,
                    day=data["day"],
                    expense_type=data["expense_type"],
                    description=form.what_for(),
                    amount_pence=data["amount"],
                    miles=data.get("miles"),
                    meeting=data["meeting"],
                    upload=data["receipt"],
                    booking=data["way"] == "book",
                )
                said = (
                    "We will book it for you, and let you know."
                    if line.kind == Line.Kind.BOOKING
                    else f"Your claim for {pounds(line.amount_pence)} has been sent for approval."
                )
                return done(request, said, line_address(line))
    elif request.method == "POST":
        return done(request, refused, "payments:claim", slug=slug, level=messages.ERROR)
    context = collaborative_context(membership, form=form, refused=refused, rules=rules)
    return render_page(request, "payments/claim_form.html", context, invalid=form)


def line_address(line: Line) -> str:
    return reverse("payments:line", kwargs={"slug": line.collaborative.slug, "pk": line.pk})


@require_GET
def receipt(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A line's receipt: for the person, the payments contact and facilitators; always downloaded."""
    _membership, line = payment_receipt_for(request.user, slug, pk)
    return stored_file(line.receipt, name=line.receipt_name, content_type=line.receipt_type)


@require_http_methods(["GET", "POST"])
def activity(request: HttpRequest, slug: str) -> HttpResponse:
    """A facilitator adds another paid activity (a working group, an interview panel, speaking at a board) for
    one or several members; each is paid at the rate of that day, as they chose."""
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative
    form = ActivityForm(
        request.POST if request.method == "POST" else None,
        collaborative=collaborative,
        initial={"day": collaborative.local_today()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_on(form):
            people = [chosen.user for chosen in data["people"]]
            lines = activity_add(
                collaborative=collaborative,
                by=request.user,
                users=people,
                activity=data["activity"],
                day=data["day"],
                description=data["description"],
                hours=data.get("hours"),
            )
            left_out = len(people) - len(lines)
            said = f"Added for {len(lines)} {'person' if len(lines) == 1 else 'people'}."
            if left_out:
                said += f" {left_out} chose not to be paid for their time, so nothing was added for them."
            return done(request, said, "payments:queue", slug=slug)
    return render_page(
        request, "payments/activity_form.html", collaborative_context(membership, form=form), invalid=form
    )


def _payments_contacts(collaborative) -> set[int]:
    return set(
        Membership.objects.filter(collaborative=collaborative, handles_payments=True).values_list("user_id", flat=True)
    )


def _acts(membership: Membership) -> bool:
    """Whether the viewer may act on some lines here (this session's two-step sign-in done): the payments
    contact on other people's, a facilitator on the payments contacts' own (may_manage_line)."""
    return sees_everyones_payments(membership)


def _queue_rows(lines: list[Line], collaborative, today, membership: Membership | None = None) -> None:
    """What each row of the queue shows, worked out once here: how long it has waited, its addresses, and
    whether the viewer may act on it (never on their own money)."""
    line_at = addresses("payments:line", slug=collaborative.slug)
    receipt_at = addresses("payments:receipt", slug=collaborative.slug)
    acts = membership is not None and _acts(membership)
    contacts = _payments_contacts(collaborative) if acts and not membership.handles_payments else set()
    for line in lines:
        line.can_act = acts and may_manage_line(membership, line, contacts=contacts)
        line.own = membership is not None and line.user_id == membership.user_id
        line.waited = working_days_between(collaborative.local_now(line.created_at).date(), today)
        line.too_long = line.waited > TOO_LONG_WORKING_DAYS
        line.address = line_at(line.pk)
        line.amount_shown = pounds(line.amount_pence)
        line.receipt_address = receipt_at(line.pk) if line.receipt else ""


def _queue_page(request: HttpRequest, membership: Membership, paid_form: PaidForm | None = None) -> HttpResponse:
    collaborative = membership.collaborative
    today = collaborative.local_today()
    page = Paginator(payment_queue(collaborative), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    _queue_rows(page.object_list, collaborative, today, membership)
    can_act = handles_payments(membership) or any(line.can_act for line in page.object_list)
    if can_act and paid_form is None:
        paid_form = PaidForm(collaborative=collaborative, membership=membership, initial={"paid_on": today})
    context = collaborative_context(
        membership,
        page=page,
        lines=page.object_list,
        can_act=can_act,
        paid_form=paid_form,
        too_long=lines_waiting_too_long(collaborative, today).count(),
        too_long_days=TOO_LONG_WORKING_DAYS,
    )
    return render_page(request, "payments/queue_list.html", context, invalid=paid_form)


@require_GET
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    """What waits: lines to approve, and lines approved but not paid, oldest first. The payments contact acts;
    facilitators see it."""
    membership = payments_overseer_for(request.user, slug)
    return _queue_page(request, membership)


def _shown(line: Line) -> None:
    """The line's amount in pounds, and its miles or hours when it is paid by them."""
    line.amount_shown = pounds(line.amount_pence)
    line.quantity_shown = ""
    if line.unit_pence and line.quantity != 1:
        unit = "miles" if line.expense_type == ExpenseType.MILEAGE else "hours"
        line.quantity_shown = f"{line.quantity.normalize():f} {unit} at {pounds(line.unit_pence)}"


def _line_page(
    request: HttpRequest, membership: Membership, line: Line, *, refuse_form=None, book_form=None, status=None
) -> HttpResponse:
    collaborative = membership.collaborative
    events = list(line.events.select_related("by"))
    _shown(line)
    can_act = _acts(membership) and may_manage_line(membership, line)
    context = collaborative_context(
        membership,
        line=line,
        events=events,
        can_act=can_act,
        own_line=line.user_id == membership.user_id,
        refuse_form=refuse_form or (RefuseForm() if can_act else None),
        book_form=book_form or (BookForm() if can_act and line.kind == Line.Kind.BOOKING else None),
        waited=working_days_between(collaborative.local_now(line.created_at).date(), collaborative.local_today()),
        reversals=list(line.reversals.all()),
        can_correct=can_act
        and line.status in (Line.Status.APPROVED, Line.Status.PAID)
        and not line.corrected
        and not line.reverses_id,
    )
    return render_page(request, "payments/line_detail.html", context, status=status)


@require_GET
def line(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One line with its whole history: who did what, when and why."""
    membership, line = payment_line_for(request.user, slug, pk)
    return _line_page(request, membership, line)


def _back(request: HttpRequest, line: Line) -> str:
    return safe_next(
        request, request.POST.get("next", ""), reverse("payments:queue", kwargs={"slug": line.collaborative.slug})
    )


@require_POST
def line_approve_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Approve a waiting line; for a ticket to book, "Booked" instead: what was booked and its reference."""
    membership, line = payment_line_for(request.user, slug, pk, manage=True)
    if line.kind == Line.Kind.BOOKING:
        return _book(request, membership, line)
    error = ""
    try:
        line = line_approve(line=line, by=request.user)
    except ValidationError as refusal:
        error = refusal.messages[0]
        line.refresh_from_db()
    if request.htmx:
        _queue_rows([line], membership.collaborative, membership.collaborative.local_today(), membership)
        context = collaborative_context(
            membership, line=line, can_act=True, error=error, approved=not error, too_long_days=TOO_LONG_WORKING_DAYS
        )
        return render_page(request, "payments/queue_list.html", context, fragment="queue-row")
    if error:
        return done(request, error, _back(request, line), level=messages.ERROR)
    return done(request, f"Approved: {line.description}, {pounds(line.amount_pence)}.", _back(request, line))


def _book(request: HttpRequest, membership: Membership, line: Line) -> HttpResponse:
    """A ticket is booked: the Collaborative paid for it, so it leaves what waits and is never paid to the person."""
    form = BookForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            data = form.cleaned_data
            line_book(line=line, by=request.user, note=data["note"], reference=data["reference"])
            return done(
                request, f"Booked: {line.description}. {line.user.display_name} will be told.", _back(request, line)
            )
    return _line_page(request, membership, line, book_form=form, status=400)


@require_POST
def line_refuse_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Refuse a waiting line, with the reason the person is told; without one, the line's page asks for it."""
    membership, line = payment_line_for(request.user, slug, pk, manage=True)
    form = RefuseForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            line_refuse(line=line, by=request.user, reason=form.cleaned_data["reason"])
            return done(
                request,
                f"Not approved: {line.description}. {line.user.display_name} will be told why.",
                _back(request, line),
            )
    return _line_page(request, membership, line, refuse_form=form, status=400)


@require_http_methods(["GET", "POST"])
def line_correct_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Correct an approved or paid line: a reversal, and a new line at the right amount if one is due."""
    membership, line = payment_line_for(request.user, slug, pk, manage=True)
    form = CorrectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            _reversal, new = line_correct(
                line=line, by=request.user, reason=form.cleaned_data["reason"], amount_pence=form.cleaned_data["amount"]
            )
            said = "The line has been corrected"
            said += f", and {pounds(new.amount_pence)} added in its place." if new else "."
            return done(request, said, line_address(new or line))
    _shown(line)
    context = collaborative_context(membership, line=line, form=form)
    return render_page(request, "payments/line_correct.html", context, invalid=form)


@require_POST
def mark_paid(request: HttpRequest, slug: str) -> HttpResponse:
    """Mark several approved lines paid at once, on a day, with the payment's reference: the payments contact
    other people's lines, a facilitator the payments contacts' own (never anyone their own)."""
    membership = payments_overseer_for(request.user, slug)
    form = PaidForm(request.POST, collaborative=membership.collaborative, membership=membership)
    if form.is_valid():
        with refusal_on(form):
            paid = lines_mark_paid(
                lines=list(form.cleaned_data["lines"]),
                by=request.user,
                paid_on=form.cleaned_data["paid_on"],
                reference=form.cleaned_data["reference"],
            )
            return done(
                request, f"{len(paid)} line{'s' if len(paid) != 1 else ''} marked paid.", "payments:queue", slug=slug
            )
    return _queue_page(request, membership, form)


def _to_pay(collaborative):
    """What finance pays: approved lines, never a ticket (the Collaborative books it, the person is not paid)."""
    return (
        Line.objects.filter(collaborative=collaborative, status=Line.Status.APPROVED)
        .exclude(kind=Line.Kind.BOOKING)
        .select_related("user")
        .order_by("user__display_name", "user_id", "activity_on", "id")
    )


@require_GET
def export(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    """What is approved and not yet paid, for finance: CSV or Excel (payments contact only)."""
    membership = payments_contact_for(request.user, slug)
    collaborative = membership.collaborative
    lines = _to_pay(collaborative)
    name = f"to-pay-{collaborative.slug}-{collaborative.local_today().isoformat()}"
    if format == "csv":
        response = HttpResponse(csv_text(lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    return FileResponse(
        xlsx_file(lines),
        as_attachment=True,
        filename=f"{name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# Statements, letters and totals

COUNTS_MEANS = (
    "What counts: money paid or due (approved or paid, and corrections). "
    "Lines waiting for approval, refused or cancelled do not count, nor tickets booked for the person."
)
DATES_MEAN = (
    "Totals by week and month go by the day of the activity. "
    "Paid-in totals go by the day the money was paid, for payments made in the period."
)
LINES_PAGE_SIZE = 25
LETTERS_PAGE_SIZE = 30
OWN_LETTERS_SHOWN = 10


def _person_page(request: HttpRequest, viewer: Membership, person: Membership) -> HttpResponse:
    """A person's payments page: their choice, their lines newest first (a page at a time), their letters."""
    collaborative, user = person.collaborative, person.user
    own = user.pk == request.user.pk
    page = Paginator(person_lines(collaborative, user), LINES_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [line_labels(line, own=own) for line in page.object_list]
    letters = list(Letter.objects.filter(collaborative=collaborative, user=user)[:OWN_LETTERS_SHOWN])
    return render_page(
        request,
        "payments/person_payments.html",
        collaborative_context(
            viewer,
            person=user,
            own=own,
            choice=choice_summary(choice_on(collaborative, user, collaborative.local_today()), own=own),
            page=page,
            letters=letters,
            query_string=query_without_page(request),
            # The Collaborative's payments pages each role may open (the links; each page checks for itself).
            runs_payments=sees_everyones_payments(viewer),
            sets_payments=facilitates(viewer),
            sees_totals=viewer.two_step_ready and (viewer.is_commissioner or sees_everyones_payments(viewer)),
        ),
        fragment="lines",
    )


@require_GET
def payments_home(request: HttpRequest, slug: str) -> HttpResponse:
    """The person's own page: "Your payments and expenses"."""
    membership = membership_for(request.user, slug)
    return _person_page(request, membership, membership)


@require_GET
def person_payments(request: HttpRequest, slug: str, user_pk: int) -> HttpResponse:
    """One person's payments, for the payments contact and facilitators (and the person)."""
    viewer, person = payment_person_for(request.user, slug, user_pk)
    return _person_page(request, viewer, person)


def _statement_context(request: HttpRequest, slug: str, user_pk: int, *, document: bool = False) -> tuple[dict, bool]:
    """The statement's page context, and whether the period asked for was a good one (else the page says why
    and shows this tax year so far). `document`: a download, which speaks of the person, not to them."""
    viewer, person = payment_person_for(request.user, slug, user_pk)
    collaborative = person.collaborative
    start, end = default_period(collaborative.local_today())
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    valid = not form.is_bound or form.is_valid()
    if form.is_bound and valid:
        given_start, given_end = form.cleaned_data["start"], form.cleaned_data["end"]
        start, end = given_start or start, given_end or end
        # The period's rules hold once the defaults are filled in: a start alone runs to today, and an end
        # alone from this tax year's start, and neither may make it longer than six years.
        check_period(form, start, end, "start" if given_start and not given_end else "end")
        if form.errors:
            valid = False
            start, end = default_period(collaborative.local_today())
    own = person.user.pk == request.user.pk
    statement = statement_for(collaborative, person.user, start, end, own=own and not document)
    context = collaborative_context(
        viewer,
        person=person.user,
        own=own,
        form=form,
        statement=statement,
        query=request.GET.urlencode(),
    )
    return context, valid


@require_GET
def statement_page(request: HttpRequest, slug: str, user_pk: int) -> HttpResponse:
    context, _ = _statement_context(request, slug, user_pk)
    return render_page(request, "payments/statement.html", context)


def _statement_name(context: dict, suffix: str) -> str:
    statement = context["statement"]
    return f"payments-statement-{context['collaborative'].slug}-{statement.start}-to-{statement.end}.{suffix}"


def _back_to_statement(slug: str, user_pk: int, context: dict) -> HttpResponse:
    """A download asked for with a bad period goes to the statement's page, which says what to put right."""
    return redirect(f"{reverse('payments:statement', kwargs={'slug': slug, 'user_pk': user_pk})}?{context['query']}")


@require_GET
def statement_csv(request: HttpRequest, slug: str, user_pk: int) -> HttpResponse:
    """The statement as a spreadsheet: every line, then the weekly, monthly and whole-period totals."""
    context, valid = _statement_context(request, slug, user_pk, document=True)
    if not valid:
        return _back_to_statement(slug, user_pk, context)
    statement = context["statement"]
    out = io.StringIO()
    out.write(BYTE_ORDER_MARK)
    writer = csv.writer(out)
    writer.writerow(["Payments statement", inert(statement.person.display_name or "Former member"), statement.label])
    writer.writerow([COUNTS_MEANS])
    writer.writerow([DATES_MEAN])
    writer.writerow([])
    writer.writerow(["Day", "What", "Kind", "Status", "Counts", "Amount (£)", "Paid on", "Payment reference"])
    for line in statement.lines:
        writer.writerow(
            [
                line.activity_on.isoformat(),
                inert(line.what),
                line.kind_label,
                line.status_label,
                "yes" if line.counts else "no",
                pounds_plain(line.amount_pence),
                line.paid_on.isoformat() if line.paid_on else "",
                inert(line.paid_reference),
            ]
        )
    if statement.booked:
        writer.writerow([])
        writer.writerow(["Booked for you: tickets the Collaborative booked and paid for. Not counted."])
        writer.writerow(["Day", "What", "Status", "Cost (£)"])
        for line in statement.booked:
            writer.writerow(
                [line.activity_on.isoformat(), inert(line.what), line.status_label, pounds_plain(line.amount_pence)]
            )
    for heading, totals in (
        ("Week (Monday to Sunday), by the day of the activity", statement.weeks),
        ("Month, by the day of the activity", statement.months),
        ("Whole period, by the day of the activity", [statement.whole]),
        ("Paid in the week (Monday to Sunday), by the day paid", statement.paid_weeks),
        ("Paid in the month, by the day paid", statement.paid_months),
        ("Paid in the whole period, by the day paid", [statement.paid_whole]),
    ):
        writer.writerow([])
        writer.writerow([heading, "From", "To", "For time (£)", "Expenses (£)", "Total (£)"])
        for total in totals:
            writer.writerow(
                [
                    total.label,
                    total.start.isoformat(),
                    total.end.isoformat(),
                    pounds_plain(total.time_pence),
                    pounds_plain(total.expenses_pence),
                    pounds_plain(total.total_pence),
                ]
            )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_statement_name(context, "csv")}"'
    return response


def _pdf_response(request: HttpRequest, template: str, context: dict, filename: str) -> HttpResponse:
    """The page's own HTML and CSS as a PDF; where WeasyPrint cannot run, a page that says to use Print."""
    html = render_to_string(template, context, request=request)
    try:
        pdf = pdf_from_html(html)
    except PdfUnavailable:
        return render_page(request, "payments/letter_no_pdf.html", context, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def statement_pdf(request: HttpRequest, slug: str, user_pk: int) -> HttpResponse:
    context, valid = _statement_context(request, slug, user_pk, document=True)
    if not valid:
        return _back_to_statement(slug, user_pk, context)
    context["pdf"] = True
    return _pdf_response(request, "payments/statement.html", context, _statement_name(context, "pdf"))


@require_http_methods(["GET", "POST"])
def letter_request(request: HttpRequest, slug: str) -> HttpResponse:
    """A member asks for a letter for a benefits adviser, or to their employer."""
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative
    today = collaborative.local_today()
    # About three months each side of today: the recent past for a benefits adviser, what is coming for an employer.
    initial = {"period_from": today - timedelta(days=91), "period_to": today + timedelta(days=91)}
    form = LetterAskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            letter = letter_ask(collaborative=collaborative, user=request.user, **form.cleaned_data)
            signer = "A facilitator" if letter.kind == Letter.Kind.EMPLOYER else "A facilitator or the payments contact"
            said = f"You have asked for the letter. {signer} will sign it; then you can print it or download it here."
            return done(request, said, "payments:letter", slug=slug, pk=letter.pk)
    return render_page(request, "payments/letter_ask.html", collaborative_context(membership, form=form), invalid=form)


def _letter_context(request: HttpRequest, membership: Membership, letter: Letter) -> dict:
    """The letter's page (and PDF): what it says (as signed, or the draft worked out now), and whether the
    viewer may sign it."""
    return collaborative_context(
        membership,
        letter=letter,
        own=letter.user_id == request.user.pk,
        can_sign=letter.status == Letter.Status.ASKED and letter.may_be_signed_by(membership),
        content=letter_content(letter),
    )


@require_GET
def letter_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The letter as a printable page (signed), or its draft while it waits to be signed."""
    membership, letter = payment_letter_for(request.user, slug, pk)
    return render_page(request, "payments/letter_detail.html", _letter_context(request, membership, letter))


@require_GET
def letter_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, letter = payment_letter_for(request.user, slug, pk)
    if letter.status != Letter.Status.SIGNED:
        not_yet = ValidationError("The letter can be downloaded once it is signed.")
        return done(request, not_yet, "payments:letter", slug=slug, pk=pk)
    context = _letter_context(request, membership, letter) | {"pdf": True}
    filename = f"letter-{letter.kind}-{letter.period_from}-to-{letter.period_to}.pdf"
    return _pdf_response(request, "payments/letter_detail.html", context, filename)


@require_POST
def letter_signing(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator or the payments contact signs a member's letter (never their own); a facilitator signs a
    letter to an employer."""
    _, letter = payment_letter_for(request.user, slug, pk, sign=True)
    try:
        letter = letter_sign(letter=letter, by=request.user)
    except ValidationError as error:
        return done(request, error, "payments:letters", slug=slug)
    name = letter.user.display_name or "The member"
    said = f"Signed. {name} can now print the letter or download it as a PDF."
    return done(request, said, "payments:letters", slug=slug)


@require_GET
def letter_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The letters members asked for, those waiting to be signed first, for facilitators and the payments contact."""
    membership = payments_overseer_for(request.user, slug)
    letters = (
        Letter.objects.filter(collaborative=membership.collaborative)
        .select_related("user", "signed_by")
        .order_by("status", "-asked_at", "-id")  # "asked" sorts before "signed".
    )
    page = Paginator(letters, LETTERS_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for letter in page.object_list:
        letter.period = f"{day_label(letter.period_from)} to {day_label(letter.period_to)}"
        letter.own = letter.user_id == request.user.pk
        letter.can_sign = letter.may_be_signed_by(membership)
    return render_page(
        request,
        "payments/letter_list.html",
        collaborative_context(membership, page=page, query_string=query_without_page(request)),
    )


@require_GET
def totals(request: HttpRequest, slug: str) -> HttpResponse:
    """What the Collaborative spent this financial year and last, and the hours of involvement: never a name."""
    membership = payment_totals_for(request.user, slug)
    years = totals_for(membership.collaborative, membership.collaborative.local_today())
    return render_page(request, "payments/totals.html", collaborative_context(membership, years=years))
