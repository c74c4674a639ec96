from urllib.parse import urlencode

from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.account.stages import LoginByCodeStage, LoginStageController
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaborative.freshness import lazily, with_fresh_parts
from collaborative.permissions import (
    LinkNotValid,
    facilitates,
    facilitator_membership_for,
    invitation_for,
    invitation_from_link,
    join_request_for,
    member_for,
    membership_for,
    membership_to_manage,
    profile_field_shown,
    profile_fields_for,
    profile_view_of,
    public_collaborative_for,
)
from collaborative.views import (
    collaborative_context,
    done,
    number_from,
    query_without_page,
    refusal_on,
    render_page,
    say,
    too_many_requests,
)
from members.forms import (
    INVITED_NAME,
    AccountDeleteForm,
    BreakForm,
    CollaborativeForm,
    GroundRulesForm,
    InvitationForm,
    JoinRequestForm,
    PaymentsContactForm,
    ProfileForm,
    ReplyForm,
    RoleForm,
)
from members.hooks import profile_changed
from members.models import Invitation, JoinRequest, Membership, Perspective, brings_perspective
from members.personal_data import account_erase, erasure_summary, only_facilitator_of, personal_data_export
from members.selectors import addresses_owned
from members.services import (
    ground_rules_accept,
    ground_rules_agreed,
    ground_rules_change,
    ground_rules_current,
    invitation_accept,
    invitation_is_for,
    invitation_resend,
    invitation_revoke,
    invitations_send,
    join_request_approve,
    join_request_create,
    join_request_decline,
    membership_change_role,
    membership_deactivate,
    membership_leave,
    membership_reactivate,
    membership_set_payments,
    membership_take_break,
)
from members.sessions import session_keep


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    memberships = list(Membership.objects.for_user(request.user))
    if len(memberships) == 1 and "all" not in request.GET:
        return redirect(memberships[0].collaborative)
    return render(request, "members/collaborative_list.html", {"memberships": memberships})


