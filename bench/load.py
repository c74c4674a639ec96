"""Benchmark for issue 14: every key page under load, beside a bare Django page on the same stack.

    .venv/bin/python bench/load.py [--quick] [--duration 10] [--pages home,log] [--reseed]

Production's stack on this machine: the project under gunicorn (3 sync workers, DEBUG off, a
SECRET_KEY, ALLOWED_HOSTS, PostgreSQL from DATABASE_URL, Redis from REDIS_URL as cache and
broker, static files collected into a temporary folder and served by whitenoise), and beside it
the floor app (bench/floor/: a bare Django 5.2 project with the standard middleware and one
signed-in page of 5 queries and a 20-row table) under the same gunicorn, on the same PostgreSQL
server.

The data: bench/actions.py's large Collaborative (60 members, 10,000 actions, 100,000 history
rows, 20,000 progress updates, 12 goals, 20 meetings, made by its own functions), plus 2,000
members with perspectives, 4 more meetings (24 in all) with RSVPs on those to come, and one
self-assessment round that 300 people answered, closed and counted (bench/vision.py's
add_round). Seeding takes a minute or two, so the seeded database is kept as a template
(DATABASE_URL's name + "_seed") and each run starts from a copy of it (CREATE DATABASE …
TEMPLATE …). The template is made again when the migrations, bench/actions.py, bench/vision.py,
SEED_VERSION or the day change, or with --reseed.

For each key page, signed in as a member (the overview as a commissioner whose session gave
its two-step code), it runs Debian's wrk (`wrk -t1 -c16 -d10s --latency`) on the floor page and
straight after on the key page, and prints req/s, p50 and p99 latency, the page's HTML size,
its query count (one request through Django's test client in this process, with DEBUG off,
under CaptureQueriesContext, after a first request that warms the caches) and the ratio of its
req/s to the floor page's req/s just before, with the issue's targets as pass/fail columns. --quick
runs wrk for 3 seconds a page instead of 10.

Without DATABASE_URL / REDIS_URL it uses postgres://postgres@127.0.0.1:5432/lwc_bench_load
(made from the template each run; the floor app's database is …_floor) and
redis://127.0.0.1:6379/2 with a cache prefix of its own. The database name must contain
"bench": the benchmark drops and makes it again.

The exit status is 0 when every page meets every target, 1 otherwise. See bench/README.md.
"""

import argparse
import hashlib
import http.client
import importlib.util
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from _database import configure_environment, ensure_redis  # bench/ is the script's folder, so on the path.

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(PROJECT_DIR))

# Change it when the seed below changes, so that the kept template is made again.
SEED_VERSION = 1
EXTRA_MEMBERS = 2_000
RESPONDENTS = 300
MEETINGS = 24
WORKERS = 3
# The targets: req/s at least this share of the floor page's; p99 and HTML size at most.
RATIO_TARGET, RATIO_TARGET_LOG = 0.33, 0.2
P99_TARGET_MS = 150
HTML_TARGET_BYTES = 60_000
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"
RUN_TAG = uuid.uuid4().hex[:8]
PAGE_NAMES = ["home", "meetings", "meeting", "action", "log", "log-filtered"]
PAGE_NAMES += ["directory", "table", "vision", "results", "overview"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 seconds of wrk a page instead of 10")
    parser.add_argument("--duration", type=int, default=None, help="seconds of wrk a page (default 10, 3 with --quick)")
    parser.add_argument("--connections", type=int, default=16, help="wrk's connections (default 16)")
    parser.add_argument("--pages", default=",".join(PAGE_NAMES), help=f"some of {','.join(PAGE_NAMES)} (default all)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if the kept template is current")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="with FRESH_PARTS=false: no part of a page kept ready-made, every page made afresh on every request",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="no servers or wrk: N requests a page in this process under cProfile, with the slowest functions",
    )
    args = parser.parse_args()
    args.duration = args.duration or (3 if args.quick else 10)
    args.pages = [name.strip() for name in args.pages.split(",") if name.strip()]
    unknown = set(args.pages) - set(PAGE_NAMES)
    if unknown or args.duration < 1 or args.connections < 1:
        parser.error(f"unknown pages {sorted(unknown)}" if unknown else "--duration and --connections at least 1")
    if not shutil.which("wrk"):
        parser.error("wrk is needed: apt-get install -y wrk")
    return args


# --- Settings and the database, before Django is set up -----------------------------------


