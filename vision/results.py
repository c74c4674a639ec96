"""The results of a self-assessment round, counted so that no one's answers can be picked out.

These rules keep answers anonymous, facilitators' view included:

1. Nothing is counted or shown while a round is open, not even how many have answered, so no
   one can watch the figures move as a particular person answers, or close the round just
   after they did (and it cannot be closed early in its first ROUND_SHORTEST_DAYS).
2. Only people who were members when the round opened ("eligible": Round.eligible_ids) count
   towards the minimums below. People who joined or came back while it was open may answer,
   and their answers are added in where the eligible people alone meet a minimum, but never
   make one up: otherwise a facilitator could invite a few accounts of their own, have them
   answer "Don't know", and read what is left as one real person's answers.
3. A count is shown only when at least ROUND_GROUP_MIN eligible people are in it: a whole
   round, a statement, or a group of people sharing a perspective.
4. Groups are shown only where everyone falls into "regions" (people in exactly the same
   shown groups) with at least ROUND_GROUP_MIN eligible people each: otherwise adding and
   taking away the figures of groups and of everyone could give away the answers of the few
   in a small region (for example everyone minus two groups that together leave out one).
   Nor may a region's eligible people have given one answer only, unless all eligible people
   did: if all five carers said "Not yet", showing the carers' figures would tell anyone who
   knows a carer who answered what that carer said.

Key roles count only the statements shown, so a hidden statement cannot be had by
taking the shown ones from its key role's total. Perspectives are shown by key role,
pooled over its statements, and use only perspectives that people shared with members
when they answered (kept with the answers: if they came from profiles as they are now,
comparing the figures before and after one person's change would give that person's
answers away). Comments appear only from people who gave a rating, under statements whose
counts are shown.

A round is counted once, when it has closed (count(), called by services.round_count): the
figures shown are kept with the round (Round.results) and the answers are then deleted, so
from then on the database holds only what the results page shows. The membership changes
made while it was open are counted with them and shown beside the results.

Everything else here only reads those kept figures, and takes them as they were kept: a
perspective since renamed or removed is shown by its stored value, never an error, as kept
results cannot be counted again.
"""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone
from django.utils.html import format_html_join

from collaborative.spreadsheets import BYTE_ORDER_MARK, inert
from members.models import Membership, MembershipChange, Perspective
from vision.models import Answer, KeyRole, Rating, Response, Round, RoundStatement

ROUND_GROUP_MIN = 5
EVERYONE = "Everyone"
# Ratings in the order a results table reads, "Don't know" last.
RATINGS = list(Rating.choices)
POSITIVE = {Rating.GETTING_THERE, Rating.STRONG}
CELL_LABELS = ["People who answered", *(label for _, label in RATINGS)]  # The columns of a results table's row.


@dataclass
class Figures:
    """How many gave each answer, and how many people answered: all that is shown, and all that is kept."""

    counts: Counter = field(default_factory=Counter)
    answered: int = 0

    @property
    def positive(self) -> int | None:
        """The share saying "Getting there" or "Strong", in whole per cent, of those who did not say "Don't know"."""
        sure = sum(n for rating, n in self.counts.items() if rating != Rating.DONT_KNOW)
        if not sure:
            return None
        return int(100 * sum(self.counts[rating] for rating in POSITIVE) / sure + 0.5)

    def rows(self) -> list[dict]:
        total = sum(self.counts.values()) or 1
        return [
            {"rating": label, "count": self.counts[value], "percent": int(100 * self.counts[value] / total + 0.5)}
            for value, label in RATINGS
        ]

    @property
    def cells(self) -> list[str]:
        """A results table's row: how many answered, then how many gave each answer, "Don't know"
        last (as text: a page of results has hundreds, and formatting numbers is the slowest part
        of the template)."""
        return [str(self.answered), *(str(self.counts[value]) for value, _ in RATINGS)]

    @property
    def cells_html(self) -> str:
        """The row's cells, each named by its column (`data-label`) for a phone, where a row is a card."""
        return format_html_join("", '<td data-label="{}">{}</td>', zip(CELL_LABELS, self.cells, strict=True))

    def kept(self) -> dict:
        return {"answered": self.answered, "counts": dict(+self.counts)}

    @classmethod
    def from_kept(cls, data: dict) -> "Figures":
        return cls(Counter(data.get("counts", {})), data.get("answered", 0))


