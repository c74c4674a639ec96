"""Benchmark for issue 6: the results page of a self-assessment round with 300 respondents and 25 statements.

    .venv/bin/python bench/vision.py [--runs 20] [--respondents 300] [--sqlite]

A Collaborative with the default framework (five key roles, 25 statements) and --respondents
members, each with one or two perspectives (most shared with members, one in seven with
facilitators only, one in seven with nobody). Four rounds are opened through the services
(round_open, so each round has its own RoundStatements) and then dated back: three closed
earlier rounds and one that has just closed, each answered by about --respondents people, who rate
every statement and comment on about one in twelve (Response and Answer rows are bulk inserted).
A second Collaborative has one closed round that 5 people answered: the smallest round whose
results are shown. The three earlier rounds are counted as soon as they are made, as beat
counted them when they closed.

First it counts the two rounds that have just closed (services.round_count: the figures are
kept, the answers deleted), once each, as beat or the first look at the results does, and
prints the time and the query count. Then, through Django's test client (DEBUG off, no
network), it asks for the results page of both rounds as a facilitator and as a member, and
for the CSV download, which read the kept figures only, and prints the median, min and max
server time and the query count, which must be the same for the small round and the large one.
(The count's is not: Django deletes the rows of the people who answered 100 at a time, so it
takes one statement more for each hundred.)

Without DATABASE_URL it uses postgres://postgres@127.0.0.1:5432/lwc_bench_vision (created if
missing, then migrated), or with --sqlite a file under /tmp/lwc-bench-vision. It deletes its
own rows (Collaboratives "bench-vision-…", people "@bench.invalid"), so the database name must
contain "bench".

The exit status is 0 when every request for the large round has a median under 150 ms and uses
as many queries as for the small round, 1 otherwise. See bench/README.md for figures.
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

from _database import configure_environment, ensure_database  # bench/ is the script's folder, so on the path.

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

TARGET_MS = 150
BENCH_EMAIL_DOMAIN = "bench.invalid"
SLUG_PREFIX = "bench-vision-"
RUN_TAG = uuid.uuid4().hex[:8]
SMALL_RESPONDENTS = 5
# The earlier rounds, oldest first: (title, months ago, share of the members who answered).
EARLIER_ROUNDS = [("Spring 2025", 18, 0.80), ("Autumn 2025", 12, 0.90), ("Spring 2026", 6, 0.95)]
COMMENTS = [
    "We talk about this at every meeting, but I have not seen it change much yet.",
    "The carers' group made a real difference here this year.",
    "Hard to say: I only joined in the spring.",
    "Better than last time. The new venue helps people come.",
    "We need more people from the voluntary sector in the room.",
    "The commissioners listen, but decisions still happen elsewhere.",
    "I would like to see the evidence we gather shared more widely.",
    "Strong in our area, less so across the borough.",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="requests for each page and viewer (default 20)")
    parser.add_argument(
        "--respondents", type=int, default=300, help="members, and people who answered the latest round (default 300)"
    )
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    if args.runs < 1 or args.respondents < SMALL_RESPONDENTS:
        parser.error(f"--runs must be at least 1 and --respondents at least {SMALL_RESPONDENTS}")
    return args


# --- The database, before Django is set up ------------------------------------------------


args = parse_args()
configure_environment("vision", sqlite=args.sqlite, queue=f"bench-vision-{RUN_TAG}", run_tag=RUN_TAG)
ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from members.models import Collaborative, Membership, Perspective, User, Visibility  # noqa: E402
from notifications import tasks as notification_tasks  # noqa: E402
from notifications.models import Message  # noqa: E402
from vision import services as vision_services  # noqa: E402
from vision.models import Answer, KeyRole, Rating, Response, Round, RoundStatement, Statement  # noqa: E402

# --- Data ---------------------------------------------------------------------------------


def clean() -> None:
    """Remove the benchmark's Collaboratives, with their rounds, framework and outbox, and its people."""
    collaboratives = Collaborative.objects.filter(slug__startswith=SLUG_PREFIX)
    Message.objects.filter(collaborative__in=collaboratives).delete()
    rounds = Round.objects.filter(collaborative__in=collaboratives)
    Answer.objects.filter(response__round__in=rounds).delete()
    Response.objects.filter(round__in=rounds).delete()
    RoundStatement.objects.filter(round__in=rounds).delete()
    rounds.delete()
    Statement.objects.filter(key_role__collaborative__in=collaboratives).delete()
    KeyRole.objects.filter(collaborative__in=collaboratives).delete()
    Membership.objects.filter(collaborative__in=collaboratives).delete()
    User.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}").delete()
    collaboratives.delete()


