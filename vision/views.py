from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaborative.freshness import lazily, with_fresh_parts
from collaborative.permissions import (
    contribution_for,
    facilitates,
    facilitator_membership_for,
    goal_for,
    membership_for,
    profile_fields_for,
    round_for,
    round_statement_for,
    statement_for,
    version_for,
)
from collaborative.views import (
    collaborative_context,
    done,
    number_from,
    query_without_page,
    refusal_on,
    render_page,
    say,
)
from members.models import Membership, Perspective
from vision.diff import values_diff, word_diff
from vision.forms import (
    MAX_VALUES,
    AdoptForm,
    AnswersForm,
    ContributionForm,
    GoalForm,
    GoalReviewForm,
    RoundDatesForm,
    RoundForm,
    StatementForm,
    VersionForm,
    value_formset,
    value_formset_with_a_row_more,
)
from vision.models import (
    ROUND_SHORTEST_DAYS,
    Contribution,
    Goal,
    GoalReview,
    KeyRole,
    Response,
    Round,
    Statement,
    VisionVersion,
)
from vision.panels import panels_for
from vision.results import (
    ROUND_GROUP_MIN,
    RoundResults,
    results_csv,
    round_results,
    statement_comments,
    trend,
    trend_chart,
)
from vision.selectors import round_emails_turned_off
from vision.services import (
    answers_save,
    close_early_refusal,
    contribution_add,
    contribution_withdraw,
    goal_review,
    goal_save,
    round_change_closing,
    round_close,
    round_counted,
    round_open,
    statement_add,
    statement_retire,
    statement_reword,
    version_adopt,
    version_draft,
    version_set_aside,
    version_update,
)
from vision.voices import voices_count, voices_summary

VERSIONS_PAGE_SIZE = 20