@require_http_methods(["GET", "POST"])
def ground_rules(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    if request.method == "POST":
        ground_rules_accept(membership=membership)
        return done(request, "Thank you. You have agreed to the ground rules.", "members:ground_rules", slug=slug)
    current = ground_rules_current(membership.collaborative)
    context = collaborative_context(
        membership, ground_rules=current, agreement=ground_rules_agreed(membership, current)
    )
    if facilitates(membership) and current.pk:
        context["agreed_count"] = current.acceptances.filter(membership__status=Membership.Status.ACTIVE).count()
        context["member_count"] = membership.collaborative.memberships.active().count()
    return render(request, "members/groundrules_detail.html", context)


@require_http_methods(["GET", "POST"])
def ground_rules_edit(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative
    form = GroundRulesForm(
        request.POST if request.method == "POST" else None, initial={"text": ground_rules_current(collaborative).text}
    )
    if request.method == "POST" and form.is_valid():
        ground_rules_change(collaborative=collaborative, text=form.cleaned_data["text"], by=request.user)
        said = "The ground rules have been changed. Members will be asked to agree to them."
        return done(request, said, "members:ground_rules", slug=slug)
    return render_page(
        request, "members/groundrules_form.html", collaborative_context(membership, form=form), invalid=form
    )


@require_http_methods(["GET", "POST"])
def collaborative_settings(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative
    form = CollaborativeForm(request.POST if request.method == "POST" else None, instance=collaborative)
    if request.method == "POST" and form.is_valid():
        form.save()
        return done(request, "The Collaborative's details have been saved.", collaborative)
    return render_page(
        request, "members/collaborative_settings.html", collaborative_context(membership, form=form), invalid=form
    )


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            profile_changed(user)  # Vision's open rounds follow it (see members/hooks.py).
        return done(request, "Your profile has been saved.", "members:profile")
    return render_page(request, "members/user_profile.html", {"form": form}, invalid=form)


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
        collaborative_context(
            viewer,
            member=member,
            person=member.user,
            shows=profile_fields_for(viewer, member),
            # Only the person and facilitators see that someone is taking a break.
            on_break=member.on_break(viewer.collaborative.local_today()),
        ),
    )


DIRECTORY_FIELDS = [
    "role",
    "handles_payments",
    "break_until",
    "user_id",
    "user__display_name",
    "user__pronouns",
    "user__perspectives",
    "user__perspectives_visibility",
    "user__organisation",
    "user__organisation_visibility",
    "user__job_title_visibility",
]
DIRECTORY_PAGE_SIZE = 50
# What of members' profiles the directory shows (and counts) besides their names, pronouns and "about me".
DIRECTORY_SHOWS = ("perspectives", "organisation")


@require_GET
@with_fresh_parts
def directory(request: HttpRequest, slug: str) -> HttpResponse:
    """Everyone in the Collaborative, by name: no order or badge by seniority, only what each shares."""
    viewer = membership_for(request.user, slug)
    query = request.GET.get("q", "").strip()[:100]
    perspective = request.GET.get("perspective", "")
    # The filters' counts, the list and the page's title are kept ready-made (templates/members/
    # membership_list.html) and worked out only when they are not: at the same address they are the same for
    # everyone who sees the same of others' profiles (profile_view).
    return render_page(
        request,
        "members/membership_list.html",
        collaborative_context(
            viewer,
            **lazily(
                lambda: _directory(viewer, query, perspective, request.GET.get("page")),
                "entries",
                "page",
                "perspective_choices",
            ),
            profile_view=profile_view_of(viewer, request.user, DIRECTORY_SHOWS),
            query_string=query_without_page(request),
            query=query,
            perspective=perspective,
        ),
        fragment="member-list",
    )


def _directory(viewer: Membership, query: str, perspective: str, number: str | None) -> dict:
    """The directory's page `number` of the members whose names hold `query` and who bring `perspective`
    (if one), as the viewer may see them, and how many bring each perspective."""
    members = Membership.objects.current_in(viewer.collaborative).order_by(Lower("user__display_name"), "pk")
    # Counted in the database, each person only where the viewer sees their perspectives.
    shares_perspectives = profile_field_shown(viewer, "perspectives")
    everyone, counts = members.perspective_counts(shares_perspectives)
    listed = everyone
    if perspective in counts:
        members = members.filter(shares_perspectives, brings_perspective(perspective))
        listed = counts[perspective]
    # Any page number that is not a number gives the first page; one out of range, the last.
    if query:
        # Names are matched here, not by the database, whose case-insensitive matching knows only
        # English letters on SQLite; only ids and names are read.
        needle = query.casefold()
        found = [
            user_id
            for user_id, name in members.values_list("user_id", "user__display_name")
            if needle in name.casefold()
        ]
        page = Paginator(found, DIRECTORY_PAGE_SIZE).get_page(number)
        shown = members.filter(user_id__in=page.object_list).only(*DIRECTORY_FIELDS)
    else:
        paginator = Paginator(members.only(*DIRECTORY_FIELDS), DIRECTORY_PAGE_SIZE)
        paginator.count = listed  # Counted above already: not counted again.
        page = paginator.get_page(number)
        shown = page.object_list
    labels = dict(Perspective.choices)
    # Facilitators (with this session's two-step sign-in) see who is a payments contact and who is taking a
    # break, and until when: nothing more about the break. The list is kept ready-made for them apart.
    facilitator, today = facilitates(viewer), viewer.collaborative.local_today()
    # Each member's page is the directory's address plus their id (built here, not by {% url %}
    # for every card).
    base = reverse("members:directory", kwargs={"slug": viewer.collaborative.slug})
    entries = []
    for m in shown:
        shows = profile_fields_for(viewer, m)
        perspectives = m.user.perspectives if "perspectives" in shows else []
        entries.append(
            {
                "person": m.user,
                "url": f"{base}{m.user_id}/",
                "organisation": m.user.organisation if "organisation" in shows else "",
                "perspective_labels": ", ".join(labels[value] for value in perspectives if value in labels),
                "payments_contact": facilitator and m.handles_payments,
                "break_until": m.break_until if facilitator and m.on_break(today) else None,
            }
        )
    return {
        "entries": entries,
        "page": page,
        "perspective_choices": [(value, label, counts[value]) for value, label in Perspective.choices],
    }


def _invitation_page(request: HttpRequest, membership: Membership, form, *, status: int = 200, **extra) -> HttpResponse:
    collaborative = membership.collaborative
    invitations = collaborative.invitations.select_related("invited_by")
    return render_page(
        request,
        "members/invitation_list.html",
        collaborative_context(
            membership,
            form=form,
            waiting=Paginator(invitations.filter(status=Invitation.Status.PENDING), WAITING_SHOWN).get_page(
                request.GET.get("page")
            ),
            query_string=query_without_page(request),
            earlier=invitations.exclude(status=Invitation.Status.PENDING)[:EARLIER_SHOWN],
            requests_waiting=collaborative.join_requests.filter(status=JoinRequest.Status.PENDING).count(),
            **extra,
        ),
        status=status,
    )


EARLIER_SHOWN = 20
WAITING_SHOWN = 50  # Invitations waiting for an answer to a page: a pasted list can hold hundreds.
REQUESTS_SHOWN = 20  # Requests to join to a page, each with its own reply box.


@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest, slug: str) -> HttpResponse:
    """Facilitators invite people by pasting addresses, and see, resend or withdraw invitations."""
    membership = facilitator_membership_for(request.user, slug)
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _invitation_page(request, membership, form)
    if not form.is_valid():
        return _invitation_page(request, membership, form, problems=getattr(form, "problems", []), status=400)
    outcomes = invitations_send(
        collaborative=membership.collaborative,
        addresses=form.cleaned_data["addresses"],
        role=form.cleaned_data["role"],
        message=form.cleaned_data["message"],
        by=request.user,
    )
    problems = form.problems + [(outcome.address, outcome.note) for outcome in outcomes if not outcome.sent]
    # Nothing is lost: the lines that need a look go back in the box, the rest were sent.
    retry = InvitationForm(
        initial={
            "addresses": "\n".join(form.not_addresses),
            "role": form.cleaned_data["role"],
            "message": form.cleaned_data["message"],
        }
    )
    return _invitation_page(
        request,
        membership,
        retry,
        problems=problems,
        sent=[outcome.address for outcome in outcomes if outcome.sent],
    )


def _invitation_form_kept(request: HttpRequest) -> InvitationForm | None:
    """The invitation form as it was typed, or None if nothing was typed in it.

    "Send again" and "Withdraw" belong to the page's invitation form, so what was typed there comes with
    them (without JavaScript too): it is shown again in its boxes, neither checked nor sent.
    """
    if not any(request.POST.get(name, "").strip() for name in ("addresses", "message")):
        return None
    fields = ("addresses", "role", "message")
    return InvitationForm(initial={name: request.POST[name] for name in fields if name in request.POST})


def _invitation_change(request: HttpRequest, slug: str, pk: int, change, said: str) -> HttpResponse:
    """Send an invitation again or withdraw it (`change`), saying so (`said`, with the address in it), then
    the invitations again: the page, if something was typed in its form (kept), else by redirect."""
    membership, invitation = invitation_for(request.user, slug, pk)
    try:
        change(invitation=invitation, by=request.user)
    except ValidationError as error:
        say(request, error)
    else:
        say(request, said.format(email=invitation.email))
    kept = _invitation_form_kept(request)
    if kept is None:
        return redirect("members:invitations", slug=slug)
    return _invitation_page(request, membership, kept, kept=True)


@require_POST
def resend_invitation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _invitation_change(
        request, slug, pk, invitation_resend, "The invitation to {email} was sent again. It works for 14 days."
    )


@require_POST
def revoke_invitation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _invitation_change(
        request, slug, pk, invitation_revoke, "The invitation to {email} was withdrawn. Its link no longer works."
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Where the link in an invitation email leads: sign up or sign in, agree to the ground rules, join."""
    try:
        invitation = invitation_from_link(token)
    except LinkNotValid:
        return render(request, "members/invitation_detail.html", {"problem": "invalid"}, status=400)
    collaborative = invitation.collaborative
    user = request.user
    context = {"invitation": invitation, "collaborative": collaborative}
    if user.is_authenticated and Membership.objects.active().filter(user=user, collaborative=collaborative).exists():
        return done(request, f"You are a member of {collaborative.name}.", collaborative, level=messages.INFO)
    if not invitation.is_usable:
        problem = "expired" if invitation.status == Invitation.Status.PENDING else invitation.status
        return render(request, "members/invitation_detail.html", {**context, "problem": problem}, status=410)
    if not user.is_authenticated:
        # Following the link proves the person reads this address: signing up with it
        # needs no confirmation email. The name they were invited by fills in the form.
        get_adapter(request).stash_verified_email(request, invitation.email)
        request.session[INVITED_NAME] = invitation.name
        query = urlencode({"next": request.path})
        context |= {
            "signup_url": f"{reverse('account_signup')}?{query}",
            "login_url": f"{reverse('account_login')}?{query}",
            # An address someone added to their account without confirming it is not theirs.
            "has_account": bool(addresses_owned([invitation.email])),
        }
        return render(request, "members/invitation_detail.html", context)
    if not invitation_is_for(invitation, user):
        return render(request, "members/invitation_detail.html", {**context, "problem": "someone_else"}, status=403)
    if request.method == "POST":
        try:
            invitation_accept(invitation=invitation, user=user)
        except ValidationError as error:
            return done(request, error, "members:invitation", token=token)
        # Joining as a facilitator or commissioner ends the person's other sessions; this one goes on.
        session_keep(request)
        said = f"Welcome to {collaborative.name}. You can now take part."
        if not user.access_needs and not user.access_needs_other:
            # A new member is asked once, where they arrive, rather than left to find the profile page.
            said += (
                " If you have any access or dietary needs, add them on your profile (the link at the top of the"
                " page): only the facilitators see them, to plan the meetings for you."
            )
        return done(request, said, collaborative)
    context["ground_rules"] = ground_rules_current(collaborative)
    return render(request, "members/invitation_detail.html", context)


@login_not_required
@require_http_methods(["GET", "POST"])
def public_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A Collaborative's page for anyone, if it chose to have one, with a form to ask to join."""
    collaborative = public_collaborative_for(slug)
    initial = {}
    if request.user.is_authenticated:
        initial = {"name": request.user.display_name, "email": request.user.email}
    form = JoinRequestForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if too_many_requests(request, "join-request", limit=JOIN_REQUESTS_PER_HOUR):
            return render(request, "429.html", status=429)
        # A program that filled in the hidden field gets the same thanks, and nothing is kept.
        if not form.cleaned_data["website"]:
            join_request_create(
                collaborative=collaborative,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                message=form.cleaned_data["message"],
                user=request.user if request.user.is_authenticated else None,
            )
        said = "Thank you. Your request has reached the facilitators. They will reply by email, usually within a week."
        return done(request, said, collaborative.get_public_url())
    is_member = (
        request.user.is_authenticated
        and Membership.objects.active().filter(user=request.user, collaborative=collaborative).exists()
    )
    return render_page(
        request,
        "members/collaborative_public.html",
        {"public": collaborative, "form": form, "is_member": is_member},
        invalid=form,
    )


JOIN_REQUESTS_PER_HOUR = 10


def _reply_name(join_request: JoinRequest) -> str:
    """The name of a request's reply box: the page is one form, so each box has its own."""
    return f"reply-{join_request.pk}"


def _join_requests_page(
    request: HttpRequest, membership: Membership, *, typed=None, problem: tuple[int, str] | None = None
) -> HttpResponse:
    """Requests to join, with the replies typed (`typed`, the page's form) back in their boxes, not sent."""
    collaborative = membership.collaborative
    requests = collaborative.join_requests.select_related("decided_by")
    page = Paginator(requests.filter(status=JoinRequest.Status.PENDING), REQUESTS_SHOWN).get_page(
        request.GET.get("page")
    )
    waiting = list(page)
    for join_request in waiting:
        join_request.typed = typed.get(_reply_name(join_request), "") if typed is not None else ""
        join_request.error = problem[1] if problem and problem[0] == join_request.pk else ""
    return render(
        request,
        "members/joinrequest_list.html",
        collaborative_context(
            membership,
            waiting=waiting,
            page=page,
            query_string=query_without_page(request),
            earlier=requests.exclude(status=JoinRequest.Status.PENDING)[:EARLIER_SHOWN],
            kept=any(join_request.typed.strip() for join_request in waiting),
        ),
        status=400 if problem else 200,
    )


@require_GET
def join_requests(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    return _join_requests_page(request, membership)


@require_POST
def join_request_decide(request: HttpRequest, slug: str, pk: int, decision: str) -> HttpResponse:
    """Say yes or no to one request, with the message typed for it.

    The page is one form, so the messages typed for other requests come too (without JavaScript as with
    it): they are never sent with this answer, only shown again in their boxes.
    """
    membership, join_request = join_request_for(request.user, slug, pk)
    form = ReplyForm({"reply": request.POST.get(_reply_name(join_request), "")})
    if not form.is_valid():
        problem = (join_request.pk, "The message is too long: keep it under 1,000 characters.")
        return _join_requests_page(request, membership, typed=request.POST, problem=problem)
    decide = join_request_approve if decision == "approve" else join_request_decline
    try:
        decide(join_request=join_request, by=request.user, reply=form.cleaned_data["reply"])
    except ValidationError as error:
        say(request, error)
    else:
        told = "an email with a link to join" if decision == "approve" else "an email to say so"
        say(request, f"{join_request.name} will get {told}.")
    # Only the requests whose boxes came with something typed in them, not every request waiting.
    typed = {
        number_from(name.removeprefix("reply-"))
        for name, reply in request.POST.items()
        if name.startswith("reply-") and reply.strip()
    } - {None}
    others = JoinRequest.objects.filter(collaborative=membership.collaborative, status=JoinRequest.Status.PENDING)
    if typed and others.filter(pk__in=typed).exists():
        return _join_requests_page(request, membership, typed=request.POST)
    return redirect("members:join_requests", slug=slug)


@require_http_methods(["GET", "POST"])
def member_manage(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator changes a member's role, or ends or restores their membership; every change is kept."""
    viewer, member = membership_to_manage(request.user, slug, pk)
    form = RoleForm(request.POST if request.method == "POST" else None, initial={"role": member.role})
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            membership_change_role(membership=member, role=form.cleaned_data["role"], by=request.user)
            said = f"{member.user.display_name} is now a {member.get_role_display().lower()}."
            if not member.is_facilitator and member.user_id == request.user.pk:
                # They have just given up managing members, this page included.
                return done(request, said, "members:member_detail", slug=slug, pk=pk)
            return done(request, said, "members:member_manage", slug=slug, pk=pk)
    return render_page(
        request,
        "members/membership_manage.html",
        collaborative_context(
            viewer,
            member=member,
            person=member.user,
            form=form,
            payments_form=PaymentsContactForm(initial={"handles_payments": "yes" if member.handles_payments else "no"}),
            on_break=member.on_break(viewer.collaborative.local_today()),
            history=member.changes.select_related("changed_by"),
        ),
        invalid=form,
    )


@require_POST
def member_payments(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator makes a member the payments contact, or stops: recorded in the membership's history.
    The payments contact approves and pays claims, so they need two-step sign-in as facilitators do."""
    _, member = membership_to_manage(request.user, slug, pk)
    form = PaymentsContactForm(request.POST)
    if not form.is_valid():
        return done(request, 'Choose "Yes" or "No".', "members:member_manage", slug=slug, pk=pk, level=messages.ERROR)
    handles_payments = form.cleaned_data["handles_payments"] == "yes"
    name = member.user.display_name
    try:
        membership_set_payments(membership=member, handles_payments=handles_payments, by=request.user)
    except ValidationError as error:
        return done(request, error, "members:member_manage", slug=slug, pk=pk)
    if member.user_id == request.user.pk:
        session_keep(request)  # A facilitator's session has passed two-step sign-in already.
    if handles_payments:
        said = (
            f"{name} is now a payments contact. They sign in again, with two-step sign-in, "
            "before they can see or approve payments."
        )
    else:
        said = f"{name} is no longer a payments contact."
    return done(request, said, "members:member_manage", slug=slug, pk=pk)


@require_POST
def member_status(request: HttpRequest, slug: str, pk: int, change: str) -> HttpResponse:
    _, member = membership_to_manage(request.user, slug, pk)
    name = member.user.display_name
    try:
        if change == "deactivate":
            membership_deactivate(membership=member, by=request.user)
            said = f"{name}'s membership has ended. You can reactivate it at any time."
        else:
            membership_reactivate(membership=member, by=request.user)
            said = f"{name} is a member again."
    except ValidationError as error:
        said = error
    if member.user_id == request.user.pk and not member.is_active:
        return done(request, said, "members:start")
    return done(request, said, "members:member_manage", slug=slug, pk=pk)


@require_GET
def former_members(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    former = (
        membership.collaborative.memberships.exclude(status=Membership.Status.ACTIVE)
        .select_related("user")
        .order_by("-left_at")
    )
    page = Paginator(former, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "members/membership_former.html",
        collaborative_context(membership, page=page),
    )


@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative
    error = ""
    if request.method == "POST":
        try:
            membership_leave(membership=membership)
        except ValidationError as problem:
            error = problem.messages[0]
        else:
            said = (
                f"You have left {collaborative.name}. What you took part in stays on record. "
                "A facilitator can invite you back at any time."
            )
            return done(request, said, "members:start")
    return render_page(
        request,
        "members/membership_leave.html",
        collaborative_context(membership, error=error),
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def take_break(request: HttpRequest, slug: str) -> HttpResponse:
    """A member takes a break until a day they choose, or comes back: emails and reminders pause, they
    stay a member. Nothing asks why; facilitators see only "taking a break until …"."""
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative
    back = "come_back" in request.POST
    form = BreakForm(request.POST if request.method == "POST" and not back else None)
    if back:
        membership_take_break(membership=membership, until=None)
        said = f"Welcome back. Emails and reminders from {collaborative.name} start again now."
        return done(request, said, "members:take_break", slug=slug)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            until = form.cleaned_data["until"]
            membership_take_break(membership=membership, until=until)
            said = (
                f"Take care. You are taking a break until {until:%-d %B %Y}: {collaborative.name} sends you no "
                "emails or reminders until then. You are still a member, and you can come back at any time."
            )
            return done(request, said, "members:take_break", slug=slug)
    today = collaborative.local_today()
    return render_page(
        request,
        "members/membership_break.html",
        collaborative_context(membership, form=form, on_break=membership.on_break(today), today=today),
        invalid=form,
    )


@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    """What we hold about the person, with the download and the way to delete the account."""
    return render(
        request,
        "members/user_data.html",
        {"sole_facilitator_of": only_facilitator_of(request.user)},
    )


@require_GET
def my_data_download(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(personal_data_export(request.user), json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = f"my-data-living-well-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
# Posting asks for the password (or a code from the two-step app) again unless the person
# gave it in the last few minutes; allauth then posts the form again.
@reauthentication_required(allow_get=True)
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete the account: confirmed by ticking a box and giving the password (or a two-step code) again."""
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    sole = only_facilitator_of(request.user)
    if request.method == "POST" and form.is_valid() and not sole:
        with refusal_on(form):
            account_erase(user=request.user)
            logout(request)
            return render(request, "members/user_deleted.html")
    # A POST that gets here was refused: a box not ticked, or the only facilitator of a Collaborative.
    return render_page(
        request,
        "members/user_delete.html",
        {"form": form, "erasure": erasure_summary(), "sole_facilitator_of": sole},
        status=400 if request.method == "POST" else 200,
    )