args = parse_args()
os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
# Static files are collected here, and the servers' logs kept, for the length of the run.
TEMPORARY_VAR_DIR = "VAR_DIR" not in os.environ
if TEMPORARY_VAR_DIR:
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="lwc-bench-load-")
configure_environment("load", sqlite=False, queue=f"bench-load-{RUN_TAG}", run_tag=RUN_TAG, fresh_parts=not args.cold)
os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
ensure_redis()

import environ  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

DB = environ.Env.db_url_config(os.environ["DATABASE_URL"])
if "postgresql" not in DB["ENGINE"] or "bench" not in DB["NAME"]:
    sys.exit(f"Use a PostgreSQL database named *bench* (it is dropped and made again), not {DB['NAME']!r}.")
SEED_DB, FLOOR_DB = f"{DB['NAME']}_seed", f"{DB['NAME']}_floor"
FLOOR_DATABASE_URL = os.environ.get(
    "FLOOR_DATABASE_URL",
    f"postgres://{DB.get('USER') or 'postgres'}@{DB.get('HOST') or '127.0.0.1'}:{DB.get('PORT') or 5432}/{FLOOR_DB}",
)


def admin_connection() -> psycopg.Connection:
    return psycopg.connect(
        host=DB.get("HOST") or "127.0.0.1",
        port=DB.get("PORT") or 5432,
        user=DB.get("USER") or "postgres",
        password=DB.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def drop_database(conn: psycopg.Connection, name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def fingerprint() -> str:
    """What the seeded data depends on: the migrations, the seeding code, the versions and the day
    (dates are relative to today: due dates, the next meeting, the closed round)."""
    import allauth
    import django

    digest = hashlib.sha256(f"{SEED_VERSION} {django.__version__} {allauth.__version__} {date.today()}".encode())
    files = [*sorted(PROJECT_DIR.glob("*/migrations/*.py")), BENCH_DIR / "actions.py", BENCH_DIR / "vision.py"]
    for path in files:
        digest.update(str(path.relative_to(PROJECT_DIR)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def database_from_template() -> bool:
    """DATABASE_URL's database afresh: a copy of the kept template if it is current (True), else empty (False)."""
    wanted = fingerprint()
    with admin_connection() as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [SEED_DB]
        ).fetchone()
        drop_database(conn, DB["NAME"])
        if row and row[0] == wanted and not args.reseed:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(DB["NAME"]), sql.Identifier(SEED_DB))
            )
            return True
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB["NAME"])))
        return False


def keep_as_template() -> None:
    """Copy the freshly seeded database to the template (no one may be connected to it meanwhile)."""
    with admin_connection() as conn:
        drop_database(conn, SEED_DB)
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(SEED_DB), sql.Identifier(DB["NAME"]))
        )
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(SEED_DB), sql.Literal(fingerprint()))
        )


def floor_database() -> None:
    with admin_connection() as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [FLOOR_DB]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(FLOOR_DB)))


started_at = time.perf_counter()
from_template = database_from_template()
floor_database()
# The environment the servers get: the settings above, before the seeding modules change theirs.
SERVER_ENV = dict(os.environ)

import django  # noqa: E402

django.setup()  # The settings are read now, so the seeding modules' own settings below do not apply.


def load_bench_module(name: str):
    """bench/<name>.py as a module (its name would clash with the app of the same name); it sets
    itself up as a script would, reading its default arguments."""
    argv, sys.argv = sys.argv, [str(BENCH_DIR / f"{name}.py")]
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH_DIR / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.argv = argv
    return module


bench_actions = load_bench_module("actions")
bench_vision = load_bench_module("vision")

from allauth.account.internal.flows.login import clear_authentication_records, record_authentication  # noqa: E402
from allauth.mfa.models import Authenticator  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from actions.models import Action, ActionChange, ActionUpdate  # noqa: E402
from meetings.models import Format, Meeting, Rsvp  # noqa: E402
from meetings.selectors import next_meeting_for  # noqa: E402
from members.models import Collaborative, Membership, Perspective, User, Visibility  # noqa: E402
from notifications.models import Message  # noqa: E402
from vision import services as vision_services  # noqa: E402
from vision.models import Round  # noqa: E402

SLUG = "bench-load"
COMMISSIONER_EMAIL = "commissioner@bench.invalid"

# --- Data ---------------------------------------------------------------------------------


