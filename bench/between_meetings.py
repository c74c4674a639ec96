"""Benchmark for issue 18: between meetings at a large Collaborative's size.

    .venv/bin/python bench/between_meetings.py [--members 2000] [--threads 200] [--comments 10000] [--held 20]

One Collaborative with --members members (the first a facilitator), --threads discussions with --comments comments
among them, 20 open polls, each member following 10 discussions, and --held messages kept for each member's digest
(comments in discussions they follow, as delivery holds them). Everything is bulk inserted. Then, in this process
(no worker, no network), it measures:

1. a comment in a discussion every member follows: `comment_add`, which queues one email per follower;
2. beat's digest scan, `digests_gather`, making every member's digest for the period and gathering what was held;
3. writing one digest email (`message_render`: its groups, lines and links), as the worker does;
4. what is new for a member: the count beside "Discussions" (`unread_counts`) and the home page's card
   (`unread_for`);
5. the Collaborative's home page and the discussions list through Django's test client, signed in as a member.

It prints the time and the number of queries of each. The query counts of 4 and 5 are compared with a small
Collaborative (10 members, 2 discussions): they must be the same, since no list grows with the data.

Without DATABASE_URL it uses postgres://postgres@127.0.0.1:5432/lwc_bench_between (created if missing, then
migrated), or with --sqlite a file under /tmp/lwc-bench-between. It deletes its own rows (Collaboratives
"bench-between-…", people "@bench.invalid"), so the database name must contain "bench".

The exit status is 0 when the query counts of 4 and 5 are the same at both sizes, the digest scan takes under
60 s for the members and a digest is written in under 1 s; 1 otherwise. See bench/README.md for figures.
"""

import argparse
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from _database import configure_environment, ensure_database  # bench/ is the script's folder, so on the path.

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

BENCH_EMAIL_DOMAIN = "bench.invalid"
SLUG_PREFIX = "bench-between-"
RUN_TAG = uuid.uuid4().hex[:8]
SCAN_TARGET_S = 60.0
DIGEST_TARGET_S = 1.0
FOLLOWED = 10
POLLS = 20


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=2000, help="members of the large Collaborative (2000)")
    parser.add_argument("--threads", type=int, default=200, help="discussions (200)")
    parser.add_argument("--comments", type=int, default=10_000, help="comments among them (10000)")
    parser.add_argument("--held", type=int, default=20, help="messages held for each member's digest (20)")
    parser.add_argument("--runs", type=int, default=20, help="requests for each page (20)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    if args.members < 10 or args.threads < FOLLOWED or args.comments < args.threads or args.held < 1:
        parser.error(f"--members at least 10, --threads at least {FOLLOWED}, --comments at least --threads")
    return args


args = parse_args()
configure_environment("between", sqlite=args.sqlite, queue=f"bench-between-{RUN_TAG}", run_tag=RUN_TAG)
ensure_database()

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from discussions.models import Comment, Following, Poll, PollOption, Seen, Thread  # noqa: E402
from discussions.services import comment_add  # noqa: E402
from discussions.unread import unread_counts, unread_for  # noqa: E402
from members.models import Collaborative, Membership, User  # noqa: E402
from notifications.delivery import message_render  # noqa: E402
from notifications.digest import digest_period, digests_gather  # noqa: E402
from notifications.models import DigestSchedule, Message  # noqa: E402


def clean() -> None:
    """Remove the benchmark's Collaboratives with everything in them, and its people."""
    collaboratives = Collaborative.objects.filter(slug__startswith=SLUG_PREFIX)
    Message.objects.filter(collaborative__in=collaboratives).update(digest=None)
    Message.objects.filter(collaborative__in=collaboratives).delete()
    Poll.objects.filter(collaborative__in=collaboratives).delete()
    threads = Thread.objects.filter(collaborative__in=collaboratives)
    Comment.objects.filter(thread__in=threads, parent__isnull=False).delete()
    Comment.objects.filter(thread__in=threads).delete()
    threads.delete()
    Membership.objects.filter(collaborative__in=collaboratives).delete()
    User.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}").delete()
    collaboratives.delete()


