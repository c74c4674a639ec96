"""The results of a self-assessment round, counted so that no one's answers can be picked out.

Three rules keep answers anonymous, facilitators' view included:

1. Nothing is shown while a round is open, so no one can watch the counts move as a
   particular person answers.
2. A count is shown only when at least ROUND_GROUP_MIN people are in it: a whole round, a
   statement, or a group of people sharing a perspective.
3. Groups are shown only where everyone falls into "regions" (people in exactly the
   same shown groups) of at least ROUND_GROUP_MIN: otherwise adding and taking away
   the figures of groups and of everyone could give away the answers of the few in a
   small region (for example everyone minus two groups that together leave out one).
   Nor may a region have given one answer only, unless everyone did: if all five carers
   said "Not yet", showing the carers' figures would tell anyone who knows a carer who
   answered what that carer said.

Key roles count only the statements shown, so a hidden statement cannot be had by
taking the shown ones from its key role's total. Perspectives are shown by key role,
pooled over its statements, and use only perspectives that people shared with members
when they answered (kept with the answers: if they came from profiles as they are now,
comparing a closed round's figures before and after one person's change would give that
person's answers away). Comments appear only from people who gave a rating, under
statements whose counts are shown.
"""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from collaborative.spreadsheets import BYTE_ORDER_MARK, inert
from members.models import Perspective
from vision.models import Answer, KeyRole, Rating, Response, Round, RoundStatement

ROUND_GROUP_MIN = 5
EVERYONE = "Everyone"
# Ratings in the order a results table reads, "Don't know" last.
RATINGS = list(Rating.choices)
POSITIVE = {Rating.GETTING_THERE, Rating.STRONG}


@dataclass
class Tally:
    """Answers counted: how many of each rating, and who gave them (ids never leave this module)."""

    counts: Counter = field(default_factory=Counter)
    people: set = field(default_factory=set)

    def add(self, rating: str, person: int) -> None:
        self.counts[rating] += 1
        self.people.add(person)

    def merge(self, other: "Tally") -> None:
        self.counts.update(other.counts)
        self.people |= other.people

    @property
    def answered(self) -> int:
        return len(self.people)

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


def _unsafe_regions(everyone: set, shown: dict[str, set], ratings: dict[int, set] | None) -> bool:
    """Whether some people fall in a "region" of fewer than ROUND_GROUP_MIN, or in one
    whose people all gave the same answer when not everyone did.

    A region is everyone in exactly the same shown groups (and no others). Every figure
    on the page is a sum of regions, so if each region that has anyone in it has at
    least ROUND_GROUP_MIN people, no sum and difference of figures can single anyone out;
    and if each gave more than one answer, knowing someone is in it does not tell theirs.
    `ratings` holds the answers each person gave (None: sizes alone are checked).
    """
    regions: dict[frozenset, list] = defaultdict(list)
    for person in everyone:
        regions[frozenset(label for label, people in shown.items() if person in people)].append(person)
    if any(len(region) < ROUND_GROUP_MIN for region in regions.values()):
        return True
    if ratings is None or len(set().union(*(ratings[person] for person in everyone))) < 2:
        return False
    return any(len(set().union(*(ratings[person] for person in region))) < 2 for region in regions.values())


def safe_groups(everyone: set, groups: dict[str, set], ratings: dict[int, set] | None = None) -> list[str]:
    """The groups that can be shown beside everyone's figures (rules 2 and 3 above), in their given order.

    Groups are dropped, smallest first, until no region is unsafe; a group whose
    removal alone is enough goes before any other.
    """
    shown = {label: people & everyone for label, people in groups.items() if len(people & everyone) >= ROUND_GROUP_MIN}
    while shown and _unsafe_regions(everyone, shown, ratings):
        by_size = sorted(shown, key=lambda label: (len(shown[label]), label))
        enough = [
            label
            for label in by_size
            if not _unsafe_regions(everyone, {other: p for other, p in shown.items() if other != label}, ratings)
        ]
        del shown[enough[0] if enough else by_size[0]]
    return [label for label in groups if label in shown]


class _InertWriter:
    """A csv writer whose every cell is safe to open in a spreadsheet."""

    def __init__(self, out) -> None:
        self.writer = csv.writer(out)

    def writerow(self, row) -> None:
        self.writer.writerow([inert(cell) for cell in row])


@dataclass
class StatementResult:
    text: str
    tally: Tally
    comments: list[str]

    @property
    def shown(self) -> bool:
        return self.tally.answered >= ROUND_GROUP_MIN


@dataclass
class KeyRoleResult:
    key_role: KeyRole
    statements: list[StatementResult]
    tally: Tally
    groups: list[tuple[str, Tally]]


@dataclass
class RoundResults:
    round: Round
    respondents: int
    key_roles: list[KeyRoleResult]

    @property
    def shown(self) -> bool:
        return not self.round.is_open and self.respondents >= ROUND_GROUP_MIN


