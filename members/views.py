from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from collaborative.permissions import facilitator_membership_for, membership_for
from members.forms import CollaborativeForm, ProfileForm
from members.models import Membership


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    memberships = list(Membership.objects.for_user(request.user))
    if len(memberships) == 1 and "all" not in request.GET:
        return redirect(memberships[0].collaborative)
    return render(request, "members/collaborative_list.html", {"memberships": memberships})


@require_GET
def collaborative_home(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    return render(
        request,
        "members/collaborative_home.html",
        {
            "membership": membership,
            "collaborative": membership.collaborative,
            "can_manage": membership.is_facilitator,
        },
    )


@require_http_methods(["GET", "POST"])
def collaborative_settings(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative
    form = CollaborativeForm(request.POST or None, instance=collaborative)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The Collaborative's details have been saved.")
        return redirect(collaborative)
    return render(
        request,
        "members/collaborative_settings.html",
        {"membership": membership, "collaborative": collaborative, "form": form},
    )


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile has been saved.")
        return redirect("members:profile")
    return render(request, "members/user_profile.html", {"form": form})