def seed() -> None:
    """The large Collaborative of bench/actions.py, with 2,000 more members, 24 meetings and a counted round."""
    collaborative, users = bench_actions.fill("large", 10_000, 100_000, 20_000)
    Collaborative.objects.filter(pk=collaborative.pk).update(slug=SLUG, name="Lambeth Living Well (benchmark)")
    collaborative.refresh_from_db()
    perspectives = Perspective.values
    visibilities = [Visibility.MEMBERS] * 5 + [Visibility.FACILITATORS, Visibility.NOBODY]
    organisations = bench_actions.ORGANISATIONS
    more = User.objects.bulk_create(
        [
            User(
                email=f"member{n:05d}@bench.invalid",
                display_name=f"Member {n:05d}",
                password="!",  # No password: signed in by a session made below.
                organisation=organisations[n % len(organisations)] if n % 3 else "",
                perspectives=[perspectives[n % len(perspectives)]]
                + ([perspectives[(n * 3 + 1) % len(perspectives)]] if n % 3 == 0 and n % 7 != 3 else []),
                perspectives_visibility=visibilities[n % len(visibilities)],
            )
            for n in range(EXTRA_MEMBERS)
        ],
        batch_size=1000,
    )
    Membership.objects.bulk_create(
        [Membership(user=user, collaborative=collaborative, role=Membership.Role.MEMBER) for user in more],
        batch_size=1000,
    )
    users = users + more

    # bench/actions.py makes 20 meetings 28 days apart, the 16th today at 10:00; 4 more after them.
    meetings = list(Meeting.objects.filter(collaborative=collaborative).order_by("starts_at"))
    last = meetings[-1]
    meetings += Meeting.objects.bulk_create(
        [
            Meeting(
                collaborative=collaborative,
                starts_at=last.starts_at + timedelta(days=28 * n),
                ends_at=last.ends_at + timedelta(days=28 * n),
                format=Format.ONLINE,
                online_link=last.online_link,
                created_by=users[0],
            )
            for n in range(1, MEETINGS - len(meetings) + 1)
        ]
    )
    # Answers to the meetings to come: 60 coming, 20 maybe, 20 can't come.
    answers = [Rsvp.Answer.COMING] * 60 + [Rsvp.Answer.MAYBE] * 20 + [Rsvp.Answer.NOT_COMING] * 20
    now = timezone.now()
    Rsvp.objects.bulk_create(
        [
            Rsvp(meeting=meeting, user=users[1 + (k * 7 + n) % (len(users) - 1)], answer=answer, updated_at=now)
            for n, meeting in enumerate(m for m in meetings if m.starts_at > now)
            for k, answer in enumerate(answers)
        ]
    )

    # A round that 300 people answered (the facilitator and 299 members), closed just now and counted.
    round = bench_vision.add_round(
        collaborative,
        users,
        title="Autumn 2026",
        opened_at=now - timedelta(days=14),
        respondents=RESPONDENTS,
        step=2,
    )
    vision_services.round_count(round=round)
    Message.objects.filter(collaborative=collaborative).delete()  # "A round has opened" emails: not measured.
    connection.close()  # VACUUM cannot run inside the transaction Django may hold.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # As autovacuum would soon after a bulk load.


def commissioner_for(collaborative: Collaborative) -> User:
    """A commissioner with an authenticator app (made each run: its secret is encrypted with SECRET_KEY)."""
    user = User.objects.create(email=COMMISSIONER_EMAIL, display_name="Commissioner", password="!")
    Membership.objects.create(user=user, collaborative=collaborative, role=Membership.Role.COMMISSIONER)
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return user


def signed_in(user: User) -> Client:
    """A client whose session signed in as `user` and, if they have an authenticator app, gave its
    code (as tests/conftest.py's force_login does it)."""
    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    clear_authentication_records(request)
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        record_authentication(request, user, "mfa", type=Authenticator.Type.TOTP)
    request.session.save()
    return client


def describe(collaborative: Collaborative) -> str:
    actions = Action.objects.filter(collaborative=collaborative)
    return (
        f"{Membership.objects.filter(collaborative=collaborative).count():,} members, {actions.count():,} actions, "
        f"{ActionChange.objects.filter(action__collaborative=collaborative).count():,} history rows, "
        f"{ActionUpdate.objects.filter(action__collaborative=collaborative).count():,} updates, "
        f"{Meeting.objects.filter(collaborative=collaborative).count()} meetings, "
        f"{Round.objects.filter(collaborative=collaborative).count()} closed round"
    )


@dataclass
class Page:
    name: str
    label: str
    url: str
    client: Client
    ratio_target: float
    viewer: str = "member"


