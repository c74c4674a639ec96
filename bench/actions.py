"""Benchmark for issue 7: the action log with 10,000 actions and 100,000 history rows, and its export.

    .venv/bin/python bench/actions.py [--runs 20] [--export-runs 5] [--actions 10000] [--sqlite]

Two Collaboratives, alike but for the size of their log: each has 60 members (the first a
facilitator), the five key roles of the default framework (framework_start), 12 goals and 20
meetings. The large one has --actions actions (10,000: open, in progress, done, blocked and dropped,
with owners, supporters, lead organisations, due dates a year either side of today, goals, key roles
and meetings), --changes history rows (100,000 ActionChange rows, from 1 to 19 an action) and
--updates progress updates (20,000, some with a link or a file as evidence); the small one has 10
actions with 100 history rows and 20 updates. Everything is bulk inserted.

Through Django's test client (DEBUG off, no network), signed in as a member, it asks for the log
page (actions:log) unfiltered, filtered (a search, a status, overdue, a lead organisation, ordered by
last change), with a broad filter (every live action that is overdue), on page 50, and in title
order, and prints the median, min and max server time and the query count at both sizes. Then it
downloads the whole log as CSV (actions:export_csv, streamed: the time runs until the last row has
been read from streaming_content) and as Excel (actions:export_xlsx), and prints the same.

Without DATABASE_URL it uses postgres://postgres@127.0.0.1:5432/lwc_bench_actions (created if
missing, then migrated), or with --sqlite a file under /tmp/lwc-bench-actions. It deletes its own
rows (Collaboratives "bench-actions-…", people "@bench.invalid"), history included: on PostgreSQL
that means switching off, for the length of one transaction, the trigger that keeps the history
append-only. So the database name must contain "bench".

The exit status is 0 when every log page of the large Collaborative has a median under 100 ms and
uses as many queries as for the small one, and the CSV of the whole log takes under 3 s; 1
otherwise. See bench/README.md for figures.
"""

import argparse
import csv
import io
import os
import platform
import random
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _database import configure_environment, ensure_database  # bench/ is the script's folder, so on the path.

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

PAGE_TARGET_MS = 100
CSV_TARGET_S = 3.0
BENCH_EMAIL_DOMAIN = "bench.invalid"
SLUG_PREFIX = "bench-actions-"
RUN_TAG = uuid.uuid4().hex[:8]
MEMBERS = 60
GOALS = 12
MEETINGS = 20
SMALL = 10  # Actions in the small Collaborative, with ten history rows and two updates each.

