"""The "What changed" page: facilitators publish item by item (nothing is public by default), members answer
whether they would like to be named, and anyone reads what was published, on the page and in its feed."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from asks.models import Ask
from collaborative.permissions import (
    credit_for,
    facilitator_membership_for,
    impact_report_for,
    public_collaborative_for,
    public_publication_for,
    publication_for,
    publishable_for,
)
from collaborative.views import collaborative_context, done, number_from, refusal_on, render_page
from impact.forms import CreditAnswerForm, CreditAskForm, FiguresForm, PublicationForm
from impact.models import Publication, april_to_march
from impact.report import report_csv as report_csv_text
from impact.report import report_file_name, report_for, report_period
from impact.selectors import (
    MANAGE_PAGE_SIZE,
    PUBLIC_PAGE_SIZE,
    actions_publishable,
    asks_publishable,
    goals_publishable,
    item_shown,
    newer_answers,
    publications_made,
    published_items,
    vision_publishable,
    voices_shown,
)
from impact.services import (
    credit_answer,
    credit_ask,
    publication_answers_update,
    publication_change,
    publication_hide,
    publication_publish,
    publication_show,
)
from payments.pdf import PdfUnavailable, pdf_from_html
from vision.models import GoalReview

# The field of Publication that names each kind's row.
TARGET_FIELD = {
    Publication.Kind.VISION: "vision_version",
    Publication.Kind.GOAL: "goal",
    Publication.Kind.YOU_SAID: "action",
    Publication.Kind.ASK: "ask",
}
# How many of an item's publish, change and unpublish steps its page lists (the latest).
HISTORY_SHOWN = 20

# Facilitators: what could be published, and what is


@require_GET
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    """What could be published, by kind, each list the latest a page at a time; and what has been."""
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative

    def page(items, name: str):
        return Paginator(items, MANAGE_PAGE_SIZE).get_page(request.GET.get(name))

    vision = vision_publishable(collaborative)
    goals = page(goals_publishable(collaborative), "goals")
    for goal in goals:
        goal.latest_outcome_label = GoalReview.Outcome(goal.latest_outcome).label if goal.latest_outcome else ""
    start, end = april_to_march(collaborative.local_today())
    return render_page(
        request,
        "impact/publication_manage.html",
        collaborative_context(
            membership,
            vision=vision,
            voices=voices_shown(vision.voices) if vision else None,
            goals=goals,
            actions=page(actions_publishable(collaborative), "actions"),
            asks=page(asks_publishable(collaborative), "asks"),
            items=page(publications_made(collaborative), "items"),
            period_start=start,
            period_end=end,
        ),
    )


def _new_publication(collaborative, kind: str, target) -> Publication:
    """The item as it would be published, before it is: for the form and its preview."""
    publication = Publication(collaborative=collaborative, kind=kind)
    if target is not None:
        setattr(publication, TARGET_FIELD[kind], target)
    if kind == Publication.Kind.FIGURES:
        publication.period_start, publication.period_end = april_to_march(collaborative.local_today())
    return publication


def _first_title(publication: Publication) -> str:
    kind = Publication.Kind
    if publication.kind == kind.VISION:
        return "Our vision and values"
    if publication.kind == kind.FIGURES:
        start, end = publication.period_start, publication.period_end
        return f"Our figures from {start:%B %Y} to {end:%B %Y}"
    return str(getattr(publication, TARGET_FIELD[publication.kind]))


@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    """Publish one item (`kind` and `id` name it; headline figures name a period instead), with a title and
    a summary for the public, seeing first what the public page will show."""
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind") or Publication.Kind.FIGURES
    membership, target = publishable_for(request.user, slug, kind, number_from(source.get("id")))
    collaborative = membership.collaborative
    publication = _new_publication(collaborative, kind, target)
    form_class = FiguresForm if kind == Publication.Kind.FIGURES else PublicationForm
    initial = {"title": _first_title(publication)}
    if kind == Publication.Kind.FIGURES:
        initial |= {"period_start": publication.period_start, "period_end": publication.period_end}
    form = form_class(
        request.POST if request.method == "POST" else None, instance=publication, initial=initial, kind=kind
    )
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            data = form.cleaned_data
            published = publication_publish(
                collaborative=collaborative,
                by=request.user,
                kind=kind,
                title=data["title"],
                summary=data["summary"],
                period_start=data.get("period_start"),
                period_end=data.get("period_end"),
                **({TARGET_FIELD[kind]: target} if target is not None else {}),
            )
            said = "Published. Anyone can read it on the public page now."
            return done(request, said, "impact:edit", slug=slug, pk=published.pk)
    return render_page(
        request,
        "impact/publication_publish.html",
        collaborative_context(
            membership, form=form, kind=kind, target=target, shown=item_shown(publication), publication=publication
        ),
        invalid=form,
    )


def _edit_context(membership, publication: Publication, form, ask_form) -> dict:
    events = publication.events.select_related("by").order_by("-at", "-id")[:HISTORY_SHOWN]
    return collaborative_context(
        membership,
        publication=publication,
        form=form,
        ask_form=ask_form,
        credits=publication.credits.select_related("user").order_by("asked_at", "id"),
        events=events,
        shown=item_shown(publication),
        newer_answers=newer_answers(publication),
        ask_withdrawn=publication.kind == Publication.Kind.ASK and publication.ask.status == Ask.Status.WITHDRAWN,
    )


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change an item's title and summary; see who was asked to be named, and its history."""
    membership, publication = publication_for(request.user, slug, pk)
    form = PublicationForm(
        request.POST if request.method == "POST" else None, instance=publication, kind=publication.kind
    )
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            data = form.cleaned_data
            publication_change(
                publication=publication,
                by=request.user,
                title=data["title"],
                summary=data["summary"],
            )
            return done(request, "Saved.", "impact:edit", slug=slug, pk=pk)
    ask_form = CreditAskForm(collaborative=membership.collaborative)
    return render_page(
        request, "impact/publication_edit.html", _edit_context(membership, publication, form, ask_form), invalid=form
    )


