"""Benchmark: a fan-out of email notifications through Redis and real Celery workers.

    .venv/bin/python bench/notifications_fanout.py [--messages 10000] [--workers 1,2]

Needs PostgreSQL and Redis. Without DATABASE_URL / REDIS_URL in the environment it uses
postgres://postgres@127.0.0.1:5432/lwc_bench (created if missing, then migrated) and
redis://127.0.0.1:6379/2. The database is wiped of notifications between runs, so it
must be a benchmark database: its name must contain "bench".

For each worker count it creates one Collaborative with N members, starts that many
`celery -A collaborative worker` processes on a queue of its own, queues one "welcome"
email per member in one transaction and times from the commit until a local SMTP sink
(tests/smtp_sink.py, a real aiosmtpd server in this process) holds N emails and the
database N rows marked sent. Then it checks each member got exactly one email.

Last, with no worker running, it claims fresh backlogs of pending rows with
messages_claim() and counts the queries each claimed batch costs: the number must not
depend on the size of the backlog or of the batch.

See bench/README.md for figures.
"""

import argparse
import logging
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import mean
from unittest import mock

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))
from _database import ensure_database, ensure_redis  # noqa: E402 (bench/ is the script's folder, so on the path)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lwc_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"
TARGET_WORKERS = 2
TARGET_RATE = 200.0  # messages per second with TARGET_WORKERS workers
BENCH_EMAIL_DOMAIN = "bench.invalid"
RUN_TAG = uuid.uuid4().hex[:8]
QUEUE = f"bench-notifications-{RUN_TAG}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000, help="messages per run (default 10000)")
    parser.add_argument("--workers", default="1,2", help="worker process counts to run, e.g. 1,2 (default)")
    parser.add_argument(
        "--scan-sizes", default="2000,10000", help="backlogs for the query count of a claim (default 2000,10000)"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for one run (default 300)")
    args = parser.parse_args()
    args.worker_counts = [int(part) for part in args.workers.split(",") if part.strip()]
    args.scan_sizes = [int(part) for part in args.scan_sizes.split(",") if part.strip()]
    if args.messages < 1 or not args.worker_counts or min(args.worker_counts) < 1:
        parser.error("--messages and every --workers count must be at least 1")
    return args


# --- Services: PostgreSQL and Redis, before Django is set up ---------------------------


def configure_environment() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ["CELERY_QUEUE"] = QUEUE
    # The benchmark's own cache namespace, so that it shares nothing with a running site.
    os.environ["CACHE_KEY_PREFIX"] = f"bench-{RUN_TAG}"
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collaborative.settings")


configure_environment()
args = parse_args()
db_config = ensure_database()
if "postgresql" not in db_config["ENGINE"]:
    sys.exit(f"DATABASE_URL must name a PostgreSQL database, not {db_config['ENGINE']}.")
ensure_redis()

import django  # noqa: E402

django.setup()
# The SMTP sink runs in this process; aiosmtpd logs every command at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from collaborative.celery import app as celery_app  # noqa: E402
from members.emails import WELCOME  # noqa: E402
from members.models import Collaborative, Membership, User  # noqa: E402
from notifications import delivery, services, tasks  # noqa: E402
from notifications.models import Message, Preference  # noqa: E402
from tests.smtp_sink import SMTPSink  # noqa: E402

# --- Data ---------------------------------------------------------------------------------


def clean() -> None:
    """Empty the outbox and remove the benchmark's people and Collaboratives."""
    tables = [Message._meta.db_table, Preference._meta.db_table]
    users, memberships = User._meta.db_table, Membership._meta.db_table
    collaboratives = Collaborative._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
        cursor.execute(
            f"DELETE FROM {memberships} WHERE user_id IN (SELECT id FROM {users} WHERE email LIKE %s)",
            [f"%@{BENCH_EMAIL_DOMAIN}"],
        )
        cursor.execute(f"DELETE FROM {users} WHERE email LIKE %s", [f"%@{BENCH_EMAIL_DOMAIN}"])
        cursor.execute(
            f"DELETE FROM {memberships} WHERE collaborative_id IN (SELECT id FROM {collaboratives} WHERE slug LIKE %s)",
            ["bench-%"],
        )
        cursor.execute(f"DELETE FROM {collaboratives} WHERE slug LIKE %s", ["bench-%"])


def create_people(count: int) -> tuple[Collaborative, list[User]]:
    tag = uuid.uuid4().hex[:8]
    collaborative = Collaborative.objects.create(
        name=f"Bench Living Well Collaborative {tag}",
        slug=f"bench-{tag}",
        area="Benchmark",
        description="A Collaborative made up for the fan-out benchmark.",
    )
    users = User.objects.bulk_create(
        [
            User(
                email=f"member{i:06d}-{tag}@{BENCH_EMAIL_DOMAIN}",
                display_name=f"Bench Member {i:06d} {tag}",
                password="!",  # No password: the account cannot log in.
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [Membership(user=user, collaborative=collaborative, status=Membership.Status.ACTIVE) for user in users],
        batch_size=2000,
    )
    return collaborative, users


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


# --- Workers ------------------------------------------------------------------------------


def worker_environment(email_url: str) -> dict:
    host, port = db_config.get("HOST") or "127.0.0.1", db_config.get("PORT") or 5432
    password = db_config.get("PASSWORD") or ""
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db_config['USER']}:{password}@{host}:{port}/{db_config['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": email_url,
        "CELERY_QUEUE": QUEUE,
        "DEBUG": "true",
    }


def start_workers(count: int, email_url: str) -> tuple[list[subprocess.Popen], list[str]]:
    env = worker_environment(email_url)
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


# --- Where the CPU goes (Linux /proc; empty elsewhere) ---------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def postgres_backends() -> list[int]:
    """Server processes of the benchmark database (their title names it)."""
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {db_config['NAME']} " in title:
            pids.append(int(entry.name))
    return pids


def postmaster_reaped_cpu() -> float:
    """CPU of PostgreSQL processes that have exited (a backend per short connection), any database."""
    backends = postgres_backends()
    if not backends:
        return 0.0
    try:
        parent = int(Path(f"/proc/{backends[0]}/stat").read_text().rsplit(")", 1)[1].split()[1])
        fields = Path(f"/proc/{parent}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, ValueError):
        return 0.0
    return (int(fields[13]) + int(fields[14])) / CLOCK_TICKS


def database_sessions() -> int | None:
    """Connections ever opened to the benchmark database (PostgreSQL 14 and later)."""
    with connection.cursor() as cursor:
        try:
            cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        except django.db.DatabaseError:
            return None
        return cursor.fetchone()[0]


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


def cpu_snapshot(workers: list[subprocess.Popen]) -> dict:
    return {
        "machine": machine_busy(),
        "this": time.process_time(),
        "workers": {worker.pid: process_cpu(worker.pid) for worker in workers},
        "postgres": {pid: process_cpu(pid) for pid in postgres_backends()},
        "postgres_exited": postmaster_reaped_cpu(),
    }


def cpu_used(before: dict, after: dict) -> dict:
    """CPU seconds used between two snapshots, by part; "other" is Redis, the kernel and the rest."""
    used = {
        "workers": sum(cpu - before["workers"].get(pid, 0.0) for pid, cpu in after["workers"].items()),
        "this process (SMTP sink)": after["this"] - before["this"],
        "PostgreSQL": sum(cpu - before["postgres"].get(pid, 0.0) for pid, cpu in after["postgres"].items())
        + after["postgres_exited"]
        - before["postgres_exited"],
    }
    if before["machine"] is not None and after["machine"] is not None:
        machine = after["machine"] - before["machine"]
        used["other"] = max(0.0, machine - sum(used.values()))
        used["machine"] = machine
    return used


def print_cpu(used: dict, elapsed: float, messages: int) -> None:
    parts = ", ".join(
        f"{name} {seconds / elapsed:.2f} cores ({1000 * seconds / messages:.2f} ms/message)"
        for name, seconds in used.items()
    )
    print(f"  CPU ({os.cpu_count()} cores): {parts}", flush=True)


# --- Throughput ---------------------------------------------------------------------------


def settled_without_sending() -> str:
    """Why waiting is pointless: every row is settled but some were not sent ("" if not so)."""
    unsent = Message.objects.exclude(status=Message.Status.SENT)
    if unsent.filter(status__in=[Message.Status.PENDING, Message.Status.SENDING]).exists():
        return ""
    statuses = dict(unsent.order_by().values_list("status").annotate(n=Count("id")))
    errors = list(unsent.order_by().values_list("last_error", flat=True).distinct()[:3])
    return f"Messages not sent: {statuses}; errors: {errors}" if statuses else ""


def wait_for_delivery(sink: SMTPSink, messages: int, workers: list, t0: float, timeout: float) -> float:
    """Seconds from `t0` until the sink holds `messages` emails and as many rows are marked sent."""
    delivered, sent, last_check = 0, 0, t0
    while True:
        delivered = sink.count()
        if delivered >= messages:
            sent = Message.objects.filter(status=Message.Status.SENT).count()
            if sent >= messages:
                return time.perf_counter() - t0
        now = time.perf_counter()
        if now - t0 > timeout:
            raise RuntimeError(f"Timed out after {timeout:.0f} s: {delivered} delivered, {sent} marked sent.")
        if now - last_check >= 1:  # Once a second: look for dead workers and failed rows.
            last_check = now
            for worker in workers:
                if worker.poll() is not None:
                    raise RuntimeError(f"A worker died (exit code {worker.returncode}) after {delivered} emails.")
            if reason := settled_without_sending():
                raise RuntimeError(reason)
            if int(now - t0) % 5 == 0:
                print(f"  {now - t0:5.1f} s: {delivered} delivered", flush=True)
        time.sleep(0.02)


def run_fanout(messages: int, worker_count: int, timeout: float) -> dict:
    clean()
    purge_queue()
    collaborative, users = create_people(messages)
    load = background_load()
    if load is None:
        busy = ""
    else:
        busy = f"; other work on the machine: {load:.2f} cores"
        if load > 0.2:
            busy += " (busy: the figures will be low)"
    print(f"\n{worker_count} worker(s), {messages} messages: {len(users)} members ready{busy}", flush=True)
    sink = SMTPSink().start()
    workers = []
    try:
        workers, names = start_workers(worker_count, sink.url)
        started = time.monotonic()
        wait_until_ready(workers, names)
        print(f"  workers ready in {time.monotonic() - started:.1f} s", flush=True)

        committed = {}
        sessions = database_sessions()

        def start_clock() -> None:
            committed["cpu"] = cpu_snapshot(workers)
            committed["at"] = time.perf_counter()

        with transaction.atomic():
            # Registered first, so it runs first at commit: the clock starts before the
            # dispatch task is sent.
            transaction.on_commit(start_clock)
            services.messages_queue(
                recipients=users,
                collaborative=collaborative,
                kind=WELCOME,
                about=collaborative,
                occasion=f"bench-{RUN_TAG}",
            )
        t0 = committed["at"]

        elapsed = wait_for_delivery(sink, messages, workers, t0, timeout)
        cpu = cpu_used(committed["cpu"], cpu_snapshot(workers))
        connections = None if sessions is None else database_sessions() - sessions
        time.sleep(1)  # Anything sent twice would arrive now.

        per_recipient = sink.per_recipient()
        duplicates = {address: n for address, n in per_recipient.items() if n != 1}
        expected = {user.email for user in users}
        assert sink.count() == messages, f"The sink holds {sink.count()} emails, not {messages}."
        assert not duplicates, f"Sent more than once: {list(duplicates.items())[:5]}"
        assert set(per_recipient) == expected, "The emails did not go to exactly the members."
        statuses = dict(Message.objects.order_by().values_list("status").annotate(n=Count("id")))
        assert statuses == {Message.Status.SENT: messages}, f"Outbox statuses: {statuses}"
        rate = messages / elapsed
        print(f"  {messages} sent exactly once in {elapsed:.2f} s: {rate:.0f} messages/s", flush=True)
        print_cpu(cpu, elapsed, messages)
        if connections is not None:
            tasks_run = math.ceil(messages / delivery.SEND_CHUNK) + 1
            print(f"  PostgreSQL connections opened during the run: {connections} (for about {tasks_run} tasks)")
        return {
            "workers": worker_count,
            "messages": messages,
            "seconds": elapsed,
            "rate": rate,
            "cpu": cpu,
            "background": load,
        }
    finally:
        stop_workers(workers)
        sink.stop()
        purge_queue()


# --- Query cost of the claim --------------------------------------------------------------


def pending_backlog(size: int) -> datetime:
    """`size` pending rows due at a moment just ahead, so that no dispatch task is queued."""
    clean()
    collaborative, users = create_people(size)
    due_at = timezone.now() + timedelta(seconds=1)
    with transaction.atomic():
        services.messages_queue(
            recipients=users, collaborative=collaborative, kind=WELCOME, about=collaborative, due_at=due_at
        )
    return due_at + timedelta(seconds=1)


# Django logs these too; they are the transaction around the claim, not queries.
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def measure_claim(size: int) -> dict:
    now = pending_backlog(size)
    batches = []
    while True:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            _claim, ids = delivery.messages_claim(now=now)
            seconds = time.perf_counter() - started
        if not ids:
            empty_queries = len(queries)
            break
        statements = [query["sql"].split(None, 1)[0].upper() for query in queries.captured_queries]
        batches.append(
            {
                "rows": len(ids),
                "queries": len(queries),
                "data_queries": sum(statement not in TRANSACTION_CONTROL for statement in statements),
                "statements": " + ".join(statements),
                "seconds": seconds,
            }
        )
    claimed = sum(batch["rows"] for batch in batches)
    assert claimed == size, f"Claimed {claimed} of {size} rows."

    # The whole scan, as the worker runs it, with the send tasks caught instead of queued.
    Message.objects.update(status=Message.Status.PENDING, claim="", claimed_at=None)
    with (
        mock.patch.object(tasks.send_messages_task, "delay") as delay,
        CaptureQueriesContext(connection) as scan_queries,
    ):
        total = delivery.messages_dispatch(hand_out=tasks.send_messages_task.delay, now=now)
    assert total == size, f"The scan claimed {total} of {size} rows."
    assert delay.call_count == math.ceil(size / delivery.SEND_CHUNK)
    clean()
    return {
        "backlog": size,
        "batches": len(batches),
        "queries_per_batch": sorted({batch["queries"] for batch in batches}),
        "data_queries_per_batch": sorted({batch["data_queries"] for batch in batches}),
        "statements": sorted({batch["statements"] for batch in batches}),
        "empty_claim_queries": empty_queries,
        "ms_per_batch": 1000 * mean(batch["seconds"] for batch in batches),
        "ms_first_batch": 1000 * batches[0]["seconds"],
        "ms_last_batch": 1000 * batches[-1]["seconds"],
        "scan_queries": len(scan_queries),
        "scan_batches": math.ceil((size + 1) / delivery.CLAIM_BATCH),
    }


# --- Main ---------------------------------------------------------------------------------


def main() -> int:
    call_command("migrate", interactive=False, verbosity=0)
    print(
        f"Notifications fan-out benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"PostgreSQL {connection.pg_version // 10000}), queue {QUEUE}"
    )
    results = []
    try:
        for worker_count in args.worker_counts:
            results.append(run_fanout(args.messages, worker_count, args.timeout))
        print("\nClaim cost (no workers running; claim batch", delivery.CLAIM_BATCH, "rows):")
        claims = [measure_claim(size) for size in args.scan_sizes]
    finally:
        clean()
        delete_queue()

    for row in claims:
        print(
            f"  backlog {row['backlog']:>6}: {row['batches']} batches; per batch {row['queries_per_batch']} "
            f"statements ({' | '.join(row['statements'])}), of them {row['data_queries_per_batch']} queries; "
            f"{row['ms_per_batch']:.1f} ms per batch (first {row['ms_first_batch']:.1f}, "
            f"last {row['ms_last_batch']:.1f}); the final empty claim {row['empty_claim_queries']} statements; "
            f"whole scan (messages_dispatch) {row['scan_queries']} statements for {row['scan_batches']} claims"
        )
    per_batch = {(tuple(row["queries_per_batch"]), tuple(row["data_queries_per_batch"])) for row in claims}
    constant = len(per_batch) == 1 and all(len(counts) == 1 for counts in next(iter(per_batch)))
    print(f"  queries per batch constant across backlogs: {'yes' if constant else 'NO'}")

    print(
        f"\n{'workers':>7} {'messages':>8} {'seconds':>8} {'msg/s':>7} {'other load':>10}  "
        f"target (>= {TARGET_RATE:.0f}/s with {TARGET_WORKERS} workers)"
    )
    met = True
    for row in results:
        if row["workers"] == TARGET_WORKERS:
            verdict = "met" if row["rate"] >= TARGET_RATE else "NOT MET"
            met = met and row["rate"] >= TARGET_RATE
        else:
            verdict = "-"
        background = "?" if row["background"] is None else f"{row['background']:.2f} cores"
        print(
            f"{row['workers']:>7} {row['messages']:>8} {row['seconds']:>8.2f} {row['rate']:>7.0f} "
            f"{background:>10}  {verdict}"
        )
    print(f"Queries per claim batch constant: {'yes' if constant else 'NO'}")
    return 0 if met and constant else 1


if __name__ == "__main__":
    sys.exit(main())