ORGANISATIONS = [
    "Lambeth Council",
    "South London and Maudsley NHS Trust",
    "Guy's and St Thomas' NHS Trust",
    "Lambeth Carers' Hub",
    "Age UK Lambeth",
    "Mind in Lambeth",
    "Black Thrive",
    "Certitude",
    "Thames Reach",
    "Healthwatch Lambeth",
    "Lambeth GP Federation",
    "Integrated Care Board",
    "Job Centre Plus Brixton",
    "Metropolitan Police, Lambeth",
    "Lambeth Housing",
    "Brixton Library",
    "Advice for Renters",
    "Stockwell Partnership",
    "Clapham Park Project",
    "Vauxhall City Farm",
]
TOPICS = [
    "transport",
    "carers' breaks",
    "housing repairs",
    "waiting times",
    "the crisis line",
    "benefits advice",
    "peer support",
    "GP appointments",
    "discharge from hospital",
    "young people's services",
    "interpreters",
    "the community cafe",
    "loneliness",
    "employment support",
    "physical health checks",
]
TITLES = [
    "Write to {org} about {topic}",
    "Ask {org} for figures on {topic}",
    "Run a workshop on {topic}",
    "Share the leaflet on {topic} with members",
    "Report back on {topic} at the next meeting",
    "Invite {org} to talk about {topic}",
    "Map what is on offer for {topic}",
]
DESCRIPTIONS = [
    "Members said at the last meeting that this keeps coming up. We agreed to find out more and bring it back.",
    "Start with the people who raised it; the facilitators will help with a letter if one is needed.",
    "The commissioners asked for this in time for the board report. Keep it short: one page.",
    "Follow-up from the self-assessment: we scored ourselves low here and want to do better.",
]
UPDATES = [
    "Sent the letter; waiting for an answer.",
    "Met the team on Tuesday. They will share their figures by the end of the month.",
    "Talked it through with three members who use the service. Notes attached.",
    "Nothing yet: the person we need is on leave until next week.",
    "Drafted the leaflet; it is with the carers' group for comments.",
    "Done, and the report is on the council's website.",
]
REASONS = [
    "Waiting for the council's budget to be agreed.",
    "The trust has no one to take this on until the spring.",
    "Overtaken by the borough-wide review.",
]
# What the history rows change, in turn, after the "created" row.
CHANGED = ["status", "due_on", "owner", "organisation", "description", "supporters", "title", "goal", "key_role"]
# The filtered page of the brief: a search, a status, overdue, a lead organisation, by last change.
FILTERED = "?" + "&".join(
    [
        "q=transport",
        "status=open",
        "overdue=on",
        f"organisation={ORGANISATIONS[0].replace(' ', '+')}",
        "sort=updated",
    ]
)
PAGES = {
    "unfiltered": "",
    "filtered": FILTERED,
    "live and overdue": "?status=open&status=in_progress&status=blocked&overdue=on&sort=updated",
    "page 50": "?page=50",
    "title order, p. 10": "?sort=title&page=10",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="requests for each log page (default 20)")
    parser.add_argument("--export-runs", type=int, default=5, help="downloads of each export (default 5)")
    parser.add_argument("--actions", type=int, default=10_000, help="actions in the large log (default 10000)")
    parser.add_argument("--changes", type=int, default=None, help="history rows (default 10 an action)")
    parser.add_argument("--updates", type=int, default=None, help="progress updates (default 2 an action)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    args.changes = args.actions * 10 if args.changes is None else args.changes
    args.updates = args.actions * 2 if args.updates is None else args.updates
    if args.runs < 1 or args.export_runs < 1 or args.actions < SMALL or args.changes < args.actions:
        parser.error(f"--runs and --export-runs at least 1, --actions at least {SMALL}, --changes at least --actions")
    return args


# --- The database, before Django is set up ------------------------------------------------


args = parse_args()
configure_environment("actions", sqlite=args.sqlite, queue=f"bench-actions-{RUN_TAG}", run_tag=RUN_TAG)
ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from actions.models import Action, ActionChange, ActionUpdate, ReviewItem, ReviewRound  # noqa: E402
from meetings.models import Format, Meeting  # noqa: E402
from members.models import Collaborative, Membership, User  # noqa: E402
from notifications.models import Message  # noqa: E402
from vision import services as vision_services  # noqa: E402
from vision.models import Goal, KeyRole, Statement  # noqa: E402

Supporter = Action.supporters.through

# --- Data ---------------------------------------------------------------------------------


def clean() -> None:
    """Remove the benchmark's Collaboratives, with their actions, history, meetings and framework, and its people."""
    collaboratives = Collaborative.objects.filter(slug__startswith=SLUG_PREFIX)
    Message.objects.filter(collaborative__in=collaboratives).delete()
    ReviewItem.objects.filter(round__collaborative__in=collaboratives).delete()
    ReviewRound.objects.filter(collaborative__in=collaboratives).delete()
    actions = Action.objects.filter(collaborative__in=collaboratives)
    Supporter.objects.filter(action__in=actions).delete()
    ActionUpdate.objects.filter(action__in=actions).delete()
    with transaction.atomic():
        # The history is append-only in PostgreSQL (actions/migrations/0002): the trigger is off for
        # this transaction alone, which removes only the benchmark's own rows.
        trigger = "actions_history_append_only"
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE actions_actionchange DISABLE TRIGGER {trigger}")
        changes = ActionChange.objects.filter(action__in=actions)
        changes._raw_delete(changes.db)  # The model refuses delete(); the rows are the benchmark's own.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE actions_actionchange ENABLE TRIGGER {trigger}")
    actions.delete()
    Meeting.objects.filter(collaborative__in=collaboratives).delete()
    Goal.objects.filter(collaborative__in=collaboratives).delete()
    Statement.objects.filter(key_role__collaborative__in=collaboratives).delete()
    KeyRole.objects.filter(collaborative__in=collaboratives).delete()
    Membership.objects.filter(collaborative__in=collaboratives).delete()
    User.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}").delete()
    collaboratives.delete()


