"""The annual impact report: the headline figures for a period, people by perspective, asks and answers by
organisation, the goals and how they went, and the "you said, we did" items published, for the annual
reports that commissioners and boards ask for. A printable page, a PDF of the same page, and a CSV of the
same figures. April to March (the UK financial year) unless another period is chosen.

Everything in it about people keeps to the small-number rule (impact/figures.py), so any member may read it.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date

from django import forms
from django.db.models import Min, OuterRef, Q, Subquery
from django.db.models.functions import Lower, Trim

from collaborative.spreadsheets import BYTE_ORDER_MARK, inert
from impact.figures import (
    Figures,
    figures_for,
    goals_in_period,
    period_bounds,
    sending_counts,
    sendings_in_period,
)
from impact.models import Publication, april_to_march, period_problem
from members.models import Collaborative
from vision.models import GoalReview


def _day_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ReportPeriodForm(forms.Form):
    """The report's period, from the address (?start=…&end=…), so that a report can be bookmarked and shared.
    A date left out is the default period's."""

    start = _day_field("From")
    end = _day_field("To")

    def __init__(self, *args, default: tuple[date, date], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        start = cleaned["start"] = cleaned.get("start") or self.default[0]
        end = cleaned["end"] = cleaned.get("end") or self.default[1]
        problem = period_problem(start, end)
        if problem:
            self.add_error(*problem)
        return cleaned


def report_period(collaborative: Collaborative, query) -> tuple[ReportPeriodForm, date | None, date | None]:
    """(the period form, the start, the end) asked for in `query` (request.GET); April to March of the
    current financial year when nothing is asked for; no dates when what was asked for is not a good period
    (the form says why)."""
    default = april_to_march(collaborative.local_today())
    asked = {key: query[key] for key in ("start", "end") if query.get(key)}
    form = ReportPeriodForm(asked or None, default=default, initial={"start": default[0], "end": default[1]})
    if not form.is_bound:
        return form, *default
    if not form.is_valid():
        return form, None, None
    return form, form.cleaned_data["start"], form.cleaned_data["end"]


def period_label(start: date, end: date) -> str:
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"


@dataclass(frozen=True)
class OrganisationAsks:
    """What one organisation was asked in the period, and how it answered."""

    organisation: str
    sent: int
    on_time: int
    late: int
    unanswered: int
    waiting: int


@dataclass(frozen=True)
class GoalLine:
    """A goal there was in the period, and how it went."""

    title: str
    status: str  # Now: active, achieved or retired.
    last_review: str  # The last review by the end of the period ("On track, 3 March 2027"), or "".
    achieved_in_period: bool


@dataclass(frozen=True)
class Report:
    collaborative: Collaborative
    start: date
    end: date
    figures: Figures
    organisations: list[OrganisationAsks]
    goals: list[GoalLine]
    you_said: list[Publication]

    @property
    def label(self) -> str:
        return period_label(self.start, self.end)


def report_for(collaborative: Collaborative, start: date, end: date) -> Report:
    """The report for the days from `start` to `end`, both included: a constant number of queries."""
    return Report(
        collaborative=collaborative,
        start=start,
        end=end,
        figures=figures_for(collaborative, start, end),
        organisations=_organisations(collaborative, start, end),
        goals=_goals(collaborative, start, end),
        you_said=_you_said(collaborative, start, end),
    )


def _organisations(collaborative: Collaborative, start: date, end: date) -> list[OrganisationAsks]:
    """Asks sent in the period to each organisation (written the same, whatever the capitals), most first."""
    rows = (
        sendings_in_period(collaborative, start, end)
        .annotate(key=Lower(Trim("organisation")))
        .values("key")
        .annotate(name=Min(Trim("organisation")), **sending_counts(collaborative.local_today()))
        .order_by("-sent", "key")
    )
    return [
        OrganisationAsks(row["name"], row["sent"], row["on_time"], row["late"], row["unanswered"], row["waiting"])
        for row in rows
    ]


def _goals(collaborative: Collaborative, start: date, end: date) -> list[GoalLine]:
    """The goals there were in the period, with their last review by its end. One query."""
    last = GoalReview.objects.filter(goal=OuterRef("pk"), reviewed_on__lte=end).order_by("-reviewed_on", "-id")
    goals = (
        goals_in_period(collaborative, start, end)
        .annotate(last_outcome=Subquery(last.values("outcome")[:1]), last_on=Subquery(last.values("reviewed_on")[:1]))
        .order_by(Lower("title"), "pk")
    )
    outcomes = dict(GoalReview.Outcome.choices)
    return [
        GoalLine(
            title=goal.title,
            status=goal.get_status_display(),
            last_review=f"{outcomes.get(goal.last_outcome, '')}, {goal.last_on:%-d %B %Y}" if goal.last_on else "",
            achieved_in_period=goal.achieved_in_period,
        )
        for goal in goals
    ]


def _you_said(collaborative: Collaborative, start: date, end: date) -> list[Publication]:
    """The published "you said, we did" items of the period: the action done in it, or the item first
    published in it. One query."""
    since, until = period_bounds(collaborative, start, end)
    return list(
        Publication.objects.published()
        .filter(collaborative=collaborative, kind=Publication.Kind.YOU_SAID)
        .filter(
            Q(action__done_at__gte=since, action__done_at__lt=until)
            | Q(first_published_at__gte=since, first_published_at__lt=until)
        )
        .select_related("action")
        .order_by("first_published_at", "pk")
    )


ORGANISATION_COLUMNS = (
    "Asks sent",
    "Answered on time",
    "Answered late",
    "Not answered by the due date",
    "Waiting, not due yet",
)


def report_csv(report: Report) -> str:
    """The report's figures as a spreadsheet: section, what, figure; exactly as the page shows them."""
    out = io.StringIO()
    out.write(BYTE_ORDER_MARK)
    writer = csv.writer(out)
    figures = report.figures
    writer.writerow(["Impact report", inert(report.collaborative.name), inert(report.collaborative.area)])
    writer.writerow(["Period", report.start.isoformat(), report.end.isoformat()])
    for note in figures.notes:
        writer.writerow([note])
    writer.writerow([])
    writer.writerow(["Section", "What", "Figure"])
    for figure in figures.headline:
        writer.writerow(["Headline figures", figure.label, figure.shown])
    for figure in figures.by_perspective:
        writer.writerow(["People who came, by perspective", figure.label, figure.shown])
    writer.writerow([])
    writer.writerow(["Asks and answers by organisation", *ORGANISATION_COLUMNS])
    for row in report.organisations:
        writer.writerow([inert(row.organisation), row.sent, row.on_time, row.late, row.unanswered, row.waiting])
    writer.writerow([])
    writer.writerow(["Goals", "Status now", "Last review by the end of the period", "Achieved in the period"])
    for goal in report.goals:
        writer.writerow([inert(goal.title), goal.status, goal.last_review, "yes" if goal.achieved_in_period else "no"])
    writer.writerow([])
    writer.writerow(["You said, we did", "What changed"])
    for item in report.you_said:
        writer.writerow([inert(item.title), inert(item.summary)])
    return out.getvalue()


def report_file_name(report: Report, suffix: str) -> str:
    return f"impact-report-{report.collaborative.slug}-{report.start}-to-{report.end}.{suffix}"
