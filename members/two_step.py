""" "Type the code from your app": the second step of signing in, for this session.

Two-step sign-in belongs to the session as well as the account. A session that signed in
with the password alone (for example before the person set up their app on another
device) sees every page as a member does; before a facilitator's, commissioner's or site
administrator's page, collaborative.middleware sends it here. The code is checked by
allauth's own form (with its limit on wrong tries), which records the step in the session.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from collaborative.middleware import two_step_url
from collaborative.permissions import two_step_app, two_step_ready
from collaborative.views import render_page, safe_next
from members.allauth_forms import ReauthenticateForm


@require_http_methods(["GET", "POST"])
def two_step(request: HttpRequest) -> HttpResponse:
    wanted = safe_next(request, request.GET.get("next", ""), reverse("members:start"))
    if not two_step_app(request.user):
        return redirect(two_step_url(request, wanted, code_only=False))
    if two_step_ready(request.user):
        return redirect(wanted)
    form = ReauthenticateForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()  # allauth records the code step in this session.
        return redirect(wanted)
    return render_page(request, "members/two_step.html", {"form": form, "wanted": wanted}, invalid=form)