@dataclass
class Tally:
    """Answers being counted: how many of each rating, and who gave them (ids never leave this module)."""

    counts: Counter = field(default_factory=Counter)
    people: set = field(default_factory=set)
    eligible: set = field(default_factory=set)  # Those of `people` who were members when the round opened.

    def add(self, rating: str, person: int, eligible: bool) -> None:
        self.counts[rating] += 1
        self.people.add(person)
        if eligible:
            self.eligible.add(person)

    def merge(self, other: "Tally") -> None:
        self.counts.update(other.counts)
        self.people |= other.people
        self.eligible |= other.eligible

    @property
    def enough(self) -> bool:
        return len(self.eligible) >= ROUND_GROUP_MIN

    def figures(self) -> Figures:
        return Figures(Counter(self.counts), len(self.people))


def _unsafe_regions(everyone: set, shown: dict[str, set], ratings: dict[int, set] | None, eligible: set) -> bool:
    """Whether some people fall in a "region" with fewer than ROUND_GROUP_MIN eligible people,
    or in one whose eligible people all gave the same answer when not all eligible people did.

    A region is everyone in exactly the same shown groups (and no others). Every figure
    on the page is a sum of regions, so if each region that has anyone in it has at
    least ROUND_GROUP_MIN eligible people, no sum and difference of figures can single anyone
    out, even for someone who knows what the others in it (their own accounts) answered; and
    if those eligible people gave more than one answer, knowing someone is in it does not
    tell theirs. `ratings` holds the answers each person gave (None: sizes alone are checked).
    """
    regions: dict[frozenset, list] = {}
    for person in everyone:
        region = regions.setdefault(frozenset(label for label, people in shown.items() if person in people), [])
        # Only eligible people make up a region's size: one of late joiners alone has none.
        if person in eligible:
            region.append(person)
    if any(len(region) < ROUND_GROUP_MIN for region in regions.values()):
        return True
    if ratings is None or len(set().union(*(ratings[person] for person in eligible))) < 2:
        return False
    return any(len(set().union(*(ratings[person] for person in region))) < 2 for region in regions.values())


def safe_groups(
    everyone: set, groups: dict[str, set], ratings: dict[int, set] | None = None, eligible: set | None = None
) -> list[str]:
    """The groups that can be shown beside everyone's figures (rules 3 and 4 above), in their given order.

    `eligible`: those of `everyone` who were members when the round opened (None: all of them).
    Groups are dropped, smallest first, until no region is unsafe; a group whose
    removal alone is enough goes before any other.
    """
    eligible = set(everyone) if eligible is None else eligible & everyone
    shown = {label: people & everyone for label, people in groups.items() if len(people & eligible) >= ROUND_GROUP_MIN}
    while shown and _unsafe_regions(everyone, shown, ratings, eligible):
        by_size = sorted(shown, key=lambda label: (len(shown[label] & eligible), label))
        enough = [
            label
            for label in by_size
            if not _unsafe_regions(
                everyone, {other: p for other, p in shown.items() if other != label}, ratings, eligible
            )
        ]
        del shown[enough[0] if enough else by_size[0]]
    return [label for label in groups if label in shown]


def membership_changes(round: Round) -> dict[str, int]:
    """How many people joined, came back, were deactivated, left or changed role in the
    Collaborative while the round was open: counts only, kept and shown with its results."""
    collaborative, opened, closed = round.collaborative_id, round.opened_at, round.closes_at
    changes = MembershipChange.objects.filter(
        membership__collaborative_id=collaborative, changed_at__gte=opened, changed_at__lt=closed
    ).exclude(old_value=F("new_value"))
    status = changes.filter(field=MembershipChange.Field.STATUS)

    def people(changes) -> int:
        return changes.values("membership_id").distinct().count()

    return {
        "joined": Membership.objects.filter(
            collaborative_id=collaborative, joined_at__gte=opened, joined_at__lt=closed
        ).count(),
        "came_back": people(status.filter(new_value=Membership.Status.ACTIVE)),
        "deactivated": people(status.filter(new_value=Membership.Status.DEACTIVATED)),
        "left": people(status.filter(new_value=Membership.Status.LEFT)),
        "role_changed": people(changes.filter(field=MembershipChange.Field.ROLE)),
    }


