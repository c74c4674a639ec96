"""Benchmark for issue 5: the meeting page with 200 RSVPs, and the reminders for a meeting of 500 members.

    .venv/bin/python bench/meetings.py [--runs 30] [--members 500] [--workers 1,2] [--sqlite | --page-only]

The meeting page: one Collaborative of 200 members with a venue, a meeting with 2 RSVPs and 2
agenda items and one with 200 RSVPs (coming, maybe, can't come, a waiting list; some with access
needs) and 20 agenda items (accepted, proposed, declined, withdrawn). Through Django's test
client (DEBUG off, no network) it asks for both pages as a facilitator, who sees names and needs,
and as a member, and prints the median and 90th percentile server time and the query count.

The reminders: a Collaborative of --members members and a meeting 8 days ahead. It times
reminders_queue() at the moment the 7-day reminder is due (generation), then the time until a
real Celery worker (a separate process, Redis as the broker) has sent every reminder, each with
its .ics, to an SMTP sink in this process (tests/smtp_sink.py), and checks that each member got
exactly one. This part needs PostgreSQL and Redis: with --sqlite only the meeting page is measured.

Without DATABASE_URL / REDIS_URL it uses postgres://postgres@127.0.0.1:5432/lwc_bench_meetings
(created if missing, then migrated) and redis://127.0.0.1:6379/2, or with --sqlite a file under
/tmp/lwc-bench-meetings. It deletes its own rows (Collaboratives "bench-…", people
"@bench.invalid"), so the database name must contain "bench".

The exit status is 0 when the meeting page uses as many queries with 200 RSVPs and 20 items as
with 2 and 2, for both viewers, with medians under 100 ms; and every reminder was delivered once.
See bench/README.md for figures.
"""

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

from _database import (
    configure_environment,
    ensure_database,
    ensure_redis,
)  # bench/ is the script's folder, so on the path.

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"
TARGET_MS = 100
BENCH_EMAIL_DOMAIN = "bench.invalid"
RUN_TAG = uuid.uuid4().hex[:8]
QUEUE = f"bench-meetings-{RUN_TAG}"
SIZES = {"small": (2, 2), "big": (200, 20)}  # RSVPs, agenda items


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="requests for each page and viewer (default 30)")
    parser.add_argument("--members", type=int, default=500, help="members of the reminded meeting (default 500)")
    parser.add_argument("--workers", default="1,2", help="worker counts for the reminders, e.g. 1,2 (default)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the reminders (default 300)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL: the meeting page only")
    parser.add_argument("--page-only", action="store_true", help="measure the meeting page only (no Redis needed)")
    args = parser.parse_args()
    args.worker_counts = [int(part) for part in args.workers.split(",") if part.strip()]
    if args.members < 1 or args.runs < 1 or not args.worker_counts or min(args.worker_counts) < 1:
        parser.error("--runs, --members and every --workers count must be at least 1")
    args.reminders = not (args.sqlite or args.page_only)
    return args


# --- Settings and services, before Django is set up ---------------------------------------


args = parse_args()
if args.reminders:
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
configure_environment("meetings", sqlite=args.sqlite, queue=QUEUE, run_tag=RUN_TAG)
db_config = ensure_database()
if args.reminders:
    if "postgresql" not in db_config["ENGINE"]:
        sys.exit("The reminders part needs PostgreSQL; use --sqlite or --page-only for the meeting page alone.")
    ensure_redis("\nUse --page-only to measure the meeting page alone.")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from collaborative.celery import app as celery_app  # noqa: E402
from meetings import services as meeting_services  # noqa: E402
from meetings.emails import MEETING_REMINDER  # noqa: E402
from meetings.models import Decision, Format, Meeting, MeetingSeries, Rsvp, Venue  # noqa: E402
from members.models import AccessNeed, Collaborative, Membership, User  # noqa: E402
from notifications import tasks as notification_tasks  # noqa: E402
from notifications.models import Message  # noqa: E402
from tests.smtp_sink import SMTPSink  # noqa: E402

# --- Data ---------------------------------------------------------------------------------


