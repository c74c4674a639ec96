"""Sends facilitators and commissioners to two-step sign-in, then on to their page.

Every request first notes whether its session has passed the code step of two-step
sign-in (collaborative.permissions.two_step_note). collaborative.permissions raises
TwoFactorRequired when the role allows a page but the person has no authenticator app
yet, and TwoStepCodeRequired when they have one but this session has not given its code.
The first goes to allauth's set-up page, which ignores `?next=` (after the code it always
shows the new recovery codes), so the page they wanted waits in the session and the
recovery codes page offers the way on to it. The second goes to "Type the code from your
app" (members.views.two_step), which goes on to `next` itself.
"""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from collaborative.permissions import TwoFactorRequired, TwoStepCodeRequired, two_step_note
from collaborative.views import safe_next

NEXT_SESSION_KEY = "two_factor_next"
EXPLANATION = (
    "Facilitators and commissioners can change things for everyone, so we ask you to add a "
    "second step when you sign in: a code from an app on your phone. Set it up once, then "
    "you can go on."
)
# Pages that show the way on once set-up is done: allauth shows the recovery codes
# straight after the first code, and its two-step sign-in overview otherwise.
CONTINUE_PAGES = {"mfa_view_recovery_codes", "mfa_index"}


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        two_step_note(request)
        response = self.get_response(request)
        # Arrived where they were going: no more "continue" on the set-up pages.
        arrived = request.method == "GET" and not request.htmx and response.status_code == 200
        if arrived and request.session.get(NEXT_SESSION_KEY) == request.get_full_path():
            del request.session[NEXT_SESSION_KEY]
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, TwoFactorRequired):
            return None
        # An htmx request asks for a piece of the page the person is on: bring them back there.
        wanted = (request.htmx and request.htmx.current_url_abs_path) or request.get_full_path()
        wanted = safe_next(request, wanted, request.path)  # HX-Current-URL comes from the browser.
        url = two_step_url(request, wanted, code_only=isinstance(exception, TwoStepCodeRequired))
        if request.htmx:
            # A 302 would make htmx swap the set-up page into the fragment's place.
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)

    def process_template_response(self, request: HttpRequest, response: TemplateResponse) -> TemplateResponse:
        match = request.resolver_match
        if match and match.url_name in CONTINUE_PAGES and response.context_data is not None:
            response.context_data["continue_url"] = request.session.get(NEXT_SESSION_KEY)
        return response


def two_step_url(request: HttpRequest, wanted: str, *, code_only: bool) -> str:
    """Where to go for the second step before `wanted` (a path on this site): the code, or setting up."""
    if code_only:  # The page says why.
        return f"{reverse('members:two_step')}?{urlencode({'next': wanted})}"
    request.session[NEXT_SESSION_KEY] = wanted
    messages.info(request, EXPLANATION)
    return f"{reverse('mfa_activate_totp')}?{urlencode({'next': wanted})}"


# When a session's idle expiry was last pushed on (seconds since the epoch), kept in the session.
RENEWED_SESSION_KEY = "_renewed"


class SessionRenewalMiddleware:
    """Pushes a session's idle expiry on at most once every SESSION_RENEW_SECONDS.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) was a savepoint, an UPDATE
    and a release on every page. Renewing it once an hour keeps "signed out after a week
    without a visit" true to within that hour, for a write an hour instead of one a page.
    Listed after SessionMiddleware, so that the session it marks changed is saved, and its
    cookie sent again, on the way out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session that holds something (a signed-in person, say).
        if session is not None and not session.is_empty():
            now = int(time.time())
            # A session being saved anyway (just signed in, say) is stamped for free.
            if session.modified or now - session.get(RENEWED_SESSION_KEY, 0) >= settings.SESSION_RENEW_SECONDS:
                session[RENEWED_SESSION_KEY] = now
        return response
