"""The results of a self-assessment round, counted so that no one's answers can be picked out.

Three rules keep answers anonymous, facilitators' view included:

1. Nothing is shown while a round is open, so no one can watch the counts move as a
   particular person answers.
2. A count is shown only when at least ROUND_GROUP_MIN people are in it: a whole round, a
   statement, or a group of people sharing a perspective.
3. Groups are shown only where no two of them (everyone included) differ by fewer than
   ROUND_GROUP_MIN people: otherwise taking one set of counts from the other would give
   away the answers of the few in between.

Key roles count only the statements shown, so a hidden statement cannot be had by
taking the shown ones from its key role's total. Perspectives are shown by key role,
pooled over its statements, and use only perspectives that people share with members.
"""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from members.models import Perspective, Visibility
from vision.models import Answer, KeyRole, Rating, Round, RoundStatement

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


def safe_groups(everyone: set, groups: dict[str, set]) -> list[str]:
    """The groups that can be shown beside everyone's figures (rules 2 and 3 above), in their given order."""
    shown = {label: people for label, people in groups.items() if len(people) >= ROUND_GROUP_MIN}
    while True:
        clash = None
        for label, people in sorted(shown.items(), key=lambda item: len(item[1])):
            others = [everyone, *(p for other, p in shown.items() if other != label)]
            if any(0 < len(people ^ other) < ROUND_GROUP_MIN for other in others):
                clash = label
                break
        if clash is None:
            return [label for label in groups if label in shown]
        del shown[clash]


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


def _perspectives(answer: dict) -> list[str]:
    if answer["response__user__perspectives_visibility"] != Visibility.MEMBERS:
        return []
    return answer["response__user__perspectives"] or []


def round_results(round: Round) -> RoundResults:
    """Every figure the results page and the CSV show, in two queries whatever the size of the round."""
    statements = list(
        RoundStatement.objects.filter(round=round).select_related("key_role").order_by("key_role__number", "position")
    )
    answers = Answer.objects.filter(statement__round=round).values(
        "statement_id",
        "rating",
        "comment",
        "response_id",
        "response__user__perspectives",
        "response__user__perspectives_visibility",
    )
    tallies: dict[int, Tally] = defaultdict(Tally)
    comments: dict[int, list[str]] = defaultdict(list)
    by_perspective: dict[tuple[int, str], Tally] = defaultdict(Tally)
    respondents = set()
    for answer in answers:
        if answer["comment"]:
            comments[answer["statement_id"]].append(answer["comment"])
        if not answer["rating"]:
            continue
        respondents.add(answer["response_id"])
        tallies[answer["statement_id"]].add(answer["rating"], answer["response_id"])
        for perspective in _perspectives(answer):
            by_perspective[answer["statement_id"], perspective].add(answer["rating"], answer["response_id"])

    roles: dict[int, KeyRoleResult] = {}
    pooled: dict[int, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for statement in statements:
        result = StatementResult(
            statement.text,
            tallies[statement.pk],
            # In alphabetical order, so the order says nothing about who wrote which.
            sorted(comments[statement.pk], key=str.casefold),
        )
        role = roles.setdefault(statement.key_role_id, KeyRoleResult(statement.key_role, [], Tally(), []))
        role.statements.append(result)
        if result.shown:
            role.tally.merge(result.tally)
            for perspective in Perspective.values:
                if (statement.pk, perspective) in by_perspective:
                    pooled[statement.key_role_id][perspective].merge(by_perspective[statement.pk, perspective])
    labels = dict(Perspective.choices)
    for key_role_id, role in roles.items():
        groups = pooled[key_role_id]
        shown = safe_groups(
            role.tally.people, {value: groups[value].people for value in Perspective.values if value in groups}
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
    people answered. Three queries, whatever the number of rounds and answers.
    """
    earlier = list(
        Round.objects.filter(collaborative_id=round.collaborative_id, opened_at__lte=round.opened_at)
        .closed_at(timezone.now())
        .exclude(pk=round.pk)
        .order_by("-opened_at")[: limit - 1]
    )
    rounds = [*reversed(earlier), round]
    rows = (
        Answer.objects.filter(statement__round__in=rounds)
        .exclude(rating="")
        .values_list("statement__round_id", "statement__key_role_id", "statement_id", "rating", "response_id")
    )
    by_statement: dict[tuple[int, int, int], Tally] = defaultdict(Tally)
    for round_id, key_role_id, statement_id, rating, person in rows:
        by_statement[round_id, key_role_id, statement_id].add(rating, person)
    people: dict[int, set] = defaultdict(set)
    pooled: dict[tuple[int, int], Tally] = defaultdict(Tally)
    for (round_id, key_role_id, _), tally in by_statement.items():
        people[round_id] |= tally.people
        if tally.answered >= ROUND_GROUP_MIN:
            pooled[round_id, key_role_id].merge(tally)
    key_roles = list(KeyRole.objects.filter(collaborative_id=round.collaborative_id).order_by("number"))
    series = []
    for key_role in key_roles:
        points = []
        for each in rounds:
            tally = pooled.get((each.pk, key_role.pk))
            hidden = each.is_open or len(people[each.pk]) < ROUND_GROUP_MIN or tally is None
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
    """The aggregates only: no one's own answers and no comments."""
    out = io.StringIO()
    writer = csv.writer(out)
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