def create(label: str, members: int, threads: int, comments: int, held: int) -> tuple[Collaborative, list[User]]:
    """A Collaborative with its members, discussions, comments, polls, followings and messages held for digests."""
    rng = random.Random(label)
    now = timezone.now()
    collaborative = Collaborative.objects.create(
        name=f"Bench {label}", slug=f"{SLUG_PREFIX}{label}-{RUN_TAG}", time_zone="Europe/London"
    )
    people = User.objects.bulk_create(
        User(email=f"{label}-{n}-{RUN_TAG}@{BENCH_EMAIL_DOMAIN}", display_name=f"Person {n}") for n in range(members)
    )
    Membership.objects.bulk_create(
        Membership(
            user=person,
            collaborative=collaborative,
            role=Membership.Role.FACILITATOR if n == 0 else Membership.Role.MEMBER,
        )
        for n, person in enumerate(people)
    )
    discussions = Thread.objects.bulk_create(
        Thread(
            collaborative=collaborative,
            title=f"Discussion {n}",
            text="What do we think about weekend opening?",
            started_by=people[n % members],
            created_at=now - timedelta(days=n),
            last_activity_at=now - timedelta(hours=n),
            comment_count=comments // threads,
        )
        for n in range(threads)
    )
    written = Comment.objects.bulk_create(
        Comment(
            thread=discussions[n % threads],
            author=people[rng.randrange(members)],
            text=f"Comment {n}: Saturdays would help carers most.",
            created_at=now - timedelta(minutes=n),
        )
        for n in range(comments)
    )
    options = []
    for n in range(POLLS):
        poll = Poll.objects.create(
            collaborative=collaborative,
            type=Poll.Type.PROPOSAL,
            question=f"Proposal {n}",
            opened_by=people[0],
            opened_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=3),
        )
        options += [PollOption(poll=poll, text=text, position=p) for p, text in enumerate(["Agree", "Disagree"])]
    PollOption.objects.bulk_create(options)
    Following.objects.bulk_create(
        Following(user=person, thread=thread, state=Following.State.FOLLOWING)
        for person in people
        for thread in rng.sample(discussions, min(FOLLOWED, threads))
    )
    # Everyone follows the first discussion: the comment fan-out below reaches every member.
    Following.objects.bulk_create(
        [Following(user=person, thread=discussions[0], state=Following.State.FOLLOWING) for person in people],
        ignore_conflicts=True,
    )
    Seen.objects.bulk_create(Seen(user=person, thread=discussions[-1], seen_at=now) for person in people)
    comment_type = ContentType.objects.get_for_model(Comment)
    Message.objects.bulk_create(
        Message(
            recipient=person,
            collaborative=collaborative,
            kind="comment_posted",
            about_type=comment_type,
            about_id=written[rng.randrange(len(written))].pk,
            occasion=f"bench-{n}",
            status=Message.Status.HELD,
            due_at=now - timedelta(days=2, minutes=n),
        )
        for person in people
        for n in range(held)
    )
    return collaborative, people


def timed(what, runs: int = 1) -> tuple[float, int, object]:
    """(median seconds, queries of one run, what the last run returned)."""
    times, result, queries = [], None, 0
    for _ in range(runs):
        # Counted as they run: Django's own log of queries keeps only the last 9,000.
        counted = []

        def count(execute, sql, params, many, context, counted=counted):
            counted.append(1)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            start = time.perf_counter()
            result = what()
            times.append(time.perf_counter() - start)
        queries = len(counted)
    return statistics.median(times), queries, result