def clean() -> None:
    """Remove the benchmark's Collaboratives, with their meetings and outbox, and its people."""
    collaboratives = Collaborative.objects.filter(slug__startswith="bench-")
    Message.objects.filter(collaborative__in=collaboratives).delete()
    # Decisions protect their meeting; a meeting's other rows (RSVPs, agenda) go with it.
    Decision.objects.filter(meeting__collaborative__in=collaboratives).delete()
    Meeting.objects.filter(collaborative__in=collaboratives).delete()
    MeetingSeries.objects.filter(collaborative__in=collaboratives).delete()
    Venue.objects.filter(collaborative__in=collaboratives).delete()
    Membership.objects.filter(collaborative__in=collaboratives).delete()
    User.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}").delete()
    collaboratives.delete()


def create_people(collaborative: Collaborative, count: int, *, needs: bool = False) -> list[User]:
    """`count` members, the first a facilitator. With `needs`, some tell of access or dietary needs."""
    choices = AccessNeed.values
    users = User.objects.bulk_create(
        [
            User(
                email=f"person{n:05d}-{collaborative.slug}@{BENCH_EMAIL_DOMAIN}",
                display_name=f"Person {n:05d}",
                password="!",  # No password: the account cannot log in.
                access_needs=[choices[n % len(choices)], choices[(n + 2) % len(choices)]]
                if needs and n % 4 == 0
                else [],
                access_needs_other="Please keep a seat near the door for me." if needs and n % 10 == 3 else "",
            )
            for n in range(count)
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
    return users


def create_collaborative(label: str, *, capacity: int | None) -> tuple[Collaborative, Venue]:
    tag = uuid.uuid4().hex[:8]
    collaborative = Collaborative.objects.create(
        name=f"Bench {label} {tag}",
        slug=f"bench-{label}-{tag}",
        area="Benchmark",
        description="A Collaborative made up for the meetings benchmark.",
    )
    venue = Venue.objects.create(
        collaborative=collaborative,
        name="The Cafe on the Green",
        address="1 Green Lane\nKennington\nLondon SE11 4AA",
        map_link="https://www.openstreetmap.org/#map=19/51.4880/-0.1100",
        capacity=capacity,
        step_free=True,
        accessible_toilet=True,
        hearing_loop=True,
        access_notes="The ramp is at the side door on Green Lane. The 36 bus stops outside.",
    )
    return collaborative, venue


def schedule(collaborative: Collaborative, venue: Venue, by: User, days_ahead: int) -> Meeting:
    """A hybrid meeting at 10:00 local time, `days_ahead` days from today, as facilitators schedule it."""
    day = timezone.localdate(timezone.now(), ZoneInfo(collaborative.time_zone))
    return meeting_services.meeting_schedule(
        collaborative=collaborative,
        by=by,
        day=day + timedelta(days=days_ahead),
        start=clock(10, 0),
        end=clock(12, 30),
        title="Monthly meeting",
        format=Format.HYBRID,
        venue=venue,
        online_link="https://meet.example.org/bench-monthly",
        notes_for_members="Tea and cake from 9:45. Please tell us if you need a lift.",
    )


ANSWERS = [Rsvp.Answer.COMING, Rsvp.Answer.COMING, Rsvp.Answer.MAYBE, Rsvp.Answer.NOT_COMING]


def fill(meeting: Meeting, users: list[User], rsvps: int, items: int) -> None:
    """`rsvps` answers and `items` agenda items, through the services, as people give them.

    200 and 20 give 100 coming (20 of them on the waiting list, the venue having room for 80),
    50 maybe and 50 can't come; 10 items on the agenda, 7 proposed, 2 declined, 1 withdrawn.
    2 and 2 give the facilitator and a member coming, one item on the agenda and one proposed.
    """
    facilitator, member = users[0], users[1]
    for n, user in enumerate(users[:rsvps]):
        meeting_services.rsvp_set(meeting=meeting, user=user, answer=ANSWERS[n % len(ANSWERS)])
    proposals = 0
    for n in range(items):
        # Every third item is the facilitator's, straight on the agenda; the rest are proposals,
        # some by the member who views the page, so that "Items you proposed" shows too.
        if n % 3 == 0:
            by, k = facilitator, None
        else:
            k, proposals = proposals, proposals + 1
            by = member if k % 3 == 0 else users[2 + k]
        item = meeting_services.agenda_item_propose(
            meeting=meeting,
            by=by,
            accept=by == facilitator,
            title=f"Item {n + 1}: the community transport survey",
            description="What we heard from members about getting to appointments, and what to ask the council.",
            presenter=f"Person {n:05d}" if n % 2 else "",
            minutes=10 + n % 4 * 5,
        )
        if k is None or k % 4 in (0, 2):
            continue  # On the agenda, or left for the facilitators to decide.
        if k % 4 == 1:
            meeting_services.agenda_item_accept(item=item, by=facilitator)
        elif k % 8 == 3:
            meeting_services.agenda_item_decline(item=item, by=facilitator, reason="There is no time this month.")
        else:
            meeting_services.agenda_item_withdraw(item=item, by=by)
    if meeting.agenda_items.on_agenda().exists():
        meeting_services.agenda_publish(meeting=meeting, by=facilitator)


# --- The meeting page ---------------------------------------------------------------------


def percentile_90(times: list[float]) -> float:
    return sorted(times)[int(len(times) * 0.9) - 1]


def measure_page(runs: int) -> tuple[bool, bool]:
    clean()
    collaborative, venue = create_collaborative("page", capacity=80)
    # The emails this causes are not what is measured here: no task is queued for them.
    with mock.patch.object(notification_tasks.dispatch_messages_task, "delay"):
        users = create_people(collaborative, 200, needs=True)
        meetings = {}
        for days, (size, (rsvps, items)) in enumerate(SIZES.items(), start=10):
            meetings[size] = schedule(collaborative, venue, users[0], days)
            fill(meetings[size], users, rsvps, items)
    Message.objects.filter(collaborative=collaborative).delete()
    for size, meeting in meetings.items():
        answers = dict(meeting.rsvps.order_by().values_list("answer").annotate(n=Count("id")))
        waiting = meeting.rsvps.filter(waiting=True).count()
        statuses = dict(meeting.agenda_items.order_by().values_list("status").annotate(n=Count("id")))
        print(f"  {size} meeting: RSVPs {answers} ({waiting} of them waiting); agenda items {statuses}")

    viewers = {"facilitator": users[0], "member": users[1]}
    medians, counts = {}, {}
    for viewer, user in viewers.items():
        client = Client()
        client.force_login(user)
        for size, meeting in meetings.items():
            url = f"/c/{collaborative.slug}/meetings/{meeting.pk}/"
            response = client.get(url)  # Warm up: session, templates.
            assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            medians[viewer, size] = statistics.median(times)
            counts[viewer, size] = len(queries.captured_queries)
            rsvps, items = SIZES[size]
            print(
                f"  {viewer:<11} {rsvps:>3} RSVPs, {items:>2} items: median {medians[viewer, size]:6.1f} ms, "
                f"p90 {percentile_90(times):6.1f} ms, {counts[viewer, size]} queries, "
                f"{len(response.content) // 1024} KiB",
                flush=True,
            )
    clean()
    fast = all(medians[viewer, "big"] < TARGET_MS for viewer in viewers)
    constant = all(counts[viewer, "small"] == counts[viewer, "big"] for viewer in viewers)
    print(f"  target (under {TARGET_MS} ms with 200 RSVPs and 20 items): {'met' if fast else 'NOT met'}")
    print(f"  queries the same with 2 and 2 as with 200 and 20: {'yes' if constant else 'NO'}")
    return fast, constant


# --- Workers ------------------------------------------------------------------------------


def start_workers(count: int, email_url: str) -> tuple[list[subprocess.Popen], list[str]]:
    # The workers share this process's settings (database, Redis, queue, DEBUG off), with the sink for email.
    env = {**os.environ, "EMAIL_URL": email_url}
    workers, names = [], []
    for i in range(1, count + 1):
        name = f"bench{i}-{RUN_TAG}"
        command = [sys.executable, "-m", "celery", "-A", "collaborative", "worker"]
        command += ["--pool=solo", "--concurrency=1", "-l", "WARNING", "--without-mingle", "--without-gossip"]
        command += ["-n", f"{name}@%h", "--queues", QUEUE]
        # The banner goes to stdout; warnings and errors still show on stderr.
        workers.append(subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL))
        names.append(f"{name}@{socket.gethostname()}")
    return workers, names


def wait_until_ready(workers: list[subprocess.Popen], names: list[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    waiting = set(names)
    while waiting:
        for worker in workers:
            if worker.poll() is not None:
                raise RuntimeError(f"A worker exited before it was ready (exit code {worker.returncode}).")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Workers not ready after {timeout:.0f} s: {sorted(waiting)}")
        for reply in celery_app.control.ping(destination=sorted(waiting), timeout=1.0):
            waiting -= set(reply)


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def purge_queue() -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)


def delete_queue() -> None:
    """Remove the run's queue and kombu's bindings for it from Redis."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(client.scan_iter(match=f"*{QUEUE}*"))
    if keys:
        client.delete(*keys)


# --- Where the CPU goes (Linux /proc; nothing elsewhere) ------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy() -> float | None:
    """CPU seconds all cores have spent on anything but idling, since boot."""
    try:
        ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / CLOCK_TICKS  # all but idle and iowait


def background_load(seconds: float = 2.0) -> float | None:
    """Cores kept busy by other work while the benchmark is idle (other tests, say)."""
    before = machine_busy()
    time.sleep(seconds)
    after = machine_busy()
    return None if before is None or after is None else (after - before) / seconds


# --- Reminders ----------------------------------------------------------------------------


def wait_for_delivery(sink: SMTPSink, reminders, expected: int, workers: list, t0: float, timeout: float) -> float:
    """Seconds from `t0` until the sink holds `expected` emails and as many reminders are marked sent."""
    delivered, sent, last_check = 0, 0, t0
    while True:
        delivered = sink.count()
        if delivered >= expected:
            sent = reminders.filter(status=Message.Status.SENT).count()
            if sent >= expected:
                return time.perf_counter() - t0
        now = time.perf_counter()
        if now - t0 > timeout:
            raise RuntimeError(f"Timed out after {timeout:.0f} s: {delivered} delivered, {sent} marked sent.")
        if now - last_check >= 1:  # Once a second: look for dead workers and rows that will not be sent.
            last_check = now
            for worker in workers:
                if worker.poll() is not None:
                    raise RuntimeError(f"A worker died (exit code {worker.returncode}) after {delivered} emails.")
            settled = not reminders.filter(status__in=[Message.Status.PENDING, Message.Status.SENDING]).exists()
            if settled and reminders.exclude(status=Message.Status.SENT).exists():
                errors = list(reminders.exclude(status=Message.Status.SENT).values_list("status", "last_error")[:3])
                raise RuntimeError(f"Reminders not sent: {errors}")
        time.sleep(0.02)


def run_reminders(members: int, worker_count: int, timeout: float) -> dict:
    clean()
    purge_queue()
    collaborative, venue = create_collaborative("reminders", capacity=None)
    with mock.patch.object(notification_tasks.dispatch_messages_task, "delay"):
        users = create_people(collaborative, members)
        # 8 days ahead: the 7-day reminder is due tomorrow at 10:00, the 1-day one not yet.
        meeting = schedule(collaborative, venue, users[0], 8)
    Message.objects.filter(collaborative=collaborative).delete()
    # A third have said they are coming and a third maybe; no one "can't come", so everyone is reminded.
    answers = [Rsvp.Answer.COMING, Rsvp.Answer.MAYBE]
    Rsvp.objects.bulk_create(
        Rsvp(meeting=meeting, user=user, answer=answers[n % 3]) for n, user in enumerate(users) if n % 3 < 2
    )
    due = meeting_services.reminder_due(meeting, collaborative.first_reminder_days)
    load = background_load()
    busy = "" if load is None else f"; other work on the machine: {load:.2f} cores"
    if load is not None and load > 0.2:
        busy += " (busy: the figures will be low)"
    print(f"\n  {worker_count} worker(s), {members} members, reminder due {due:%Y-%m-%d %H:%M %Z}{busy}", flush=True)

    sink = SMTPSink().start()
    workers = []
    try:
        workers, names = start_workers(worker_count, sink.url)
        wait_until_ready(workers, names)
        cpu_before = {worker.pid: process_cpu(worker.pid) for worker in workers}
        this_before, machine_before = time.process_time(), machine_busy()

        # As beat runs it; the scan commits and sends the dispatch task before it returns.
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            queued = meeting_services.reminders_queue(now=due)
        generated = time.perf_counter() - t0
        assert queued == members, f"Queued {queued} reminders, not {members}."
        reminders = Message.objects.filter(collaborative=collaborative, kind=MEETING_REMINDER.key)
        delivery = wait_for_delivery(sink, reminders, members, workers, t0 + generated, timeout)
        each_worker = [process_cpu(pid) - cpu for pid, cpu in cpu_before.items()]
        worker_cpu = sum(each_worker)
        this_cpu = time.process_time() - this_before
        machine_after = machine_busy()
        machine = None if machine_after is None else (machine_after - machine_before) / (generated + delivery)

        # The scan again, as beat runs it every minute: nothing more to queue.
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as again_queries:
            again = meeting_services.reminders_queue(now=due)
        again_ms = (time.perf_counter() - started) * 1000
        assert again == 0, f"The second scan queued {again} more reminders."
        time.sleep(1)  # Anything sent twice would arrive now.

        received = sink.received
        per_recipient = sink.per_recipient()
        duplicates = {address: n for address, n in per_recipient.items() if n != 1}
        assert len(received) == members, f"The sink holds {len(received)} emails, not {members}."
        assert not duplicates, f"Sent more than once: {list(duplicates.items())[:5]}"
        assert set(per_recipient) == {user.email for user in users}, "The emails did not go to exactly the members."
        without_ics = [
            m["X-Envelope-To"]
            for m in received
            if not any(part.get_content_type() == "text/calendar" for part in m.walk())
        ]
        assert not without_ics, f"Reminders without the .ics: {without_ics[:5]}"
        statuses = dict(reminders.order_by().values_list("status").annotate(n=Count("id")))
        assert statuses == {Message.Status.SENT: members}, f"Reminder statuses: {statuses}"
        size = statistics.median(len(m.as_bytes()) for m in received[:50])

        total = generated + delivery
        print(
            f"  generation: reminders_queue() {generated * 1000:.0f} ms, {len(queries)} queries "
            f"(again, with nothing to queue: {again_ms:.0f} ms, {len(again_queries)} queries)"
        )
        print(
            f"  sending: {members} reminders sent exactly once, each with its .ics (about {size / 1024:.0f} KiB), "
            f"{delivery:.2f} s after the scan returned: {members / delivery:.0f} emails/s; "
            f"generate and send {total:.2f} s"
        )
        print(
            f"  CPU: workers {1000 * worker_cpu / members:.1f} ms per email "
            f"({' + '.join(f'{seconds:.1f}' for seconds in each_worker)} s), "
            f"this process (mostly the SMTP sink) {1000 * this_cpu / members:.1f} ms per email; "
            f"the machine was {'?' if machine is None else f'{machine:.2f}'} of its {os.cpu_count()} cores busy",
            flush=True,
        )
        return {
            "workers": worker_count,
            "members": members,
            "generation": generated,
            "queries": len(queries),
            "delivery": delivery,
            "rate": members / delivery,
            "total": total,
            "worker_ms": 1000 * worker_cpu / members,
            "background": load,
        }
    finally:
        stop_workers(workers)
        sink.stop()
        purge_queue()
        clean()


# --- Main ---------------------------------------------------------------------------------


def main() -> int:
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # As in production (DEBUG off).
    version = f"PostgreSQL {connection.pg_version // 10000}" if connection.vendor == "postgresql" else "SQLite"
    print(
        f"Meetings benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()} "
        f"({os.cpu_count()} CPUs, Python {platform.python_version()}, {version}), "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"\nThe meeting page, {args.runs} requests for each page and viewer:")
    fast, constant = measure_page(args.runs)

    results = []
    if args.reminders:
        print(f"\nReminders for a meeting of {args.members} members (queue {QUEUE}):")
        try:
            results = [run_reminders(args.members, count, args.timeout) for count in args.worker_counts]
        finally:
            delete_queue()
        print(f"\n  {'workers':>7} {'members':>7} {'generation':>10} {'sending':>8} {'emails/s':>8} {'total':>7}")
        for row in results:
            print(
                f"  {row['workers']:>7} {row['members']:>7} {row['generation'] * 1000:>8.0f} ms "
                f"{row['delivery']:>6.2f} s {row['rate']:>8.0f} {row['total']:>5.2f} s"
            )
    else:
        print("\nReminders: not measured. They need PostgreSQL and Redis: run without --sqlite and --page-only.")
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} cores)")
    return 0 if fast and constant else 1


if __name__ == "__main__":
    sys.exit(main())