def split(total: int, parts: int, rng: random.Random, minimum: int) -> list[int]:
    """`total` shared among `parts`, unevenly (pairs trade up to the average less the minimum), summing to `total`."""
    base, extra = divmod(total, parts)
    counts = [base + (1 if n < extra else 0) for n in range(parts)]
    for n in range(0, parts - 1, 2):
        moved = rng.randint(0, max(0, min(counts[n], counts[n + 1]) - minimum))
        counts[n] += moved
        counts[n + 1] -= moved
    return counts


def create_collaborative(label: str) -> tuple[Collaborative, list[User], list[Goal], list[KeyRole], list[Meeting]]:
    """A Collaborative with 60 members (the first a facilitator), the framework, 12 goals and 20 meetings."""
    collaborative = Collaborative.objects.create(
        name=f"Bench actions {label} {RUN_TAG}",
        slug=f"{SLUG_PREFIX}{label}-{RUN_TAG}",
        area="Benchmark",
        description="A Collaborative made up for the action log benchmark.",
    )
    vision_services.framework_start(collaborative=collaborative)
    users = User.objects.bulk_create(
        [
            User(
                email=f"person{n:05d}-{collaborative.slug}@{BENCH_EMAIL_DOMAIN}",
                display_name=f"Person {n:05d}",
                password="!",  # No password: the account cannot log in.
                organisation=ORGANISATIONS[n % len(ORGANISATIONS)],
            )
            for n in range(MEMBERS)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(
                user=user,
                collaborative=collaborative,
                role=Membership.Role.FACILITATOR if n == 0 else Membership.Role.MEMBER,
            )
            for n, user in enumerate(users)
        ]
    )
    today = timezone.localdate()
    goals = Goal.objects.bulk_create(
        [
            Goal(
                collaborative=collaborative,
                title=f"Goal {n + 1}: help with {TOPICS[n % len(TOPICS)]} is easy to find",
                success="People tell us they found what they needed the first time they asked.",
                review_on=today + timedelta(days=30 * (n - 3)),
                status=Goal.Status.ACHIEVED if n % 6 == 5 else Goal.Status.ACTIVE,
            )
            for n in range(GOALS)
        ]
    )
    key_roles = list(KeyRole.objects.filter(collaborative=collaborative).order_by("number"))
    now = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                collaborative=collaborative,
                starts_at=now + timedelta(days=28 * (n - 15)),
                ends_at=now + timedelta(days=28 * (n - 15), hours=2, minutes=30),
                format=Format.ONLINE,
                online_link="https://meet.example.org/bench-monthly",
                created_by=users[0],
            )
            for n in range(MEETINGS)
        ]
    )
    return collaborative, users, goals, key_roles, meetings