def create_collaborative(label: str, members: int) -> tuple[Collaborative, list[User]]:
    """A Collaborative with the default framework and `members` people, the first a facilitator.

    Everyone has one or two perspectives; five in seven share them with members, one with
    facilitators only, one with nobody (so the results count only the first).
    """
    collaborative = Collaborative.objects.create(
        name=f"Bench vision {label} {RUN_TAG}",
        slug=f"{SLUG_PREFIX}{label}-{RUN_TAG}",
        area="Benchmark",
        description="A Collaborative made up for the self-assessment benchmark.",
    )
    vision_services.framework_start(collaborative=collaborative)
    perspectives = Perspective.values
    visibilities = [Visibility.MEMBERS] * 5 + [Visibility.FACILITATORS, Visibility.NOBODY]
    users = User.objects.bulk_create(
        [
            User(
                email=f"person{n:05d}-{collaborative.slug}@{BENCH_EMAIL_DOMAIN}",
                display_name=f"Person {n:05d}",
                password="!",  # No password: the account cannot log in.
                perspectives=[perspectives[n % len(perspectives)]]
                + ([perspectives[(n * 3 + 1) % len(perspectives)]] if n % 3 == 0 and n % 7 != 3 else []),
                perspectives_visibility=visibilities[n % len(visibilities)],
            )
            for n in range(members)
        ],
        batch_size=1000,
    )
    Membership.objects.bulk_create(
        [
            Membership(
                user=user,
                collaborative=collaborative,
                role=Membership.Role.FACILITATOR if n == 0 else Membership.Role.MEMBER,
            )
            for n, user in enumerate(users)
        ],
        batch_size=1000,
    )
    return collaborative, users


def rating_for(rng: random.Random, step: int) -> str:
    """A rating, more often positive in later rounds (`step` 0 for the oldest), one in twelve "Don't know"."""
    if rng.random() < 1 / 12:
        return Rating.DONT_KNOW
    weights = [max(1, 4 - step), 4, 3 + step, 1 + step]
    return rng.choices([Rating.NOT_YET, Rating.STARTING, Rating.GETTING_THERE, Rating.STRONG], weights)[0]


def add_round(
    collaborative: Collaborative, users: list[User], *, title: str, opened_at: datetime, respondents: int, step: int
) -> Round:
    """A round opened through the services, dated back to `opened_at` and closed two weeks later
    (or just now, if that is later), answered in full by the first `respondents` people."""
    with mock.patch.object(notification_tasks.dispatch_messages_task, "delay"):
        round = vision_services.round_open(
            collaborative=collaborative,
            by=users[0],
            title=title,
            closing_day=collaborative.local_today() + timedelta(days=7),  # The shortest a round may be open.
        )
    now = timezone.now()
    closes_at = min(opened_at + timedelta(days=14), now - timedelta(seconds=1))
    Round.objects.filter(pk=round.pk).update(opened_at=opened_at, closes_at=closes_at)
    round.refresh_from_db()
    statements = list(RoundStatement.objects.filter(round=round).order_by("position"))
    rng = random.Random(f"{title}-{respondents}")
    with transaction.atomic():
        responses = Response.objects.bulk_create(
            [
                Response(
                    round=round,
                    user=user,
                    started_at=opened_at,
                    updated_at=opened_at,
                    # As answers_save keeps them: the perspectives shared with members.
                    perspectives=list(user.perspectives) if user.perspectives_visibility == "members" else [],
                    eligible=True,  # Members when the round opened.
                )
                for user in users[:respondents]
            ],
            batch_size=1000,
        )
        Answer.objects.bulk_create(
            [
                Answer(
                    response=response,
                    statement=statement,
                    rating=rating_for(rng, step),
                    comment=rng.choice(COMMENTS) if rng.random() < 1 / 12 else "",
                )
                for response in responses
                for statement in statements
            ],
            batch_size=2000,
        )
    return round


def build(respondents: int) -> dict[str, tuple[Collaborative, list[User], Round]]:
    """The large Collaborative (three earlier rounds, counted, and the one just closed) and the small one."""
    now = timezone.now()
    collaborative, users = create_collaborative("large", respondents)
    for step, (title, months, share) in enumerate(EARLIER_ROUNDS):
        opened = now - timedelta(days=30 * months)
        earlier = add_round(
            collaborative, users, title=title, opened_at=opened, respondents=int(respondents * share), step=step
        )
        vision_services.round_count(round=earlier)  # As beat did within a minute of its closing.
    latest = add_round(
        collaborative,
        users,
        title="Autumn 2026",
        opened_at=now - timedelta(days=14),
        respondents=respondents,
        step=len(EARLIER_ROUNDS),
    )
    small_collaborative, small_users = create_collaborative("small", SMALL_RESPONDENTS + 1)
    small = add_round(
        small_collaborative,
        small_users,
        title="Autumn 2026",
        opened_at=now - timedelta(days=14),
        respondents=SMALL_RESPONDENTS,
        step=0,
    )
    # The "a round has opened" emails are not what is measured here.
    Message.objects.filter(collaborative__in=[collaborative, small_collaborative]).delete()
    if connection.vendor == "postgresql":
        # As autovacuum would soon after a bulk load: without statistics (or with those of an
        # earlier run's deleted rows) the planner reads whole tables instead of using the indexes.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE vision_answer, vision_response, vision_roundstatement, members_user")
    return {"small": (small_collaborative, small_users, small), "large": (collaborative, users, latest)}


