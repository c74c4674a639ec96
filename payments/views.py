"""The payments pages: a person's choice and the Collaborative's settings; claims, approval and paying;
statements, letters and the commissioners' totals."""

import csv
import io
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaborative.permissions import (
    membership_for,
    payment_letter_for,
    payment_person_for,
    payment_totals_for,
    payments_overseer_for,
)
from collaborative.spreadsheets import BYTE_ORDER_MARK, inert
from collaborative.views import collaborative_context, done, query_without_page, refusal_on, render_page
from members.models import Membership
from payments.forms import LetterAskForm, PeriodForm
from payments.models import Letter
from payments.money import pounds_plain
from payments.pdf import PdfUnavailable, pdf_from_html
from payments.services import choice_on, letter_ask, letter_sign
from payments.statements import (
    COUNTS,
    choice_summary,
    day_label,
    default_period,
    letter_content,
    line_labels,
    person_lines,
    statement_for,
    totals_for,
)

# Statements, letters and totals

COUNTS_MEANS = (
    "What counts: money paid or due (approved or paid, and corrections). "
    "Lines waiting for approval, refused or cancelled do not count."
)
LINES_PAGE_SIZE = 25
LETTERS_PAGE_SIZE = 30
OWN_LETTERS_SHOWN = 10


def _person_page(request: HttpRequest, viewer: Membership, person: Membership) -> HttpResponse:
    """A person's payments page: their choice, their lines newest first (a page at a time), their letters."""
    collaborative, user = person.collaborative, person.user
    own = user.pk == request.user.pk
    page = Paginator(person_lines(collaborative, user), LINES_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [line_labels(line) for line in page.object_list]
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


def _statement_context(request: HttpRequest, slug: str, user_pk: int) -> tuple[dict, bool]:
    """The statement's page context, and whether the period asked for was a good one (else the page says why
    and shows this tax year so far)."""
    viewer, person = payment_person_for(request.user, slug, user_pk)
    collaborative = person.collaborative
    start, end = default_period(collaborative.local_today())
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    valid = not form.is_bound or form.is_valid()
    if form.is_bound and valid:
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
        if end < start:
            form.add_error("end", "The end of the period must be on or after its start.")
            valid = False
            start, end = default_period(collaborative.local_today())
    statement = statement_for(collaborative, person.user, start, end)
    context = collaborative_context(
        viewer,
        person=person.user,
        own=person.user.pk == request.user.pk,
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
    context, valid = _statement_context(request, slug, user_pk)
    if not valid:
        return _back_to_statement(slug, user_pk, context)
    statement = context["statement"]
    out = io.StringIO()
    out.write(BYTE_ORDER_MARK)
    writer = csv.writer(out)
    writer.writerow(["Payments statement", inert(statement.person.display_name or "Former member"), statement.label])
    writer.writerow([COUNTS_MEANS])
    writer.writerow([])
    writer.writerow(["Day", "What", "Kind", "Status", "Counts", "Amount (£)", "Paid on", "Payment reference"])
    for line in statement.lines:
        writer.writerow(
            [
                line.activity_on.isoformat(),
                inert(line.what),
                line.kind_label,
                line.status_label,
                "yes" if line.status in COUNTS else "no",
                pounds_plain(line.amount_pence),
                line.paid_on.isoformat() if line.paid_on else "",
                inert(line.paid_reference),
            ]
        )
    for heading, totals in (
        ("Week (Monday to Sunday)", statement.weeks),
        ("Month", statement.months),
        ("Whole period", [statement.whole]),
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
    context, valid = _statement_context(request, slug, user_pk)
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
            said = (
                "You have asked for the letter. A facilitator or the payments contact will sign it; "
                "then you can print it or download it here."
            )
            return done(request, said, "payments:letter", slug=slug, pk=letter.pk)
    return render_page(request, "payments/letter_ask.html", collaborative_context(membership, form=form), invalid=form)


def _letter_context(request: HttpRequest, membership: Membership, letter: Letter) -> dict:
    own = letter.user_id == request.user.pk
    may_sign = not own and (membership.handles_payments or membership.is_facilitator)
    return collaborative_context(
        membership,
        letter=letter,
        own=own,
        can_sign=may_sign and letter.status == Letter.Status.ASKED,
        **letter_content(letter),
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
    """A facilitator or the payments contact signs a member's letter (never their own)."""
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


@require_GET
def placeholder(request: HttpRequest, slug: str) -> HttpResponse:
    """PLACEHOLDER until the merge (payments:choice, payments:claim are another group's pages): remove it."""
    membership_for(request.user, slug)
    return HttpResponse("This page is on its way.", content_type="text/plain; charset=utf-8")
