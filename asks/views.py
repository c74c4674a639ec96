"""The asks pages."""

# ---------------------------------------------------------------------------------------------------------------
# The responder's side (issue 17): the facilitators' buttons to send for a fact check, send and send the link
# again (templates/asks/_send_controls.html), and the responder's page through their signed link, with no
# account: the ask, its files, and a form for fact-check comments or for the answer.
# ---------------------------------------------------------------------------------------------------------------

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from asks.emails import ask_contact
from asks.forms import AnswerForm, FactCheckForm
from asks.models import Answer, ResponderLink
from asks.selectors import ask_path
from asks.services import (
    answer_give,
    answer_open,
    ask_fact_check_send,
    ask_link_resend,
    ask_send,
    fact_check_add,
    fact_check_open,
)
from collaborative.permissions import LinkNotValid, ask_for, responder_file_for, responder_link_from
from collaborative.views import done, refusal_on, render_page, stored_file, too_many_requests

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


def _respond_context(link: ResponderLink, token: str) -> dict:
    ask = link.ask
    contact = ask_contact(ask)
    files = [item for item in ask.evidence.all() if item.answer_id is None]
    for item in files:
        item.url = _file_url(token, item) if item.file else ""
    return {
        "link": link,
        "ask": ask,
        "collaborative": ask.collaborative,
        "evidence": files,
        "contact_name": contact.display_name if contact else "",
        "contact_email": contact.email if contact else "",
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