# --- Requests -----------------------------------------------------------------------------


def time_requests(client: Client, url: str, runs: int) -> tuple[list[float], list[float], int, int]:
    """(milliseconds for each of `runs` requests, this process's CPU milliseconds for each, the
    query count, the response size in bytes). The CPU time leaves out the database server's work
    but is less thrown by other work on the machine than the elapsed time is."""
    response = client.get(url)  # Warm up: session, templates (the round is counted already).
    assert response.status_code == 200, (url, response.status_code, response.headers.get("Location"))
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, cpu, len(queries.captured_queries), len(response.content)


def describe(size: str, collaborative: Collaborative, round: Round) -> None:
    rounds = Round.objects.filter(collaborative=collaborative).count()
    statements = RoundStatement.objects.filter(round=round).count()
    people = Response.objects.filter(round=round).count()
    answers = Answer.objects.filter(response__round=round)
    comments = answers.exclude(comment="").count()
    print(
        f"  {size}: {people} respondents, {statements} statements, {answers.count()} answers "
        f"({comments} with a comment); {rounds} closed round(s) in its Collaborative"
    )


def count_round(size: str, round: Round) -> Round:
    """Count a round that has just closed, once, as beat or the first look at its results does."""
    answers = Answer.objects.filter(response__round=round).count()
    with CaptureQueriesContext(connection) as queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        round = vision_services.round_count(round=round)
        elapsed, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000
    assert round.counted_at is not None
    assert not Answer.objects.filter(response__round=round).exists()
    print(
        f"  {'count':<12} {'once':<11} {size:<5} {elapsed:6.1f} ms (CPU {cpu:5.1f} ms), "
        f"{len(queries.captured_queries)} queries, {answers} answers counted and deleted, "
        f"{len(json.dumps(round.results)) / 1024:.0f} KiB kept",
        flush=True,
    )
    return round


def measure(runs: int) -> tuple[bool, bool]:
    clean()
    started = time.perf_counter()
    built = build(args.respondents)
    print(f"  built in {time.perf_counter() - started:.1f} s")
    for size, (collaborative, _users, round) in built.items():
        describe(size, collaborative, round)

    # The count first, timed once: the pages after it read only the figures it kept.
    for size, (collaborative, users, round) in list(built.items()):
        built[size] = collaborative, users, count_round(size, round)

    medians, counts = {}, {}
    requests = [("facilitator", "vision:round", 0), ("member", "vision:round", 1), ("member", "vision:round_csv", 1)]
    for viewer, url_name, index in requests:
        what = "results page" if url_name == "vision:round" else "CSV download"
        for size, (collaborative, users, round) in built.items():
            client = Client()
            # The results page asks for no two-step sign-in (only managing a round does), so the
            # facilitator is signed in as the meetings benchmark does it.
            client.force_login(users[index])
            url = reverse(url_name, kwargs={"slug": collaborative.slug, "pk": round.pk})
            times, cpu, queries, size_bytes = time_requests(client, url, runs)
            key = viewer, what
            medians[key, size] = statistics.median(times)
            counts[key, size] = queries
            print(
                f"  {what:<12} {viewer:<11} {size:<5} median {medians[key, size]:6.1f} ms, "
                f"min {min(times):6.1f} ms, max {max(times):6.1f} ms (CPU median {statistics.median(cpu):5.1f} ms), "
                f"{queries} queries, {size_bytes / 1024:.0f} KiB",
                flush=True,
            )
    clean()
    keys = {key for key, _ in medians}
    fast = all(medians[key, "large"] < TARGET_MS for key in keys)
    constant = all(counts[key, "small"] == counts[key, "large"] for key in keys)
    print(
        f"  target (under {TARGET_MS} ms with {args.respondents} respondents and 25 statements): "
        f"{'met' if fast else 'NOT met'}"
    )
    same = f"queries the same with {SMALL_RESPONDENTS} respondents as with {args.respondents}"
    print(f"  {same}: {'yes' if constant else 'NO'}")
    return fast, constant


# --- Main ---------------------------------------------------------------------------------


def main() -> int:
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # As in production (DEBUG off).
    version = f"PostgreSQL {connection.pg_version // 10000}" if connection.vendor == "postgresql" else "SQLite"
    print(
        f"Self-assessment results benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()} "
        f"({os.cpu_count()} CPUs, Python {platform.python_version()}, {version}), "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"\nA closed round's results, {args.runs} requests for each page and viewer:")
    fast, constant = measure(args.runs)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} cores)")
    return 0 if fast and constant else 1


if __name__ == "__main__":
    sys.exit(main())