@require_GET
@with_fresh_parts
def vision_home(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative

    def vision() -> dict:
        versions = collaborative.vision_versions.annotate(
            contributors=Count(
                "contributions__author", filter=Q(contributions__status=Contribution.Status.SHOWN), distinct=True
            )
        ).select_related("agreed_at_meeting__collaborative")  # The meeting's day is in its Collaborative's time.
        versions = versions.order_by("-number")  # Meta.ordering does not apply to a query that counts.
        page = Paginator(versions, VERSIONS_PAGE_SIZE).get_page(request.GET.get("page"))
        drafts = list(versions.filter(status=VisionVersion.Status.DRAFT))
        for version in [*page, *drafts]:
            if version.voices:
                version.contributors = version.voices["people"]  # As counted when it was adopted.
        current = VisionVersion.objects.current_for(collaborative)
        values = list(current.values.all()) if current else []
        return {"current": current, "values": values, "drafts": drafts, "page": page}

    # The vision, its drafts and its versions are kept ready-made (templates/vision/visionversion_list.html):
    # until the data changes, every member sees the same, and facilitators the same as each other.
    return render(
        request,
        "vision/visionversion_list.html",
        collaborative_context(membership, **lazily(vision, "current", "values", "drafts", "page")),
    )


CONTRIBUTIONS_PAGE_SIZE = 50


def _voices(viewer: Membership, version: VisionVersion, page_number: str | None = None) -> tuple[Page, dict]:
    """A draft's contributions, each with the perspectives its author shares with the viewer, and their tally.

    Perspectives come from people's profiles as they are now, so someone who stops
    sharing them, or leaves the Collaborative, is no longer counted by them. An adopted
    version's page shows instead the tally kept when it was adopted (see version_adopt).
    """
    shown = version.contributions.filter(status=Contribution.Status.SHOWN)
    # A page of them, the latest by default (where one just added is); the tally counts every author.
    paginator = Paginator(shown.select_related("author").order_by("created_at", "id"), CONTRIBUTIONS_PAGE_SIZE)
    contributions = paginator.get_page(page_number or paginator.num_pages)
    authors = set(shown.exclude(author=None).values_list("author_id", flat=True).distinct())
    memberships = {
        m.user_id: m for m in Membership.objects.current_in(version.collaborative).filter(user_id__in=authors)
    }
    perspectives_of: dict[int, list[str]] = {}
    labels = dict(Perspective.choices)
    for user_id in authors:
        member = memberships.get(user_id)
        shown = member is not None and "perspectives" in profile_fields_for(viewer, member)
        perspectives_of[user_id] = member.user.perspectives if shown else []
    for contribution in contributions:
        values = perspectives_of.get(contribution.author_id, [])
        contribution.perspectives = [labels[v] for v in values if v in labels]
    return contributions, voices_summary(voices_count(list(perspectives_of.values())))


def _previous(version: VisionVersion) -> VisionVersion | None:
    return (
        version.collaborative.vision_versions.filter(number__lt=version.number)
        .exclude(status=VisionVersion.Status.SET_ASIDE)
        .order_by("-number")
        .first()
    )


def _version_page(
    request: HttpRequest,
    membership: Membership,
    version: VisionVersion,
    form: ContributionForm,
    status: int = 200,
    said: str = "",
    said_failed: bool = False,
) -> HttpResponse:
    """A version's page, or with htmx its ideas and comments, where `said` tells what has just happened."""
    contributions, voices = _voices(membership, version, request.GET.get("page"))
    if version.voices:
        # Counted when it was adopted, so the record can be checked against what it was then.
        voices = voices_summary(version.voices)
    context = collaborative_context(
        membership,
        version=version,
        values=list(version.values.all()),
        contributions=contributions,
        voices=voices,
        form=form,
        previous=_previous(version),
        current=VisionVersion.objects.current_for(version.collaborative),
        said=said,
        said_failed=said_failed,
    )
    return render_page(request, "vision/visionversion_detail.html", context, fragment="contributions", status=status)


@require_GET
def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    membership, version = version_for(request.user, slug, number)
    return _version_page(request, membership, version, ContributionForm())


@require_POST
def contribute(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    membership, version = version_for(request.user, slug, number)
    form = ContributionForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            contribution_add(version=version, author=request.user, text=form.cleaned_data["text"])
            if request.htmx:
                said = "Thank you: your idea or comment has been added."
                return _version_page(request, membership, version, ContributionForm(), said=said)
            return done(request, "Thank you. Your idea or comment has been added.", version)
    return _version_page(request, membership, version, form, status=400)


@require_POST
def contribution_withdraw_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Take back one's own idea or comment.

    "Take back my comment" belongs to the page's "Add your idea or comment" form, so an idea typed there
    comes too (without JavaScript as with it): it is not added, only shown again in its box.
    """
    membership, contribution = contribution_for(request.user, slug, pk)
    version = contribution.version
    try:
        contribution_withdraw(contribution=contribution, by=request.user)
    except ValidationError as error:
        said, failed = error.messages[0], True
    else:
        said, failed = "Your comment has been taken back. Others no longer see it.", False
    typed = request.POST.get("text", "").strip()
    if request.htmx:
        form = ContributionForm(request.POST) if typed else ContributionForm()
        return _version_page(request, membership, version, form, said=said, said_failed=failed)
    say(request, said, level=messages.ERROR if failed else messages.SUCCESS)
    if typed:
        # Bound, so that the page counts the idea as typed but not added yet.
        return _version_page(request, membership, version, ContributionForm(request.POST))
    return redirect(version)


def _version_form_page(
    request: HttpRequest, membership: Membership, version: VisionVersion | None, initial: VisionVersion | None
) -> HttpResponse:
    collaborative = membership.collaborative
    data = request.POST if request.method == "POST" else None
    if data is not None and "add_value" in data and (more := value_formset_with_a_row_more(data)) is not None:
        return _with_a_value_more(request, membership, version, more)
    source = version or initial
    form = VersionForm(
        data, instance=version, initial={} if version or not initial else {"statement": initial.statement}
    )
    formset = value_formset(data, values=source.values.all() if source else ())
    if data is not None and form.is_valid() and formset.is_valid():
        fields = {
            "statement": form.cleaned_data["statement"],
            "note": form.cleaned_data["note"],
            "values": formset.values(),
            "ask_members": form.cleaned_data["ask_members"],
        }
        with refusal_on(form):
            if version is None:
                version = version_draft(collaborative=collaborative, by=request.user, **fields)
            else:
                version = version_update(version=version, **fields)
            return done(
                request, f"Version {version.number} has been saved as a draft. Members can comment on it.", version
            )
    return render_page(
        request,
        "vision/visionversion_form.html",
        collaborative_context(membership, version=version, form=form, formset=formset, can_add=_can_add(formset)),
        invalid=[form, formset],
    )


def _can_add(formset) -> bool:
    return formset.total_form_count() < MAX_VALUES


def _with_a_value_more(
    request: HttpRequest, membership: Membership, version: VisionVersion | None, formset
) -> HttpResponse:
    """ "Add another value": the form again as typed, with an empty row more below the values and the cursor in
    it, nothing checked and nothing saved. With htmx, only the values, swapped in place."""
    typed = {"statement": request.POST.get("statement", ""), "note": request.POST.get("note", "")}
    form = VersionForm(instance=version, initial={**typed, "ask_members": "ask_members" in request.POST})
    for row in formset.forms:
        for field in row.fields.values():
            # Typed but not saved: a person leaving the page is asked first (static/js/site.js).
            field.widget.attrs["data-unsaved"] = True
    if len(formset.forms) > formset.initial_form_count():  # The row added (none once there are MAX_VALUES).
        formset.forms[-1].fields["name"].widget.attrs["autofocus"] = True
    context = collaborative_context(
        membership, version=version, form=form, formset=formset, can_add=_can_add(formset), unsaved=True
    )
    return render_page(request, "vision/visionversion_form.html", context, fragment="values", status=200)


@require_http_methods(["GET", "POST"])
def version_new(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    return _version_form_page(request, membership, None, VisionVersion.objects.current_for(membership.collaborative))


@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    membership, version = version_for(request.user, slug, number, manage=True)
    if not version.is_draft:
        said = f"Version {version.number} is no longer a draft, so it cannot be changed."
        return done(request, said, version, level=messages.ERROR)
    return _version_form_page(request, membership, version, None)


@require_http_methods(["GET", "POST"])
def version_adopt_view(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    membership, version = version_for(request.user, slug, number, manage=True)
    form = AdoptForm(request.POST or None, collaborative=membership.collaborative)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            version_adopt(version=version, by=request.user, meeting=form.cleaned_data["meeting"])
            return done(request, f"Version {version.number} is now the vision. Members have been told.", version)
    if not version.is_draft and request.method == "GET":
        said = f"Version {version.number} is no longer a draft, so it cannot be adopted."
        return done(request, said, version, level=messages.ERROR)
    return render_page(
        request,
        "vision/visionversion_adopt.html",
        collaborative_context(
            membership,
            version=version,
            form=form,
            other_drafts=version.collaborative.vision_versions.drafts().exclude(pk=version.pk),
        ),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def version_set_aside_view(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Asks first (it cannot be undone), then sets the draft aside."""
    membership, version = version_for(request.user, slug, number, manage=True)
    if request.method == "POST":
        try:
            version_set_aside(version=version)
        except ValidationError as error:
            return done(request, error, version)
        return done(request, f"Version {version.number} has been set aside. It stays here to read.", version)
    if not version.is_draft:
        said = f"Version {version.number} is no longer a draft, so it cannot be set aside."
        return done(request, said, version, level=messages.ERROR)
    return render(request, "vision/visionversion_set_aside.html", collaborative_context(membership, version=version))


VERSIONS_OFFERED = 50  # In each list on the comparison page: the latest, and the two chosen.


@require_GET
def version_compare(request: HttpRequest, slug: str) -> HttpResponse:
    """What changed between any two versions, word by word."""
    membership = membership_for(request.user, slug)
    all_versions = membership.collaborative.vision_versions.order_by("-number")
    older, newer = number_from(request.GET.get("from")), number_from(request.GET.get("to"))
    # The two to compare, with their values; the lists offer the latest versions and the two chosen.
    by_number = {v.number: v for v in all_versions.filter(number__in=[older, newer]).prefetch_related("values")}
    offered = list(all_versions.only("collaborative", "number", "status")[:VERSIONS_OFFERED])
    error = ""
    if not offered:
        error = "There are no versions to compare yet."
    elif ("from" in request.GET or "to" in request.GET) and (older not in by_number or newer not in by_number):
        error = "Choose two versions from the lists."
    if older not in by_number or newer not in by_number:
        # Without a choice: the latest version against the one before it.
        by_number = {v.number: v for v in all_versions.prefetch_related("values")[:2]}
        newer = offered[0].number if offered else None
        older = offered[1].number if len(offered) > 1 else newer
    versions = sorted({v.number: v for v in [*offered, *by_number.values()]}.values(), key=lambda v: v.number)
    context = collaborative_context(membership, versions=versions, older=older, newer=newer, error=error)
    if older is not None and newer is not None:
        before, after = by_number[older], by_number[newer]
        context.update(
            before=before,
            after=after,
            statement=word_diff(before.statement, after.statement),
            values=values_diff(before, after),
        )
    return render(request, "vision/visionversion_compare.html", context, status=400 if error and versions else 200)


CLOSED_GOALS_PAGE_SIZE = 20


@require_GET
def goal_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative
    goals = collaborative.goals.prefetch_related(
        Prefetch("reviews", to_attr="latest_reviews", queryset=GoalReview.objects.order_by("-reviewed_on", "-id"))
    )
    active = list(goals.filter(status=Goal.Status.ACTIVE).order_by("review_on", "id"))
    # Goals achieved or retired pile up over the years: a page at a time, the latest reviewed first.
    closed = Paginator(
        goals.exclude(status=Goal.Status.ACTIVE).order_by("status", "-review_on", "-id"), CLOSED_GOALS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    today = collaborative.local_today()
    for goal in [*active, *closed]:
        goal.due = goal.is_due(today)
        goal.latest_review = goal.latest_reviews[0] if goal.latest_reviews else None
    return render(
        request,
        "vision/goal_list.html",
        collaborative_context(membership, active=active, page=closed),
    )


GOAL_REVIEWS_PAGE_SIZE = 20


@require_GET
def goal_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, goal = goal_for(request.user, slug, pk)
    reviews = goal.reviews.select_related("recorded_by")
    page = Paginator(reviews, GOAL_REVIEWS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "vision/goal_detail.html",
        collaborative_context(
            membership,
            goal=goal,
            due=goal.is_due(goal.collaborative.local_today()),
            page=page,
            start=page.paginator.count - page.start_index() + 1,  # The reviews are numbered, latest first.
            # What apps above vision add (vision/panels.py): the discussions about the goal.
            panels=panels_for(goal, membership),
        ),
    )


def _goal_form_page(request: HttpRequest, membership: Membership, goal: Goal) -> HttpResponse:
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            goal = goal_save(goal=form.save(commit=False), by=request.user)
            return done(request, "The goal has been saved.", goal)
    return render_page(
        request, "vision/goal_form.html", collaborative_context(membership, goal=goal, form=form), invalid=form
    )


@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    return _goal_form_page(request, membership, Goal(collaborative=membership.collaborative))


@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, goal = goal_for(request.user, slug, pk, manage=True)
    return _goal_form_page(request, membership, goal)


@require_http_methods(["GET", "POST"])
def goal_review_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, goal = goal_for(request.user, slug, pk, manage=True)
    form = GoalReviewForm(request.POST or None, initial={"reviewed_on": goal.collaborative.local_today()})
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            goal_review(
                goal=goal,
                by=request.user,
                reviewed_on=form.cleaned_data["reviewed_on"],
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                next_review_on=form.cleaned_data["next_review_on"],
            )
            return done(request, "The review has been recorded.", goal)
    return render_page(
        request, "vision/goalreview_form.html", collaborative_context(membership, goal=goal, form=form), invalid=form
    )


@require_GET
def framework(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    statements = Statement.objects.order_by("position", "id")
    if not facilitates(membership):
        statements = statements.filter(status=Statement.Status.ACTIVE)
    key_roles = membership.collaborative.key_roles.prefetch_related(Prefetch("statements", queryset=statements))
    return render(request, "vision/statement_list.html", collaborative_context(membership, key_roles=key_roles))


def _statement_form_page(request: HttpRequest, membership: Membership, statement: Statement) -> HttpResponse:
    form = StatementForm(request.POST or None, instance=statement, collaborative=membership.collaborative)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            if statement.pk is None:
                statement_add(key_role=form.cleaned_data["key_role"], text=form.cleaned_data["text"])
            else:
                statement_reword(statement=statement, text=form.cleaned_data["text"])
            said = "The statement has been saved. Rounds already opened keep their wording."
            return done(request, said, "vision:framework", slug=membership.collaborative.slug)
    return render_page(
        request,
        "vision/statement_form.html",
        collaborative_context(membership, statement=statement, form=form),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def statement_new(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    initial = number_from(request.GET.get("key_role"))
    statement = Statement()
    if initial:
        statement.key_role = KeyRole.objects.filter(collaborative=membership.collaborative, number=initial).first()
    return _statement_form_page(request, membership, statement)


@require_http_methods(["GET", "POST"])
def statement_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, statement = statement_for(request.user, slug, pk)
    return _statement_form_page(request, membership, statement)


@require_POST
def statement_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _membership, statement = statement_for(request.user, slug, pk)
    if request.POST.get("status") not in Statement.Status.values:
        said = "Choose to retire the statement or bring it back."
        return done(request, said, "vision:framework", slug=slug, level=messages.ERROR)
    retire = request.POST["status"] == Statement.Status.RETIRED
    statement_retire(statement=statement, retire=retire)
    if retire:
        said = f"“{statement.text}” is retired: it will not be in new rounds."
    else:
        said = f"“{statement.text}” is back in use: it will be in new rounds."
    return done(request, said, "vision:framework", slug=slug)


CLOSED_ROUNDS_PAGE_SIZE = 20


@require_GET
def round_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_for(request.user, slug)
    now = timezone.now()
    # A round that has closed shows how many took part once it has been counted (usually by beat already).
    rounds = membership.collaborative.rounds.order_by("-opened_at")
    open_rounds = list(rounds.filter(opened_at__lte=now, closes_at__gt=now))
    answered = set(
        Response.objects.filter(round__in=open_rounds, user=request.user, answers__isnull=False).values_list(
            "round_id", flat=True
        )
    )
    for each in open_rounds:
        each.mine = each.pk in answered
    # Earlier rounds, a page at a time; one that has closed shows how many took part once it has
    # been counted (usually by beat already).
    closed = Paginator(rounds.filter(closes_at__lte=now), CLOSED_ROUNDS_PAGE_SIZE).get_page(request.GET.get("page"))
    closed.object_list = [round_counted(round=each) for each in closed]
    # With no round open, the page says whether the person will be emailed when one opens: every member is
    # (vision.services.round_open), unless they have turned that kind of email off.
    emailed = not open_rounds and not round_emails_turned_off(request.user)
    return render(
        request,
        "vision/round_list.html",
        collaborative_context(membership, open_rounds=open_rounds, page=closed, emailed=emailed),
    )


@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest, slug: str) -> HttpResponse:
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            round = round_open(
                collaborative=collaborative,
                by=request.user,
                title=form.cleaned_data["title"],
                closing_day=form.cleaned_data["closing_day"],
            )
            return done(request, "The round is open. Every member has been emailed to take part.", round)
    statements = Statement.objects.filter(key_role__collaborative=collaborative, status=Statement.Status.ACTIVE)
    return render_page(
        request,
        "vision/round_form.html",
        collaborative_context(membership, form=form, statement_count=statements.count(), minimum=ROUND_GROUP_MIN),
        invalid=form,
    )


def _round_statements(round: Round) -> list:
    return list(round.statements.select_related("key_role").order_by("position"))


def _grouped(rows: list) -> list[tuple[KeyRole, list]]:
    """Rows of (round statement, ...) grouped under their key roles, in order."""
    groups: list[tuple[KeyRole, list]] = []
    for row in rows:
        key_role = row[0].key_role
        if not groups or groups[-1][0].pk != key_role.pk:
            groups.append((key_role, []))
        groups[-1][1].append(row)
    return groups


def _answering(request: HttpRequest, membership: Membership, round: Round) -> HttpResponse:
    statements = _round_statements(round)
    response = Response.objects.filter(round=round, user=request.user).first()
    initial = {}
    if response:
        for answer in response.answers.all():
            initial[f"rating-{answer.statement_id}"] = answer.rating
            initial[f"comment-{answer.statement_id}"] = answer.comment
    form = AnswersForm(request.POST or None, statements=statements, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            answers_save(round=round, user=request.user, answers=form.answers())
            section = number_from(request.POST.get("section"))
            if any(key_role.number == section for key_role, _ in _grouped(form.rows())):
                # Back to the part just saved, which says so, not to the top of a long page.
                return redirect(f"{round.get_absolute_url()}?saved={section}#role-{section}")
            said = "Your answers are saved. You can come back and change them until the round closes."
            return done(request, said, round)
    rated = sum(1 for key, value in initial.items() if key.startswith("rating-") and value)
    return render_page(
        request,
        "vision/round_detail.html",
        collaborative_context(
            membership,
            round=round,
            form=form,
            groups=_grouped(form.rows()),
            rated=rated,
            total=len(statements),
            minimum=ROUND_GROUP_MIN,
            shortest=ROUND_SHORTEST_DAYS,
            dates_form=RoundDatesForm(initial={"closing_day": round.closing_day}),
            saved=number_from(request.GET.get("saved")),
        ),
        invalid=form,
    )


def _results_context(round: Round) -> dict:
    """The results of a closed round, counted already (services.round_counted), with the trend (None
    when no results are shown)."""
    results: RoundResults = round_results(round)
    context = {"results": results, "trend_rounds": None, "trend_series": None, "chart": None}
    if results.shown:
        rounds, series = trend(round)
        context.update(trend_rounds=rounds, trend_series=series, chart=trend_chart(rounds, series))
    return context


@require_http_methods(["GET", "POST"])
@with_fresh_parts
def round_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Answering while the round is open; the results once it has closed."""
    membership, round = round_for(request.user, slug, pk, kept=False)
    if round.is_open:
        return _answering(request, membership, round)
    if request.method == "POST":
        said = f"This round closed on {round.closing_day:%-d %B %Y}, so answers can no longer be changed."
        return done(request, said, round, level=messages.ERROR)
    round = round_counted(round=round)
    # Each statement's comments are on a page of their own: this address and the statement's id
    # (built once here, not by {% url %} for every statement).
    comments_url = reverse(
        "vision:round_comments", kwargs={"slug": slug, "pk": round.pk, "statement_pk": 0}
    ).removesuffix("0/")
    # The results are kept ready-made (templates/vision/round_results.html): they are the same for everyone,
    # facilitators included, so until the data changes nothing above is read or worked out again.
    results = lazily(lambda: _results_context(round), "results", "trend_rounds", "trend_series", "chart")
    return render(
        request,
        "vision/round_results.html",
        collaborative_context(membership, round=round, comments_url=comments_url, minimum=ROUND_GROUP_MIN, **results),
    )


COMMENTS_PAGE_SIZE = 50  # A statement's comments grow with the round: a page at a time.


@require_GET
def round_comments(request: HttpRequest, slug: str, pk: int, statement_pk: int) -> HttpResponse:
    """The comments on one statement of a closed round's results, without names, a page at a time."""
    membership, round, statement = round_statement_for(request.user, slug, pk, statement_pk)
    if round.is_open:
        return done(request, "There are no results to see yet.", round, level=messages.ERROR)
    round = round_counted(round=round)
    comments = statement_comments(round, statement)
    return render(
        request,
        "vision/round_comments.html",
        collaborative_context(
            membership,
            round=round,
            statement=statement,
            hidden=comments is None,
            page=Paginator(comments or [], COMMENTS_PAGE_SIZE).get_page(request.GET.get("page")),
            query_string=query_without_page(request),
            minimum=ROUND_GROUP_MIN,
        ),
    )


@require_http_methods(["GET", "POST"])
def round_dates(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, round = round_for(request.user, slug, pk, manage=True)
    form = RoundDatesForm(request.POST or None, initial={"closing_day": round.closing_day})
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            round_change_closing(round=round, closing_day=form.cleaned_data["closing_day"])
            return done(request, "The closing date has been changed.", round)
    if not round.is_open and request.method == "GET":
        return done(
            request, "This round has closed, so its dates can no longer be changed.", round, level=messages.ERROR
        )
    return render_page(
        request, "vision/round_dates.html", collaborative_context(membership, round=round, form=form), invalid=form
    )


@require_http_methods(["GET", "POST"])
def round_close_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Asks first (a closed round cannot be opened again), then closes the round now."""
    membership, round = round_for(request.user, slug, pk, manage=True)
    if request.method == "POST":
        try:
            round_close(round=round, by=request.user)
        except ValidationError as error:
            return done(request, error, round)
        return done(request, "The round is closed. Here are the results.", round)
    if not round.is_open:
        return done(request, "This round has closed already.", round, level=messages.ERROR)
    # How many have answered is not said here either: closing just after a count went up
    # would tell whose answers made it.
    too_soon = "" if round.can_close_early else close_early_refusal(round)
    return render(
        request,
        "vision/round_close.html",
        collaborative_context(membership, round=round, too_soon=too_soon, minimum=ROUND_GROUP_MIN),
    )


@require_GET
def round_csv(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership, round = round_for(request.user, slug, pk)
    results = None if round.is_open else round_results(round_counted(round=round))
    if results is None or not results.shown:
        return done(request, "There are no results to download yet.", round, level=messages.ERROR)
    name = f"self-assessment-{membership.collaborative.slug}-{round.pk}.csv"
    return HttpResponse(
        results_csv(results),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
