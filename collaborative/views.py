from collections.abc import Callable
from contextlib import contextmanager

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from collaborative.celery import app as celery_app
from collaborative.permissions import facilitates
from collaborative.tasks import HEARTBEAT_KEY


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "not answering".
        return f"error: {error.__class__.__name__}"
    return "ok"


def _broker_status() -> str:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as error:  # noqa: BLE001 - any failure means "not answering".
        return f"error: {error.__class__.__name__}"
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Whether the database and the Celery broker answer: 200 if both do, 503 if not."""
    status = {"database": _database_status(), "broker": _broker_status()}
    healthy = all(value == "ok" for value in status.values())
    try:
        status["worker_last_seen"] = cache.get(HEARTBEAT_KEY.format(label="beat"))
    except Exception:  # noqa: BLE001 - the cache is informational here.
        status["worker_last_seen"] = None
    status["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(status, status=200 if healthy else 503)


def stored_file(file, *, name: str, content_type: str) -> FileResponse:
    """An uploaded file (evidence, a receipt) as a download, never shown as a page: 404 in plain words if it
    is no longer stored. The access rule is the caller's, before this."""
    try:
        stored = file.open("rb")
    except FileNotFoundError as error:  # Lost from the shared volume: say so plainly, not an error page.
        raise Http404("This file is no longer stored.") from error
    response = FileResponse(stored, as_attachment=True, filename=name, content_type=content_type)
    # Even if a browser tried to show it, nothing in it could run here, and it is not kept along the way.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def safe_next(request: HttpRequest, wanted: str, fallback: str) -> str:
    """`wanted` if it is an address on this site, else `fallback`: a `next` from a form, a link or
    a header must never send anyone to another site."""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return fallback


def number_from(value: str | None) -> int | None:
    """A whole number from an address's query, or None for anything else (never an error page)."""
    # isascii(): "²" is a digit to isdigit() but not a number to int(). Nine digits at most.
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 10 else None


# Stands for each object's id in an address made once for a list (no Collaborative's slug is all digits).
_ANY_PK = 987654321


def addresses(name: str, **kwargs) -> Callable[[int], str]:
    """The addresses of many objects of one kind, as their get_absolute_url has them, from one reverse():
    `addresses("actions:detail", slug=slug)(pk)`. The object's id is the last part of the pattern, after
    the slug; reverse() takes about a tenth of a millisecond, more than the rest of a row of a list, and a
    second for a spreadsheet of 10,000 actions."""
    head, _, tail = reverse(name, kwargs={**kwargs, "pk": _ANY_PK}).rpartition(str(_ANY_PK))
    return lambda pk: f"{head}{pk}{tail}"


def query_without_page(request: HttpRequest) -> str:
    """The address's query without its page number, for a list's page links: they add their own and keep
    the rest (the search and the filters), so that every page can be bookmarked."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def collaborative_context(membership, **extra) -> dict:
    """What every page inside a Collaborative gives its template."""
    return {
        "membership": membership,
        "collaborative": membership.collaborative,
        "can_manage": facilitates(membership),
        **extra,
    }


def render_page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    fragment: str = "",
    invalid=None,
    status: int | None = None,
) -> HttpResponse:
    """Render a page, or for htmx only its `fragment` (a partial of the same template).

    A POST that comes back to its form makes a whole page answer 400 when the form is not valid
    (`invalid`: a form, a formset, or a list of them, None for one not on the page; a form left
    unbound by an empty POST is not valid either). A fragment always answers 200, errors and all:
    htmx swaps only successful responses. A page with a fragment says it varies with HX-Request, so
    that no cache ever gives the page for the fragment or the fragment for the page.
    """
    if status is None:
        forms = invalid if isinstance(invalid, list | tuple) else [invalid]
        posted_wrong = request.method == "POST" and any(form is not None and not form.is_valid() for form in forms)
        status = 400 if posted_wrong else 200
    # htmx asks for the whole page when it restores history it no longer holds.
    if fragment and request.htmx and not request.htmx.history_restore_request:
        template, status = f"{template}#{fragment}", 200
    response = render(request, template, context, status=status)
    if fragment:
        patch_vary_headers(response, ["HX-Request"])
    return response


def say(request: HttpRequest, message: str | ValidationError, *, level: int = messages.SUCCESS) -> None:
    """Tell the person what happened, on the next page they see: `message`, or the ValidationError that
    refused a change (its first message, as an error)."""
    if isinstance(message, ValidationError):
        message, level = message.messages[0], messages.ERROR
    messages.add_message(request, level, message)


def done(
    request: HttpRequest, message: str | ValidationError, to, *args, level: int = messages.SUCCESS, **kwargs
) -> HttpResponseRedirect:
    """The end of a POST: say what happened (see `say`) on the page it goes to next, and go there.

    `to` is where to go, as redirect() takes it: a model, an address, or a URL name and its arguments.
    """
    say(request, message, level=level)
    return redirect(to, *args, **kwargs)


@contextmanager
def refusal_on(form):
    """Put a change the block's service refuses (a ValidationError) on `form`, shown with its other errors,
    and carry on after the block, to show the form again:

        if request.method == "POST" and form.is_valid():
            with refusal_on(form):
                goal = goal_save(goal=form.save(commit=False), by=request.user)
                return done(request, "The goal has been saved.", goal)
        return render_page(request, "vision/goal_form.html", context, invalid=form)
    """
    try:
        yield
    except ValidationError as error:
        form.add_error(None, error)


def too_many_requests(request: HttpRequest, action: str, *, limit: int) -> bool:
    """For a form anyone may post (a public page, a responder's link): count one more try from this address
    this hour; True once there have been too many."""
    key = f"rate:{action}:{get_adapter(request).get_client_ip(request)}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        # The count went between the two calls (Redis stopped answering, and this process's
        # own memory, collaborative/cache.py, has none yet): this try is the first counted.
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > limit
