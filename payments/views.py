"""The payments pages: a person's choice and the Collaborative's settings; claims, approval and paying;
statements, letters and the commissioners' totals."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from collaborative.permissions import facilitator_membership_for, membership_for
from collaborative.views import collaborative_context, done, refusal_on, render_page
from payments.forms import PaymentChoiceForm, PaymentSettingsForm
from payments.models import PaymentChoice, PaymentSettings
from payments.money import pounds
from payments.selectors import choice_in_force, settings_in_force
from payments.services import choice_make, settings_save

# Settings and choices

HISTORY_PAGE_SIZE = 20


def _settings_shown(row: PaymentSettings) -> dict:
    """What a page shows of one row of settings: the row, and its rates in pounds."""
    return {"row": row, "rates": [(label, pounds(pence)) for label, pence in row.rates()]}


def _choice_shown(row: PaymentChoice) -> dict:
    """What a page shows of one choice: the row, and a lower amount in pounds."""
    return {"row": row, "lower_amount": pounds(row.lower_amount_pence) if row.lower_amount_pence else ""}


@require_http_methods(["GET", "POST"])
def payment_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Facilitators: what the Collaborative pays, from a day on. Saving makes new settings; the earlier
    ones stay, for the days they covered, and are listed below the form."""
    membership = facilitator_membership_for(request.user, slug)
    collaborative = membership.collaborative
    today = collaborative.local_today()
    rows = PaymentSettings.objects.filter(collaborative=collaborative).select_related("set_by")
    latest = rows.first()
    form = PaymentSettingsForm(
        request.POST if request.method == "POST" else None,
        today=today,
        initial=PaymentSettingsForm.initial_from(latest),
    )
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            saved = settings_save(collaborative=collaborative, by=request.user, **form.settings_fields())
            when = "today" if saved.valid_from == today else f"{saved.valid_from:%-d %B %Y}"
            return done(request, f"The new payment settings apply from {when}.", "payments:settings", slug=slug)
    in_force = rows.filter(valid_from__lte=today).first()
    upcoming = rows.filter(valid_from__gt=today).order_by("valid_from", "id")[:HISTORY_PAGE_SIZE]
    earlier = rows.filter(valid_from__lte=today)
    if in_force is not None:
        earlier = earlier.exclude(pk=in_force.pk)
    page = Paginator(earlier, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "payments/settings_form.html",
        collaborative_context(
            membership,
            form=form,
            in_force=_settings_shown(in_force) if in_force else None,
            upcoming=[_settings_shown(row) for row in upcoming],
            earlier=[_settings_shown(row) for row in page.object_list],
            page=page,
        ),
        invalid=form,
    )


@require_http_methods(["GET", "POST"])
def payment_choice(request: HttpRequest, slug: str) -> HttpResponse:
    """Any member: how they would like to be paid, from today on (the earlier choices stay, listed below).
    Nothing here asks which benefits someone gets; everyone sees where to get benefits advice."""
    membership = membership_for(request.user, slug)
    collaborative = membership.collaborative
    rules = settings_in_force(collaborative)
    pays = rules is not None and rules.pays
    current = choice_in_force(membership)
    form = PaymentChoiceForm(
        request.POST if request.method == "POST" else None,
        methods=rules.methods if pays else [],
        initial=PaymentChoiceForm.initial_from(current),
    )
    if request.method == "POST" and pays and form.is_valid():
        with refusal_on(form):
            choice_make(collaborative=collaborative, user=request.user, by=request.user, **form.choice_fields())
            return done(
                request,
                "Your choice is saved. It applies from today, until you change it.",
                "payments:choice",
                slug=slug,
            )
    if request.method == "POST" and not pays:
        form.is_valid()  # Bound and checked, so that the page answers 400 with the reason below.
        form.add_error(None, f"{collaborative.name} does not pay people at the moment, so there is nothing to choose.")
    earlier = PaymentChoice.objects.filter(collaborative=collaborative, user=request.user).select_related("made_by")
    if current is not None:
        earlier = earlier.exclude(pk=current.pk)
    page = Paginator(earlier, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "payments/choice_form.html",
        collaborative_context(
            membership,
            form=form,
            pays=pays,
            rules=_settings_shown(rules) if rules else None,
            current=_choice_shown(current) if current else None,
            earlier=[_choice_shown(row) for row in page.object_list],
            page=page,
        ),
        invalid=form,
    )