@require_POST
def hide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Take an item off the public page; it is kept, to publish again."""
    _, publication = publication_for(request.user, slug, pk)
    try:
        publication_hide(publication=publication, by=request.user)
    except ValidationError as error:
        return done(request, error, "impact:edit", slug=slug, pk=pk)
    said = "Taken off the public page. Nothing is deleted: you can publish it again."
    return done(request, said, "impact:manage", slug)


@require_POST
def answers_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Show on the public page the answers to a published ask given since the facilitators last looked."""
    _, publication = publication_for(request.user, slug, pk)
    try:
        publication_answers_update(publication=publication, by=request.user)
    except ValidationError as error:
        return done(request, error, "impact:edit", slug=slug, pk=pk)
    return done(request, "The public page shows the latest answers now.", "impact:edit", slug=slug, pk=pk)


@require_POST
def show(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Publish a hidden item again."""
    _, publication = publication_for(request.user, slug, pk)
    try:
        publication_show(publication=publication, by=request.user)
    except ValidationError as error:
        return done(request, error, "impact:edit", slug=slug, pk=pk)
    return done(request, "Published again. Anyone can read it on the public page now.", "impact:edit", slug=slug, pk=pk)


@require_POST
def credit_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Ask a member whether they would like to be named on the item: it waits under their "Things to do"."""
    membership, publication = publication_for(request.user, slug, pk)
    form = CreditAskForm(request.POST, collaborative=membership.collaborative)
    if not form.is_valid():
        return done(request, ValidationError(form.errors["user"][0]), "impact:edit", slug=slug, pk=pk)
    user = form.cleaned_data["user"]
    try:
        credit_ask(publication=publication, user=user, by=request.user)
    except ValidationError as error:
        return done(request, error, "impact:edit", slug=slug, pk=pk)
    said = f"{user.display_name} will see the question under “Things to do”. Their name shows only if they agree."
    return done(request, said, "impact:edit", slug=slug, pk=pk)


# Members: being named


@require_http_methods(["GET", "POST"])
def credit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The person is asked whether their name may show on an item of the public page; they can change their answer
    at any time, and saying no takes their name off at once."""
    membership, asked = credit_for(request.user, slug, pk)
    form = CreditAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        agree = form.cleaned_data["answer"] == "yes"
        credit_answer(credit=asked, agree=agree)
        if agree:
            said = "Thank you. Your name shows on this item wherever it is published."
        else:
            said = "Your name will not show on this item."
        return done(request, said, "impact:credit", slug=slug, pk=pk)
    return render_page(
        request,
        "impact/credit_answer.html",
        collaborative_context(membership, credit=asked, publication=asked.publication, form=form),
        invalid=form,
    )


# Anyone: the public page, each item, and the feed


@login_not_required
@require_GET
def public(request: HttpRequest, slug: str) -> HttpResponse:
    """The published items of a Collaborative with a public page, newest first, a page at a time."""
    collaborative = public_collaborative_for(slug)
    page = Paginator(published_items(collaborative), PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "impact/publication_public.html", {"public": collaborative, "page": page})


@login_not_required
@require_GET
def item(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One published item, for anyone: the same 404 as for nothing at all when it is not published."""
    publication = public_publication_for(slug, pk)
    return render_page(
        request,
        "impact/publication_item.html",
        {"public": publication.collaborative, "publication": publication, "shown": item_shown(publication)},
    )


# The annual impact report (issue 17, item 7): a printable page, its PDF, and its figures as CSV. -----------


def _report_context(request: HttpRequest, slug: str) -> dict:
    """The report page's context: the period form, and the report when the period asked for is a good one."""
    membership = impact_report_for(request.user, slug)
    collaborative = membership.collaborative
    form, start, end = report_period(collaborative, request.GET)
    report = report_for(collaborative, start, end) if start else None
    return collaborative_context(membership, form=form, report=report, query=request.GET.urlencode())


def _back_to_report(slug: str, context: dict) -> HttpResponse:
    """A download asked for with a bad period goes to the report's page, which says what to put right."""
    return redirect(f"{reverse('impact:report', kwargs={'slug': slug})}?{context['query']}")


@require_GET
def report(request: HttpRequest, slug: str) -> HttpResponse:
    """The impact report for a period, April to March by default, to read, print or download."""
    context = _report_context(request, slug)
    return render_page(request, "impact/report.html", context, status=200 if context["report"] else 400)


@require_GET
def report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The report's own page as a PDF; where WeasyPrint cannot run, a page that says to use Print instead."""
    context = _report_context(request, slug)
    if context["report"] is None:
        return _back_to_report(slug, context)
    context["pdf"] = True
    html = render_to_string("impact/report.html", context, request=request)
    try:
        pdf = pdf_from_html(html)
    except PdfUnavailable:
        return render_page(request, "impact/report_no_pdf.html", context, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_file_name(context["report"], "pdf")}"'
    return response


@require_GET
def report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The report's figures as a spreadsheet, exactly as the page shows them."""
    context = _report_context(request, slug)
    if context["report"] is None:
        return _back_to_report(slug, context)
    response = HttpResponse(report_csv_text(context["report"]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report_file_name(context["report"], "csv")}"'
    return response


# End of the annual impact report. ------------------------------------------------------------------------