def count(round: Round) -> dict:
    """Apply the rules above to a closed round's answers: the figures to keep, with no one's answers in them.

    When too few eligible people answered for anything to be shown, only how many answered
    and the membership changes are kept.
    """
    statements = list(
        RoundStatement.objects.filter(round=round).select_related("key_role").order_by("key_role__number", "position")
    )
    # The perspectives each respondent shared with members when they answered, and whether they
    # were a member when the round opened, read once a person.
    people = {
        pk: (perspectives, eligible)
        for pk, perspectives, eligible in Response.objects.filter(round=round).values_list(
            "id", "perspectives", "eligible"
        )
    }
    answers = Answer.objects.filter(statement__round=round).values_list(
        "statement_id", "rating", "comment", "response_id"
    )
    tallies: dict[int, Tally] = defaultdict(Tally)
    comments: dict[int, list[str]] = defaultdict(list)
    by_perspective: dict[tuple[int, str], Tally] = defaultdict(Tally)
    given: dict[int, list[tuple[int, str]]] = defaultdict(list)  # Each statement's (person, rating).
    respondents = Tally()
    for statement_id, rating, comment, person in answers:
        if not rating:
            # A comment without a rating is from someone not counted as answering: it could be told apart.
            continue
        perspectives, eligible = people[person]
        if comment:
            comments[statement_id].append(comment)
        respondents.add(rating, person, eligible)
        tallies[statement_id].add(rating, person, eligible)
        given[statement_id].append((person, rating))
        for perspective in perspectives:
            by_perspective[statement_id, perspective].add(rating, person, eligible)

    kept = {"respondents": len(respondents.people), "shown": respondents.enough, "changes": membership_changes(round)}
    if not respondents.enough:
        return kept
    shown_statements: dict[str, dict] = {}
    roles: dict[int, Tally] = {}
    pooled: dict[int, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    # The answers each person gave to a key role's shown statements.
    ratings: dict[int, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    for statement in statements:
        tally, role = tallies[statement.pk], roles.setdefault(statement.key_role_id, Tally())
        if not tally.enough:
            continue
        # In alphabetical order, so the order says nothing about who wrote which; only where
        # enough answered, as a comment often says what its writer answered.
        shown_statements[str(statement.pk)] = {
            **tally.figures().kept(),
            "comments": sorted(comments[statement.pk], key=str.casefold),
        }
        role.merge(tally)
        for person, rating in given[statement.pk]:
            ratings[statement.key_role_id][person].add(rating)
        for perspective in Perspective.values:
            if (statement.pk, perspective) in by_perspective:
                pooled[statement.key_role_id][perspective].merge(by_perspective[statement.pk, perspective])
    kept_roles = {}
    for key_role_id, role in roles.items():
        groups = pooled[key_role_id]
        shown = safe_groups(
            role.people,
            {value: groups[value].people for value in Perspective.values if value in groups},
            ratings[key_role_id],
            role.eligible,
        )
        kept_roles[str(key_role_id)] = {
            **role.figures().kept(),
            "groups": [{"perspective": value, **groups[value].figures().kept()} for value in shown],
        }
    return kept | {"statements": shown_statements, "key_roles": kept_roles}


@dataclass
class StatementResult:
    text: str
    tally: Figures
    comments: list[str]
    shown: bool
    pk: int | None = None  # The RoundStatement's, for the page of its comments.

    @property
    def comment_count(self) -> int:
        return len(self.comments)


@dataclass
class KeyRoleResult:
    key_role: KeyRole
    statements: list[StatementResult]
    tally: Figures
    groups: list[tuple[str, Figures]]

    @property
    def commented(self) -> list[StatementResult]:
        """Its statements with comments shown, each linked to the page of its comments."""
        return [statement for statement in self.statements if statement.comments]


# How each kind of membership change reads on the results page: (one person, more than one).
CHANGES_SAID = {
    "joined": ("1 person joined", "{n} people joined"),
    "came_back": ("1 former member came back", "{n} former members came back"),
    "deactivated": ("1 person was deactivated by a facilitator", "{n} people were deactivated by a facilitator"),
    "left": ("1 person left", "{n} people left"),
    "role_changed": ("1 person's role was changed", "{n} people's roles were changed"),
}


@dataclass
class RoundResults:
    round: Round
    respondents: int
    key_roles: list[KeyRoleResult]
    shown: bool = False
    changes: dict = field(default_factory=dict)

    @property
    def changes_said(self) -> list[str]:
        """The membership changes made while the round was open, in words: ["2 people joined", ...]."""
        said = []
        for key, (one, more) in CHANGES_SAID.items():
            n = self.changes.get(key, 0)
            if n:
                said.append(one if n == 1 else more.format(n=n))
        return said


def round_results(round: Round) -> RoundResults:
    """What the results page and the CSV show, in one query whatever the size of the round: its
    statements, with the figures kept when it was counted (none before then; the views count a
    closed round first with services.round_counted, if beat has not yet)."""
    kept = round.results
    statements = list(
        RoundStatement.objects.filter(round=round).select_related("key_role").order_by("key_role__number", "position")
    )
    shown_statements, kept_roles = kept.get("statements", {}), kept.get("key_roles", {})
    labels = dict(Perspective.choices)
    roles: dict[int, KeyRoleResult] = {}
    for statement in statements:
        role = roles.get(statement.key_role_id)
        if role is None:
            data = kept_roles.get(str(statement.key_role_id), {})
            # By label, or by the stored value if that perspective has since been renamed or removed.
            groups = [
                (labels.get(group["perspective"], group["perspective"]), Figures.from_kept(group))
                for group in data.get("groups", [])
            ]
            role = roles[statement.key_role_id] = KeyRoleResult(statement.key_role, [], Figures.from_kept(data), groups)
        data = shown_statements.get(str(statement.pk))
        if data is None:
            role.statements.append(StatementResult(statement.text, Figures(), [], shown=False, pk=statement.pk))
        else:
            role.statements.append(
                StatementResult(
                    statement.text, Figures.from_kept(data), data.get("comments", []), shown=True, pk=statement.pk
                )
            )
    return RoundResults(
        round,
        kept.get("respondents", 0),
        list(roles.values()),
        shown=kept.get("shown", False),
        changes=kept.get("changes", {}),
    )


def statement_comments(round: Round, statement: RoundStatement) -> list[str] | None:
    """The comments on one statement of a counted round, as kept (without names, in alphabetical
    order); None when its figures are not shown, so neither are any comments on it."""
    data = round.results.get("statements", {}).get(str(statement.pk))
    return None if data is None else data.get("comments", [])


@dataclass
class TrendPoint:
    round: Round
    positive: int | None  # None: hidden (too few answered) or everyone said "Don't know".


def trend(round: Round, *, limit: int = 6) -> tuple[list[Round], list[tuple[KeyRole, list[TrendPoint]]]]:
    """Each key role's share of "Getting there" or "Strong" in this round and the closed rounds before it.

    From the figures kept when each round was counted, so with the same rules as the
    results: a round that too few eligible people answered shows nothing, and a key role
    counts only its statements that enough answered. An earlier round not counted yet (beat
    counts each within a minute of closing) shows nothing either. Two queries, whatever the
    number of rounds and answers.
    """
    earlier = list(
        Round.objects.filter(collaborative_id=round.collaborative_id, opened_at__lte=round.opened_at)
        .closed_at(timezone.now())
        .exclude(pk=round.pk)
        # Of what each kept, only its key roles' figures are read: not its comments or who could answer.
        .only("collaborative_id", "title", "opened_at", "closes_at")
        .annotate(kept_shown=F("results__shown"), kept_key_roles=F("results__key_roles"))
        .order_by("-opened_at")[: limit - 1]
    )
    rounds = [*reversed(earlier), round]
    # Each round's kept figures by key role; none until it is counted, or if too few answered.
    kept_roles = {each.pk: (each.kept_key_roles or {}) if each.kept_shown else {} for each in earlier}
    kept_roles[round.pk] = round.results.get("key_roles", {}) if round.results.get("shown") else {}
    key_roles = list(KeyRole.objects.filter(collaborative_id=round.collaborative_id).order_by("number"))
    series = []
    for key_role in key_roles:
        points = []
        for each in rounds:
            data = kept_roles[each.pk].get(str(key_role.pk))
            # A key role none of whose statements enough people answered has no figures.
            figures = Figures.from_kept(data) if data and data.get("answered") else None
            points.append(TrendPoint(each, figures.positive if figures else None))
        series.append((key_role, points))
    return rounds, series


# The trend chart's geometry, in its own units: one band per key role, one bar per round.
CHART_LABEL_WIDTH = 330
CHART_BAR_WIDTH = 300
CHART_BAR_HEIGHT = 18


def trend_chart(rounds: list[Round], series: list[tuple[KeyRole, list[TrendPoint]]]) -> dict:
    """Positions for a server-drawn horizontal bar chart of the trend (the table beside it has the same numbers)."""
    band = (len(rounds) * (CHART_BAR_HEIGHT + 4)) + 34
    bands = []
    for index, (key_role, points) in enumerate(series):
        top = index * band
        bars = []
        for n, point in enumerate(points):
            y = top + 26 + n * (CHART_BAR_HEIGHT + 4)
            width = round(CHART_BAR_WIDTH * point.positive / 100) if point.positive is not None else 0
            bars.append(
                {
                    "label": point.round.title,
                    "value": point.positive,
                    "y": y,
                    "text_y": y + CHART_BAR_HEIGHT - 4,
                    "width": width,
                    "value_x": CHART_LABEL_WIDTH + width + 6,
                    "latest": n == len(points) - 1,
                }
            )
        bands.append({"title": f"{key_role.number}. {key_role.title}", "title_y": top + 18, "bars": bars})
    return {"height": band * len(series), "bands": bands, "label_width": CHART_LABEL_WIDTH}


class _InertWriter:
    """A csv writer whose every cell is safe to open in a spreadsheet."""

    def __init__(self, out) -> None:
        self.writer = csv.writer(out)

    def writerow(self, row) -> None:
        self.writer.writerow([inert(cell) for cell in row])


def results_csv(results: RoundResults) -> str:
    """The aggregates only: no one's own answers and no comments. Wording typed by facilitators is made inert."""
    out = io.StringIO()
    out.write(BYTE_ORDER_MARK)
    writer = _InertWriter(out)
    writer.writerow(
        ["Round", "Key role", "Statement", "Group", "People who answered", *[label for _, label in RATINGS], "Note"]
    )
    title = results.round.title
    for role in results.key_roles:
        role_title = f"{role.key_role.number}. {role.key_role.title}"
        for statement in role.statements:
            if statement.shown:
                counts = [row["count"] for row in statement.tally.rows()]
                writer.writerow([title, role_title, statement.text, EVERYONE, statement.tally.answered, *counts, ""])
            else:
                note = (
                    f"Fewer than {ROUND_GROUP_MIN} people who were members when the round opened answered, "
                    "so the answers are not shown."
                )
                writer.writerow([title, role_title, statement.text, EVERYONE, "", *[""] * len(RATINGS), note])
        whole = "All statements shown above"
        counts = [row["count"] for row in role.tally.rows()]
        writer.writerow([title, role_title, whole, EVERYONE, role.tally.answered, *counts, ""])
        for label, tally in role.groups:
            counts = [row["count"] for row in tally.rows()]
            writer.writerow([title, role_title, whole, label, tally.answered, *counts, ""])
    return out.getvalue()