def fill(label: str, actions: int, changes: int, updates: int) -> tuple[Collaborative, list[User]]:
    """A Collaborative with `actions` actions, `changes` history rows and `updates` progress updates, bulk inserted."""
    collaborative, users, goals, key_roles, meetings = create_collaborative(label)
    rng = random.Random(f"actions-{actions}")
    now = timezone.now()
    statuses = [Action.Status.OPEN, Action.Status.IN_PROGRESS, Action.Status.DONE, Action.Status.BLOCKED]
    statuses += [Action.Status.DROPPED]
    weights = [30, 25, 30, 8, 7]
    change_counts = split(changes, actions, rng, minimum=1)
    update_counts = split(updates, actions, rng, minimum=0)

    rows, timeline = [], []
    for n in range(actions):
        created_at = now - timedelta(days=rng.uniform(1, 730))
        status = rng.choices(statuses, weights)[0]
        # History and updates happen between creation and now, in order.
        moments = sorted(
            created_at + (now - created_at) * rng.random() for _ in range(change_counts[n] - 1 + update_counts[n])
        )
        timeline.append((created_at, moments))
        rows.append(
            Action(
                collaborative=collaborative,
                title=TITLES[n % len(TITLES)].format(
                    org=ORGANISATIONS[n % len(ORGANISATIONS)], topic=TOPICS[(n * 7 + n // 20) % len(TOPICS)]
                ),
                description=DESCRIPTIONS[n % len(DESCRIPTIONS)],
                owner=None if n % 40 == 39 else users[1 + n % (MEMBERS - 1)],
                organisation="" if n % 9 == 8 else ORGANISATIONS[n % len(ORGANISATIONS)],
                due_on=created_at.date() + timedelta(days=rng.randint(14, 400)),
                status=status,
                status_reason=rng.choice(REASONS) if status in Action.NEEDS_REASON else "",
                meeting=meetings[n % MEETINGS] if n % 5 < 3 else None,
                goal=goals[n % GOALS] if n % 3 else None,
                key_role=key_roles[n % len(key_roles)] if n % 2 else None,
                created_by=users[0],
                created_at=created_at,
                updated_at=moments[-1] if moments else created_at,
                done_at=(moments[-1] if moments else created_at) if status == Action.Status.DONE else None,
            )
        )
    with transaction.atomic():
        created = Action.objects.bulk_create(rows, batch_size=2000)
        Supporter.objects.bulk_create(
            [
                Supporter(action_id=action.pk, user_id=users[1 + (n * 11 + k * 17) % (MEMBERS - 1)].pk)
                for n, action in enumerate(created)
                for k in range(n % 4)  # 0 to 3 supporters, 1.5 on average.
                if users[1 + (n * 11 + k * 17) % (MEMBERS - 1)].pk != action.owner_id
            ],
            batch_size=5000,
        )
        history, progress = [], []
        for n, (action, (created_at, moments)) in enumerate(zip(created, timeline, strict=True)):
            kinds = ["change"] * (change_counts[n] - 1) + ["update"] * update_counts[n]
            rng.shuffle(kinds)
            history.append(
                ActionChange(
                    action_id=action.pk,
                    field="created",
                    new_value=action.title,
                    changed_by=users[0],
                    changed_at=created_at,
                )
            )
            for k, (kind, moment) in enumerate(zip(kinds, moments, strict=True)):
                by = users[1 + (n + k) % (MEMBERS - 1)]
                if kind == "change":
                    field = CHANGED[k % len(CHANGED)]
                    old, new = change_values(field, k, users, goals, key_roles)
                    history.append(
                        ActionChange(
                            action_id=action.pk,
                            field=field,
                            old_value=old,
                            new_value=new,
                            changed_by=by,
                            changed_at=moment,
                        )
                    )
                else:
                    with_file = (n + k) % 10 == 0
                    progress.append(
                        ActionUpdate(
                            action_id=action.pk,
                            author=by,
                            text=UPDATES[(n + k) % len(UPDATES)],
                            link="https://www.lambeth.gov.uk/report" if (n + k) % 5 == 1 else "",
                            file=f"{collaborative.pk}/{action.pk}/{uuid.uuid4().hex}" if with_file else "",
                            file_name="notes-from-the-meeting.pdf" if with_file else "",
                            file_type="application/pdf" if with_file else "",
                            file_size=48_000 if with_file else None,
                            created_at=moment,
                        )
                    )
            if len(history) >= 10_000:
                ActionChange.objects.bulk_create(history, batch_size=5000)
                history = []
            if len(progress) >= 10_000:
                ActionUpdate.objects.bulk_create(progress, batch_size=5000)
                progress = []
        ActionChange.objects.bulk_create(history, batch_size=5000)
        ActionUpdate.objects.bulk_create(progress, batch_size=5000)
    return collaborative, users


def change_values(field: str, k: int, users: list[User], goals: list[Goal], key_roles: list[KeyRole]) -> tuple:
    """An old and a new value of `field`, as the history stores them (ids for people and records, ISO dates)."""
    if field == "status":
        return Action.Status.OPEN.value, Action.Status.IN_PROGRESS.value
    if field == "due_on":
        day = timezone.localdate() + timedelta(days=k)
        return day.isoformat(), (day + timedelta(days=14)).isoformat()
    if field == "owner":
        return str(users[1 + k % (MEMBERS - 1)].pk), str(users[1 + (k + 1) % (MEMBERS - 1)].pk)
    if field == "supporters":
        return str(users[2].pk), f"{users[2].pk},{users[3 + k % (MEMBERS - 3)].pk}"
    if field == "goal":
        return "", str(goals[k % len(goals)].pk)
    if field == "key_role":
        return "", str(key_roles[k % len(key_roles)].pk)
    if field == "organisation":
        return ORGANISATIONS[k % len(ORGANISATIONS)], ORGANISATIONS[(k + 1) % len(ORGANISATIONS)]
    return "An earlier wording.", "A better wording, after the meeting."


def build() -> dict[str, tuple[Collaborative, list[User]]]:
    built = {
        "small": fill("small", SMALL, SMALL * 10, SMALL * 2),
        "large": fill("large", args.actions, args.changes, args.updates),
    }
    if connection.vendor == "postgresql":
        # As autovacuum would soon after a bulk load: without statistics the planner guesses.
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE actions_action, actions_actionchange, actions_actionupdate, "
                "actions_action_supporters, members_user, members_membership"
            )
    return built


def describe(size: str, collaborative: Collaborative) -> None:
    actions = Action.objects.filter(collaborative=collaborative)
    changes = ActionChange.objects.filter(action__collaborative=collaborative).count()
    updates = ActionUpdate.objects.filter(action__collaborative=collaborative).count()
    supporters = Supporter.objects.filter(action__collaborative=collaborative).count()
    by_status = dict(actions.order_by().values_list("status").annotate(n=Count("id")))
    overdue = actions.overdue(timezone.localdate()).count()
    print(
        f"  {size}: {actions.count():,} actions ({', '.join(f'{k} {v:,}' for k, v in sorted(by_status.items()))}; "
        f"{overdue:,} overdue), {changes:,} history rows, {updates:,} updates, {supporters:,} supporters"
    )


# --- Requests -----------------------------------------------------------------------------


def time_requests(client: Client, url: str, runs: int) -> tuple[list[float], list[float], int, bytes]:
    """(milliseconds for each of `runs` requests, this process's CPU milliseconds for each, the
    query count, the last response's body)."""
    response = client.get(url)  # Warm up: session, templates.
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
    return times, cpu, len(queries.captured_queries), response.content


def download(client: Client, url: str) -> tuple[float, float, bytes]:
    """Seconds from the request until the last byte has been read, this process's CPU seconds, and the body."""
    started, started_cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.headers.get("Location"))
    # The test client closes a streamed response once it has been read to the end.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return time.perf_counter() - started, time.process_time() - started_cpu, body


