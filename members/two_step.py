""" "Type the code from your app": the second step of signing in, for this session.

Two-step sign-in belongs to the session as well as the account. A session that signed in
with the password alone (for example before the person set up their app on another
device) sees every page as a member does; before a facilitator's, commissioner's or site
administrator's page, collaborative.middleware sends it here. The code is checked by
allauth's own form (with its limit on wrong tries), which records the step in the session.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from collaborative.middleware import two_step_url
from collaborative.permissions import two_step_ready
from members.allauth_forms import ReauthenticateForm


def safe_next(request: HttpRequest) -> str:
    """The page to go on to (`next`, a path on this site), or the person's start page."""
    wanted = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("members:start")


@require_http_methods(["GET", "POST"])
def two_step(request: HttpRequest) -> HttpResponse:
    wanted = safe_next(request)
    if not is_mfa_enabled(request.user, [Authenticator.Type.TOTP]):
        return redirect(two_step_url(request, wanted, code_only=False))
    if two_step_ready(request.user):
        return redirect(wanted)
    form = ReauthenticateForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()  # allauth records the code step in this session.
        return redirect(wanted)
    return render(
        request,
        "members/two_step.html",
        {"form": form, "wanted": wanted},
        status=400 if request.method == "POST" else 200,
    )
