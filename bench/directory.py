"""Median server time of a Collaborative's directory with 2,000 members (issue 4 target: < 100 ms).

Usage: .venv/bin/python bench/directory.py [--members 20,2000] [--runs 30] [--sqlite]
Uses PostgreSQL, database lwc_bench_directory (created if missing, emptied of its own rows each
run), or with --sqlite a SQLite file under /tmp/lwc-bench-directory. Requests go through Django's
test client, so the figure is the server's time to build the page, with no network. For each
number of members it times the first page, a search by name and a perspective filter on a later
page, and counts their queries, which must not grow with the number of members. The exit status
is 0 when every page of the largest Collaborative is under the target and the query counts
are the same at every size, 1 otherwise.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

from _database import configure_environment, ensure_database  # bench/ is the script's folder, so on the path.

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_MS = 100
PAGES = {
    "first page": "",
    "search by name": "?q=12",
    "perspective, page 3": "?perspective=carer&page=3",
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", default="20,2000", help="numbers of members, comma-separated")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sqlite", action="store_true", help="use SQLite instead of PostgreSQL")
    args = parser.parse_args()
    sizes = [int(size) for size in args.members.split(",")]
    tag = uuid.uuid4().hex[:8]
    configure_environment("directory", sqlite=args.sqlite, queue=f"bench-directory-{tag}", run_tag=tag)
    ensure_database()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.models import Collaborative, Membership, Perspective, User, Visibility

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # As in production (DEBUG off).
    # Another test run or benchmark on the machine slows every figure: this shows whether one was.
    load = os.getloadavg()[0]
    print(f"database: {connection.vendor}, {args.runs} requests for each page, load average {load:.2f}")

    def clean() -> None:
        Membership.objects.filter(collaborative__slug="bench").delete()
        User.objects.filter(email__endswith="@bench.invalid").delete()
        Collaborative.objects.filter(slug="bench").delete()

    medians, query_counts = {}, {}
    for size in sizes:
        clean()
        collaborative = Collaborative.objects.create(name="Bench Collaborative", slug="bench", area="Bench")
        perspectives = Perspective.values
        # Most share their perspectives with members; some with facilitators only, some with nobody.
        visibilities = [Visibility.MEMBERS] * 5 + [Visibility.FACILITATORS, Visibility.NOBODY]
        users = User.objects.bulk_create(
            User(
                email=f"person{n}@bench.invalid",
                display_name=f"Person {n:05d}",
                perspectives=[perspectives[n % len(perspectives)]],
                perspectives_visibility=visibilities[n % len(visibilities)],
                organisation=f"Organisation {n % 40}",
            )
            for n in range(size)
        )
        Membership.objects.bulk_create(Membership(user=user, collaborative=collaborative) for user in users)
        client = Client()
        client.force_login(users[0])
        for label, params in PAGES.items():
            url = f"/c/bench/members/{params}"
            client.get(url)  # Warm up: session, templates.
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            medians[size, label] = statistics.median(times)
            query_counts.setdefault(label, set()).add(len(queries.captured_queries))
            print(
                f"{size:>6} members, {label:<20} median {medians[size, label]:6.1f} ms, "
                f"p90 {sorted(times)[int(len(times) * 0.9) - 1]:6.1f} ms, {len(queries.captured_queries)} queries"
            )
    clean()
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} cores)")
    largest = max(sizes)
    fast = all(medians[largest, label] < TARGET_MS for label in PAGES)
    constant = all(len(counts) == 1 for counts in query_counts.values())
    print(f"target (under {TARGET_MS} ms with {largest} members): {'met' if fast else 'NOT met'}")
    print(f"queries the same at every size: {'yes' if constant else 'NO'}")
    return 0 if fast and constant else 1


if __name__ == "__main__":
    sys.exit(main())