def time_downloads(client: Client, url: str, runs: int) -> tuple[list[float], list[float], int, bytes]:
    """(seconds for each of `runs` downloads, CPU seconds for each, the query count of one read to the end,
    the body)."""
    download(client, url)  # Warm up.
    times, cpu = [], []
    for _ in range(runs):
        seconds, cpu_seconds, body = download(client, url)
        times.append(seconds)
        cpu.append(cpu_seconds)
    with CaptureQueriesContext(connection) as queries:
        download(client, url)
    return times, cpu, len(queries.captured_queries), body


def measure() -> tuple[bool, bool, bool]:
    clean()
    started = time.perf_counter()
    built = build()
    print(f"  built in {time.perf_counter() - started:.1f} s")
    for size, (collaborative, _users) in built.items():
        describe(size, collaborative)

    clients = {}
    for size, (_collaborative, users) in built.items():
        clients[size] = Client()
        clients[size].force_login(users[1])  # A member.

    print(f"\n  The log page (actions:log), as a member, {args.runs} requests each:")
    medians, counts = {}, {}
    for label, params in PAGES.items():
        for size, (collaborative, _users) in built.items():
            url = reverse("actions:log", kwargs={"slug": collaborative.slug}) + params
            times, cpu, queries, body = time_requests(clients[size], url, args.runs)
            medians[label, size], counts[label, size] = statistics.median(times), queries
            shown = re.search(r'<p id="action-count" role="status">([\d,]+) actions?[.,]', body.decode()).group(1)
            print(
                f"  {label:<18} {size:<5} median {medians[label, size]:6.1f} ms, min {min(times):6.1f}, "
                f"max {max(times):6.1f} (CPU median {statistics.median(cpu):5.1f} ms), "
                f"{queries} queries, {len(body) / 1024:.0f} KiB, {shown} actions",
                flush=True,
            )

    print(f"\n  The whole log downloaded, {args.export_runs} downloads each:")
    export_medians, export_counts = {}, {}
    for name, what in (("actions:export_csv", "CSV"), ("actions:export_xlsx", "Excel")):
        for size, (collaborative, _users) in built.items():
            url = reverse(name, kwargs={"slug": collaborative.slug})
            times, cpu, queries, body = time_downloads(clients[size], url, args.export_runs)
            if what == "CSV":
                rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
            else:
                rows = list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))
            expected = Action.objects.filter(collaborative=collaborative).count()
            assert len(rows) == expected + 1, f"{what}: {len(rows) - 1} rows, not {expected}"
            export_medians[what, size], export_counts[what, size] = statistics.median(times), queries
            print(
                f"  {what:<5} {size:<5} median {statistics.median(times):6.2f} s, min {min(times):6.2f}, "
                f"max {max(times):6.2f} (CPU median {statistics.median(cpu):5.2f} s), {queries} queries, "
                f"{len(rows) - 1:,} rows, {len(body) / 1024:,.0f} KiB",
                flush=True,
            )
    clean()

    fast = all(medians[label, "large"] < PAGE_TARGET_MS for label in PAGES)
    constant = all(counts[label, "small"] == counts[label, "large"] for label in PAGES)
    csv_fast = export_medians["CSV", "large"] < CSV_TARGET_S
    print(
        f"\n  log page under {PAGE_TARGET_MS} ms with {args.actions:,} actions: {'met' if fast else 'NOT met'}; "
        f"queries the same with {SMALL} actions as with {args.actions:,}: {'yes' if constant else 'NO'}"
    )
    print(f"  CSV of all {args.actions:,} under {CSV_TARGET_S:.0f} s: {'met' if csv_fast else 'NOT met'}")
    both = [f"{what} {export_counts[what, 'small']} / {export_counts[what, 'large']}" for what in ("CSV", "Excel")]
    print(f"  export queries (small / large): {', '.join(both)}")
    return fast, constant, csv_fast


# --- Main ---------------------------------------------------------------------------------


def main() -> int:
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # As in production (DEBUG off).
    version = f"PostgreSQL {connection.pg_version // 10000}" if connection.vendor == "postgresql" else "SQLite"
    print(
        f"Action log benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()} "
        f"({os.cpu_count()} CPUs, Python {platform.python_version()}, {version}), "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    fast, constant, csv_fast = measure()
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} cores)")
    return 0 if fast and constant and csv_fast else 1


if __name__ == "__main__":
    sys.exit(main())