def pages(collaborative: Collaborative, person: User, runs: int) -> dict[str, tuple[float, int]]:
    client = Client()
    client.force_login(person)
    found = {}
    for name, url in [
        ("home page", reverse("home:collaborative_home", kwargs={"slug": collaborative.slug})),
        ("discussions list", reverse("discussions:list", kwargs={"slug": collaborative.slug})),
    ]:

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        get()  # The first request warms the session and the caches.
        seconds, queries, _ = timed(get, runs)
        found[name] = (seconds, queries)
    return found


def reads(collaborative: Collaborative, person: User) -> dict[str, tuple[float, int]]:
    membership = Membership.objects.select_related("collaborative", "user").get(
        user=person, collaborative=collaborative
    )
    found = {}
    for name, read in [
        ("count beside Discussions", lambda: unread_counts(User.objects.get(pk=person.pk), collaborative.slug)),
        ("home page's card", lambda: unread_for(membership)),
    ]:
        seconds, queries, _ = timed(read, 5)
        found[name] = (seconds, queries)
    return found


def main() -> int:
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # As in production (DEBUG off).
    clean()
    print(f"Python {platform.python_version()}, {connection.vendor}, {platform.node()}")
    try:
        start = time.perf_counter()
        large, people = create("large", args.members, args.threads, args.comments, args.held)
        small, small_people = create("small", 10, 2, 20, 2)
        print(f"Data: {time.perf_counter() - start:.1f} s")
        held_before = Message.objects.filter(collaborative=large, status=Message.Status.HELD).count()

        thread = Thread.objects.filter(collaborative=large).order_by("-last_activity_at").first()
        seconds, queries, _ = timed(lambda: comment_add(thread=thread, author=people[1], text="Sundays too, please."))
        told = Message.objects.filter(collaborative=large, kind="comment_posted", status=Message.Status.PENDING)
        print(f"1. A comment told {told.count():,} followers: {seconds * 1000:.0f} ms, {queries} queries")
        told.delete()

        now = timezone.now()
        _, moment = digest_period(DigestSchedule(), large, now)
        Message.objects.filter(collaborative__in=[large, small], status=Message.Status.HELD).update(
            due_at=moment - timedelta(hours=1)
        )
        scan_seconds, queries, made = timed(lambda: digests_gather(now=now))
        gathered = Message.objects.filter(collaborative=large, digest__isnull=False).count()
        print(
            f"2. The digest scan made {made:,} digests gathering {gathered:,} of {held_before:,} held messages: "
            f"{scan_seconds:.1f} s, {queries:,} queries ({queries / max(made, 1):.1f} a digest)"
        )
        digest = Message.objects.filter(collaborative=large, kind="digest").order_by("pk").first()
        write_seconds, queries, email = timed(lambda: message_render(Message.objects.get(pk=digest.pk)), 5)
        print(
            f"3. One digest written ({len(email.body):,} characters): {write_seconds * 1000:.0f} ms, {queries} queries"
        )

        same = True
        print("4 and 5. What is new, and the pages (median; queries at 2,000 members and at 10):")
        large_reads = reads(large, people[5]) | pages(large, people[5], args.runs)
        small_reads = reads(small, small_people[5]) | pages(small, small_people[5], args.runs)
        for name, (seconds, queries) in large_reads.items():
            small_queries = small_reads[name][1]
            same &= queries == small_queries
            print(f"   {name}: {seconds * 1000:.1f} ms, {queries} queries (small: {small_queries})")
        ok = same and scan_seconds < SCAN_TARGET_S and write_seconds < DIGEST_TARGET_S
        print(
            f"Targets: the same queries at both sizes ({'met' if same else 'MISSED'}), the digest scan under "
            f"{SCAN_TARGET_S:.0f} s ({'met' if scan_seconds < SCAN_TARGET_S else 'MISSED'}), a digest written under "
            f"{DIGEST_TARGET_S:.0f} s ({'met' if write_seconds < DIGEST_TARGET_S else 'MISSED'})"
        )
        return 0 if ok else 1
    finally:
        clean()


if __name__ == "__main__":
    sys.exit(main())