def key_pages(collaborative: Collaborative, member: Client, commissioner: Client, membership: Membership) -> list[Page]:
    slug = {"slug": collaborative.slug}
    meeting = next_meeting_for(membership).meeting
    # The action with the longest history: the heaviest action page.
    action = (
        ActionChange.objects.filter(action__collaborative=collaborative)
        .values_list("action_id", flat=True)
        .annotate(n=Count("id"))
        .order_by("-n", "action_id")
        .first()
    )
    round = Round.objects.filter(collaborative=collaborative).order_by("-closes_at").first()
    pages = [
        Page("home", "Collaborative home", reverse("home:collaborative_home", kwargs=slug), member, RATIO_TARGET),
        Page("meetings", "meetings list", reverse("meetings:list", kwargs=slug), member, RATIO_TARGET),
        Page(
            "meeting",
            "the next meeting's page",
            reverse("meetings:detail", kwargs={**slug, "pk": meeting.pk}),
            member,
            RATIO_TARGET,
        ),
        Page(
            "action", "an action's page", reverse("actions:detail", kwargs={**slug, "pk": action}), member, RATIO_TARGET
        ),
        Page("log", "action log, unfiltered", reverse("actions:log", kwargs=slug), member, RATIO_TARGET_LOG),
        Page(
            "log-filtered",
            "action log, filtered",
            reverse("actions:log", kwargs=slug) + bench_actions.FILTERED,
            member,
            RATIO_TARGET_LOG,
        ),
        Page("directory", "members directory", reverse("members:directory", kwargs=slug), member, RATIO_TARGET),
        Page("table", "who's at the table", reverse("home:at_the_table", kwargs=slug), member, RATIO_TARGET),
        Page("vision", "vision", reverse("vision:home", kwargs=slug), member, RATIO_TARGET),
        Page(
            "results",
            "a closed round's results",
            reverse("vision:round", kwargs={**slug, "pk": round.pk}),
            member,
            RATIO_TARGET,
        ),
        Page(
            "overview",
            "actions overview",
            reverse("actions:dashboard", kwargs=slug),
            commissioner,
            RATIO_TARGET_LOG,
            viewer="commissioner",
        ),
    ]
    return [page for page in pages if page.name in args.pages]


def query_count(page: Page) -> int:
    """The queries of one request for the page, through the test client (DEBUG off), after a first
    request that warms what the first request after a start warms (templates, the cache)."""
    response = page.client.get(page.url)
    assert response.status_code == 200, (page.url, response.status_code, response.headers.get("Location"))
    with CaptureQueriesContext(connection) as queries:
        response = page.client.get(page.url)
    assert response.status_code == 200, (page.url, response.status_code)
    return len(queries.captured_queries)


def _by_place(stats) -> dict[str, float]:
    """cProfile's own time per function, added up by package (django.db, django.template, psycopg, our apps…)."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_calls, _primitive, own, _cumulative, _callers) in stats.stats.items():
        path = filename.replace("\\", "/")
        if "site-packages/" in path:
            parts = path.split("site-packages/", 1)[1].split("/")
            place = "/".join(parts[:2]) if parts[0] == "django" else parts[0]
        elif path.startswith(str(PROJECT_DIR)):
            place = "project: " + path[len(str(PROJECT_DIR)) + 1 :].split("/")[0]
        else:
            place = "python" if "/lib/python" in path or path.startswith("<") or path == "~" else path
        totals[place] = totals.get(place, 0.0) + own
    return totals


def profile(pages: list[Page], requests: int) -> int:
    """Where a page's time goes: `requests` requests through the test client under cProfile."""
    import cProfile
    import pstats

    for page in pages:
        query_count(page)  # Warm.
        started = time.perf_counter()
        for _ in range(requests):
            page.client.get(page.url)
        plain = (time.perf_counter() - started) / requests * 1000
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            page.client.get(page.url)
        profiler.disable()
        elapsed = (time.perf_counter() - started) / requests * 1000
        print(
            f"\n== {page.label}: {plain:.1f} ms a request ({elapsed:.1f} ms under the profiler), "
            f"{query_count(page)} queries"
        )
        with CaptureQueriesContext(connection) as queries:
            page.client.get(page.url)
        for query in queries.captured_queries:
            print(f"  {query['time']}s  {query['sql'][:400]}")
        stats = pstats.Stats(profiler)
        print("  own time by where the code lives (ms a request):")
        for place, seconds in sorted(_by_place(stats).items(), key=lambda pair: -pair[1])[:12]:
            print(f"    {seconds / requests * 1000:7.2f}  {place}")
        stats.sort_stats("tottime").print_stats(18)
        stats.sort_stats("cumulative").print_stats(45)
    return 0


