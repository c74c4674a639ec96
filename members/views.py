from allauth.account import views as allauth_views
from allauth.account.stages import LoginByCodeStage, LoginStageController
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from collaborative.permissions import (
    facilitator_membership_for,
    member_for,
    membership_for,
    profile_fields_for,
)
from members.forms import CollaborativeForm, GroundRulesForm, ProfileForm
from members.models import Membership, OrganisationType, Perspective
from members.services import ground_rules_accept, ground_rules_agreed, ground_rules_change, ground_rules_current


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    memberships = list(Membership.objects.for_user(request.user))
    if len(memberships) == 1 and "all" not in request.GET:
        return redirect(memberships[0].collaborative)
    return render(request, "members/collaborative_list.html", {"memberships": memberships})


@require_GET
def collaborative_home(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    ground_rules = ground_rules_current(membership.collaborative)
    return render(
        request,
        "members/collaborative_home.html",
        {
            "membership": membership,
            "collaborative": membership.collaborative,
            "can_manage": membership.is_facilitator,
            "needs_to_agree": ground_rules_agreed(membership, ground_rules) is None,
        },
    )


@require_http_methods(["GET", "POST"])
def ground_rules(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    if request.method == "POST":
        ground_rules_accept(membership=membership)
        messages.success(request, "Thank you. You have agreed to the ground rules.")
        return redirect("members:ground_rules", slug=slug)
    current = ground_rules_current(membership.collaborative)
    context = {
        "membership": membership,
        "collaborative": membership.collaborative,
        "ground_rules": current,
        "agreement": ground_rules_agreed(membership, current),
        "can_manage": membership.is_facilitator,
    }
    if membership.is_facilitator and current.pk:
        context["agreed_count"] = current.acceptances.filter(membership__status=Membership.Status.ACTIVE).count()
        context["member_count"] = membership.collaborative.memberships.active().count()
    return render(request, "members/groundrules_detail.html", context)


@require_http_methods(["GET", "POST"])
def ground_rules_edit(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative
    form = GroundRulesForm(request.POST or None, initial={"text": ground_rules_current(collaborative).text})
    if request.method == "POST" and form.is_valid():
        ground_rules_change(collaborative=collaborative, text=form.cleaned_data["text"], by=request.user)
        messages.success(request, "The ground rules have been changed. Members will be asked to agree to them.")
        return redirect("members:ground_rules", slug=slug)
    return render(
        request,
        "members/groundrules_form.html",
        {"membership": membership, "collaborative": collaborative, "form": form},
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


@login_not_required
@require_http_methods(["GET", "POST"])
def login_code_confirm(request: HttpRequest) -> HttpResponse:
    """allauth's page for typing a sign-in code, which also says so when the code has run out.

    allauth sends a person whose code has expired back to "Send me a sign-in code"
    without a word; here they are told why.
    """
    had_code = LoginStageController.enter(request, LoginByCodeStage.key) is not None
    queued = len(messages.get_messages(request))
    response = allauth_views.confirm_login_code(request)
    sent_back = response.status_code == 302 and response["Location"] == reverse("account_request_login_code")
    if had_code and sent_back and len(messages.get_messages(request)) == queued:
        messages.error(request, "That code has expired. Ask for a new code below: it will arrive by email.")
    return response


@require_GET
def member_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    viewer, member = member_for(request.user, slug, pk)
    return render(
        request,
        "members/membership_detail.html",
        {
            "membership": viewer,
            "collaborative": viewer.collaborative,
            "member": member,
            "person": member.user,
            "shows": profile_fields_for(viewer, member),
        },
    )


DIRECTORY_FIELDS = [
    "role",
    "user_id",
    "user__display_name",
    "user__pronouns",
    "user__perspectives",
    "user__perspectives_visibility",
    "user__organisation",
    "user__organisation_visibility",
    "user__job_title_visibility",
]


@require_GET
def directory(request: HttpRequest, slug: str) -> HttpResponse:
    """Everyone in the Collaborative, by name: no order or badge by seniority, only what each shares."""
    viewer = membership_for(request.user, slug)
    query = request.GET.get("q", "").strip()[:100]
    perspective = request.GET.get("perspective", "")
    labels = dict(Perspective.choices)
    # Each member's page is the directory's address plus their id (built here, not by {% url %}
    # two thousand times).
    base = reverse("members:directory", kwargs={"slug": slug})
    everyone = []
    for m in (
        Membership.objects.current_in(viewer.collaborative)
        .only(*DIRECTORY_FIELDS)
        .order_by(Lower("user__display_name"), "pk")
    ):
        shows = profile_fields_for(viewer, m)
        perspectives = m.user.perspectives if "perspectives" in shows else []
        everyone.append(
            {
                "person": m.user,
                "url": f"{base}{m.user_id}/",
                "organisation": m.user.organisation if "organisation" in shows else "",
                "perspectives": perspectives,
                "perspective_labels": ", ".join(labels[value] for value in perspectives if value in labels),
            }
        )
    counts = {value: sum(value in entry["perspectives"] for entry in everyone) for value in Perspective.values}
    shown = [
        entry
        for entry in everyone
        if query.casefold() in entry["person"].display_name.casefold()
        and (perspective not in Perspective.values or perspective in entry["perspectives"])
    ]
    template = "members/membership_list.html"
    if request.htmx:
        template += "#member-list"
    return render(
        request,
        template,
        {
            "membership": viewer,
            "collaborative": viewer.collaborative,
            "shown": shown,
            "query": query,
            "perspective": perspective,
            "perspective_choices": [(value, label, counts[value]) for value, label in Perspective.choices],
        },
    )


SMALL_GROUP = 3  # Counts below this are shown as "fewer than 3", so no one can be picked out.
BAR_WIDTH = 280  # The longest bar, in the chart's own units (the labels take the first 310).


def _chart(choices, counts: dict[str, int]) -> list[dict]:
    """Rows for a bar chart and its table; a small count hides its number and its bar."""
    largest = max([count for count in counts.values() if count >= SMALL_GROUP], default=0)
    return [
        {
            "label": label,
            "count": counts[value] if counts[value] >= SMALL_GROUP else None,
            "width": round(BAR_WIDTH * counts[value] / largest) if counts[value] >= SMALL_GROUP else 0,
            "y": index * 36,
        }
        for index, (value, label) in enumerate(choices)
    ]


@require_GET
def at_the_table(request: HttpRequest, slug: str) -> HttpResponse:
    """How many members bring each perspective and come from each type of organisation."""
    viewer = membership_for(request.user, slug)
    members = list(Membership.objects.current_in(viewer.collaborative))
    perspectives = dict.fromkeys(Perspective.values, 0)
    organisations = dict.fromkeys(OrganisationType.values, 0)
    for member in members:
        shown = profile_fields_for(viewer, member)
        for value in member.user.perspectives if "perspectives" in shown else []:
            perspectives[value] = perspectives.get(value, 0) + 1
        if "organisation" in shown and member.user.organisation_type in organisations:
            organisations[member.user.organisation_type] += 1
    charts = [
        {"id": "perspectives", "title": "Perspectives people bring", "rows": _chart(Perspective.choices, perspectives)},
        {
            "id": "organisations",
            "title": "Types of organisation",
            "rows": _chart(OrganisationType.choices, organisations),
        },
    ]
    for chart in charts:
        chart["height"] = len(chart["rows"]) * 36
        for row in chart["rows"]:
            row["text_y"], row["bar_y"], row["count_x"] = row["y"] + 22, row["y"] + 6, 310 + row["width"] + 8
    return render(
        request,
        "members/collaborative_table.html",
        {"membership": viewer, "collaborative": viewer.collaborative, "charts": charts, "total": len(members)},
    )