def round_results(round: Round) -> RoundResults:
    """Every figure the results page and the CSV show, in three queries whatever the size of the round."""
    statements = list(
        RoundStatement.objects.filter(round=round).select_related("key_role").order_by("key_role__number", "position")
    )
    # The perspectives each respondent shared with members when they answered (kept with the
    # answers, so the figures of a closed round never move), read once a person.
    shared = dict(Response.objects.filter(round=round).values_list("id", "perspectives"))
    answers = Answer.objects.filter(statement__round=round).values_list(
        "statement_id", "rating", "comment", "response_id"
    )
    tallies: dict[int, Tally] = defaultdict(Tally)
    comments: dict[int, list[str]] = defaultdict(list)
    by_perspective: dict[tuple[int, str], Tally] = defaultdict(Tally)
    given: dict[int, list[tuple[int, str]]] = defaultdict(list)  # Each statement's (person, rating).
    respondents = set()
    for statement_id, rating, comment, person in answers:
        if not rating:
            # A comment without a rating is from someone not counted as answering: it could be told apart.
            continue
        if comment:
            comments[statement_id].append(comment)
        respondents.add(person)
        tallies[statement_id].add(rating, person)
        given[statement_id].append((person, rating))
        for perspective in shared.get(person, ()):
            by_perspective[statement_id, perspective].add(rating, person)

    roles: dict[int, KeyRoleResult] = {}
    pooled: dict[int, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    # The answers each person gave to a key role's shown statements.
    ratings: dict[int, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    for statement in statements:
        result = StatementResult(statement.text, tallies[statement.pk], [])
        if result.shown:
            # In alphabetical order, so the order says nothing about who wrote which; only
            # where enough answered, as a comment often says what its writer answered.
            result.comments = sorted(comments[statement.pk], key=str.casefold)
        role = roles.setdefault(statement.key_role_id, KeyRoleResult(statement.key_role, [], Tally(), []))
        role.statements.append(result)
        if result.shown:
            role.tally.merge(result.tally)
            for person, rating in given[statement.pk]:
                ratings[statement.key_role_id][person].add(rating)
            for perspective in Perspective.values:
                if (statement.pk, perspective) in by_perspective:
                    pooled[statement.key_role_id][perspective].merge(by_perspective[statement.pk, perspective])
    labels = dict(Perspective.choices)
    for key_role_id, role in roles.items():
        groups = pooled[key_role_id]
        shown = safe_groups(
            role.tally.people,
            {value: groups[value].people for value in Perspective.values if value in groups},
            ratings[key_role_id],
        )
        role.groups = [(labels[value], groups[value]) for value in shown]
    return RoundResults(round, len(respondents), list(roles.values()))


@dataclass
class TrendPoint:
    round: Round
    positive: int | None  # None: hidden (too few answered) or everyone said "Don't know".


def trend(round: Round, *, limit: int = 6) -> tuple[list[Round], list[tuple[KeyRole, list[TrendPoint]]]]:
    """Each key role's share of "Getting there" or "Strong" in this round and the closed rounds before it.

    The same rules as the results: a round with fewer than ROUND_GROUP_MIN people
    answering shows nothing, and a key role counts only its statements that enough
    people answered. Four queries, whatever the number of rounds and answers: the answers
    are counted by the database, since only counts are needed here.
    """
    earlier = list(
        Round.objects.filter(collaborative_id=round.collaborative_id, opened_at__lte=round.opened_at)
        .closed_at(timezone.now())
        .exclude(pk=round.pk)
        .order_by("-opened_at")[: limit - 1]
    )
    rounds = [*reversed(earlier), round]
    rated = Answer.objects.filter(statement__round__in=rounds).exclude(rating="").order_by()
    # How many people answered each round: those who rated at least one statement.
    people = dict(
        Response.objects.filter(round__in=rounds)
        .filter(Exists(Answer.objects.filter(response=OuterRef("pk")).exclude(rating="")))
        .order_by()
        .values_list("round_id")
        .annotate(n=Count("id"))
    )
    # Each statement's count of each rating. One answer per person and statement, so a
    # statement's counts add up to the number of people who answered it.
    by_statement: dict[tuple[int, int, int], Counter] = defaultdict(Counter)
    counted = rated.values_list("statement__round_id", "statement__key_role_id", "statement_id", "rating").annotate(
        n=Count("id")
    )
    for round_id, key_role_id, statement_id, rating, n in counted:
        by_statement[round_id, key_role_id, statement_id][rating] += n
    # Only the counts are pooled (a Tally without people): the trend needs the share alone.
    pooled: dict[tuple[int, int], Tally] = defaultdict(Tally)
    for (round_id, key_role_id, _), counts in by_statement.items():
        if counts.total() >= ROUND_GROUP_MIN:
            pooled[round_id, key_role_id].counts.update(counts)
    key_roles = list(KeyRole.objects.filter(collaborative_id=round.collaborative_id).order_by("number"))
    series = []
    for key_role in key_roles:
        points = []
        for each in rounds:
            tally = pooled.get((each.pk, key_role.pk))
            hidden = each.is_open or people.get(each.pk, 0) < ROUND_GROUP_MIN or tally is None
            points.append(TrendPoint(each, None if hidden else tally.positive))
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
                note = f"Fewer than {ROUND_GROUP_MIN} people answered, so the answers are not shown."
                writer.writerow([title, role_title, statement.text, EVERYONE, "", *[""] * len(RATINGS), note])
        whole = "All statements shown above"
        counts = [row["count"] for row in role.tally.rows()]
        writer.writerow([title, role_title, whole, EVERYONE, role.tally.answered, *counts, ""])
        for label, tally in role.groups:
            counts = [row["count"] for row in tally.rows()]
            writer.writerow([title, role_title, whole, label, tally.answered, *counts, ""])
    return out.getvalue()