# --- Servers and wrk ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app: str, chdir: Path, env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), app, "--chdir", str(chdir)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--worker-class", "sync"]
    process = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return process, port


def get(port: int, path: str, cookie: str = "", timeout: float = 60) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}"} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_until_up(process: subprocess.Popen, port: int, path: str, cookie: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
        try:
            status, _body = get(port, path, cookie, timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"gunicorn did not answer {path} in 60 s:\n{log.read_text()[-3000:]}")


def settle(port: int, path: str, cookie: str = "") -> None:
    """Wait until the server has answered every request wrk left in its queue: wrk stops at the end
    of its time, but the requests it sent are still in the listen queue and the workers go on with
    them (sync workers take connections in turn, so a new request waits behind them)."""
    for _ in range(2):
        get(port, path, cookie, timeout=300)
    time.sleep(0.5)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


@dataclass
class Load:
    rps: float
    p50: float
    p99: float
    requests: int
    timeouts: int  # Requests still unanswered when wrk stopped, or after --timeout.
    errors: int  # Answers other than 2xx or 3xx, and connections that failed.


def wrk(port: int, path: str, cookie: str, *, duration: int | None = None, connections: int | None = None) -> Load:
    duration, connections = duration or args.duration, connections or args.connections
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    # Time out no request before the run ends: a slow page's requests are counted, not dropped.
    command += [f"--timeout={duration}s", "-H", f"Cookie: sessionid={cookie}", f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    # wrk pads figures in seconds with a space: "     99%    1.42s ".
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    timeouts = re.search(r"timeout (\d+)", out)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    # No answer at all in the time: no latency either (wrk prints 0.00us).
    p50, p99 = (milliseconds(latency[p]) if requests and p in latency else float("nan") for p in ("50", "99"))
    return Load(rps, p50, p99, requests, int(timeouts.group(1)) if timeouts else 0, errors)


def cpu_busy(seconds: float = 2.0) -> float:
    """Cores busy over `seconds` (from /proc/stat), to tell a quiet machine from a busy one."""

    def sample() -> tuple[int, int]:
        fields = [int(n) for n in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, sum(fields)

    busy0, total0 = sample()
    time.sleep(seconds)
    busy1, total1 = sample()
    return (busy1 - busy0) / max(1, total1 - total0) * (os.cpu_count() or 1)


def mark(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def ms(value: float) -> str:
    """Milliseconds for the table; a dash when no request was answered in the time."""
    return "-" if value != value else f"{value:.0f}"  # NaN is the only value unequal to itself.


# --- Main ---------------------------------------------------------------------------------


def main() -> int:
    print(
        f"Load benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()} ({os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, PostgreSQL {connection.pg_version // 10000}, "
        f"Django {django.__version__}), "
        f"wrk -t1 -c{args.connections} -d{args.duration}s, gunicorn {WORKERS} sync workers",
        flush=True,
    )
    if args.cold:
        print("  --cold: FRESH_PARTS=false, every page made afresh on every request (nothing kept ready-made)")
    else:
        print("  parts of pages kept ready-made (collaborative.freshness): each page's first request makes them")
    if from_template:
        print(f"  database copied from the kept template {SEED_DB}", flush=True)
    else:
        call_command("migrate", interactive=False, verbosity=0)
        seeding = time.perf_counter()
        seed()
        print(f"  seeded in {time.perf_counter() - seeding:.0f} s; kept as the template {SEED_DB}", flush=True)
        connections.close_all()
        keep_as_template()
    call_command("collectstatic", "--noinput", verbosity=0)  # Into VAR_DIR, served by whitenoise.

    collaborative = Collaborative.objects.get(slug=SLUG)
    print(f"  {collaborative.name}: {describe(collaborative)}", flush=True)
    membership = Membership.objects.select_related("user", "collaborative").get(
        collaborative=collaborative, user__email__startswith="person00001-"
    )
    member = signed_in(membership.user)
    commissioner = signed_in(commissioner_for(collaborative))
    pages = key_pages(collaborative, member, commissioner, membership)
    cookies = {"member": member, "commissioner": commissioner}
    cookies = {viewer: client.cookies[settings.SESSION_COOKIE_NAME].value for viewer, client in cookies.items()}

    if args.profile:
        return profile(pages, args.profile)

    floor_env = {**SERVER_ENV, "FLOOR_DATABASE_URL": FLOOR_DATABASE_URL, "DJANGO_SETTINGS_MODULE": "floor.settings"}
    floor_env["PYTHONPATH"] = str(BENCH_DIR)
    floor_cookie, floor_queries = subprocess.run(
        [sys.executable, "-m", "floor.prepare"],
        cwd=BENCH_DIR,
        env=floor_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    var_dir = Path(SERVER_ENV["VAR_DIR"])
    project_log, floor_log = var_dir / "gunicorn-project.log", var_dir / "gunicorn-floor.log"
    project, project_port = start_gunicorn("collaborative.wsgi", PROJECT_DIR, SERVER_ENV, project_log)
    floor, floor_port = start_gunicorn("floor.wsgi", BENCH_DIR, floor_env, floor_log)
    rows = []
    try:
        wait_until_up(project, project_port, "/healthz", "", project_log)
        wait_until_up(floor, floor_port, "/", floor_cookie, floor_log)
        wrk(floor_port, "/", floor_cookie, duration=1, connections=WORKERS)
        settle(floor_port, "/", floor_cookie)
        print(f"  the floor page: {floor_queries} queries")
        print(f"  ready in {time.perf_counter() - started_at:.0f} s; other load {cpu_busy():.2f} cores\n", flush=True)
        for page in pages:
            queries = query_count(page)
            status, body = get(project_port, page.url, cookies[page.viewer])
            if status != 200:
                sys.exit(f"{page.url} answered {status} to {page.viewer}; see {project_log}")
            # Every worker has loaded the page's templates and code once before it counts.
            wrk(project_port, page.url, cookies[page.viewer], duration=1, connections=WORKERS)
            settle(project_port, "/healthz")
            floor_load = wrk(floor_port, "/", floor_cookie)
            settle(floor_port, "/", floor_cookie)
            load = wrk(project_port, page.url, cookies[page.viewer])
            settle(project_port, "/healthz")
            rows.append((page, load, floor_load, len(body), queries))
            print(
                f"  {page.label:<28} {load.rps:7.1f} req/s (floor {floor_load.rps:6.1f}), p50 {load.p50:7.1f} ms, "
                f"p99 {load.p99:7.1f} ms, {len(body):>9,} bytes, {queries} queries"
                + (f", {load.timeouts} unanswered at the end" if load.timeouts else "")
                + (f", {load.errors} ERRORS" if load.errors else "")
                + f" (load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    finally:
        for process in (project, floor):
            process.send_signal(signal.SIGTERM)
        for process in (project, floor):
            process.wait(timeout=30)
        connections.close_all()

    print(
        "\n| page | viewer | req/s | floor req/s | ratio | target | ratio met | p50 ms | p99 ms "
        f"| p99 < {P99_TARGET_MS} ms | HTML bytes | ≤ {HTML_TARGET_BYTES // 1000} KB | queries |"
    )
    print("|---|---|---:|---:|---:|---:|---|---:|---:|---|---:|---|---:|")
    passed = True
    for page, load, floor_load, size, queries in rows:
        ratio = load.rps / floor_load.rps if floor_load.rps else 0.0
        # A request that wrk saw no answer to in time failed the p99 target (NaN < 150 is False too).
        checks = [ratio >= page.ratio_target, load.p99 < P99_TARGET_MS and not load.timeouts, size <= HTML_TARGET_BYTES]
        passed = passed and all(checks) and not load.errors
        print(
            f"| {page.label} | {page.viewer} | {load.rps:.1f} | {floor_load.rps:.0f} | {ratio:.3f} | "
            f"{page.ratio_target} | {mark(checks[0])} | {ms(load.p50)} | {ms(load.p99)} | {mark(checks[1])} | "
            f"{size:,} | {mark(checks[2])} | {queries} |"
            + (f" {load.errors} errors: the figures are not the page's" if load.errors else "")
        )
    print(f"\nEvery target met: {'yes' if passed else 'NO'}. Load average at the end: {os.getloadavg()[0]:.2f}")
    return 0 if passed else 1


if __name__ == "__main__":
    try:
        status = main()
    finally:
        if TEMPORARY_VAR_DIR:
            shutil.rmtree(SERVER_ENV["VAR_DIR"], ignore_errors=True)
    sys.exit(status)
