"""Median server time of a Collaborative's directory with 2,000 members (issue 4 target: < 100 ms).

Usage: .venv/bin/python bench/directory.py [--members 2000] [--runs 30]
Needs PostgreSQL; uses the database lwc_bench_directory (created if missing, emptied of its
own rows each run). Requests go through Django's test client, so the figure is the server's
time to build the page, with no network.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lwc_bench_directory")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collaborative.settings")
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ["HTTPS"] = "false"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("VAR_DIR", "/tmp/lwc-bench-directory")


def ensure_database() -> None:
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    if "bench" not in name:
        sys.exit("The database name must contain 'bench': this script empties its tables.")
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    ensure_database()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.models import Collaborative, Membership, Perspective, User

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # As in production (DEBUG off).
    Membership.objects.filter(collaborative__slug="bench").delete()
    User.objects.filter(email__endswith="@bench.invalid").delete()
    Collaborative.objects.filter(slug="bench").delete()
    collaborative = Collaborative.objects.create(name="Bench Collaborative", slug="bench", area="Bench")
    perspectives = Perspective.values
    users = User.objects.bulk_create(
        User(
            email=f"person{n}@bench.invalid",
            display_name=f"Person {n:05d}",
            perspectives=[perspectives[n % len(perspectives)]],
            organisation=f"Organisation {n % 40}",
        )
        for n in range(args.members)
    )
    Membership.objects.bulk_create(Membership(user=user, collaborative=collaborative) for user in users)
    client = Client()
    client.force_login(users[0])
    url = "/c/bench/members/"
    client.get(url)  # Warm up: session, templates.

    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    print(
        f"directory with {args.members} members: median {statistics.median(times):.1f} ms, "
        f"p90 {sorted(times)[int(len(times) * 0.9) - 1]:.1f} ms over {args.runs} requests, "
        f"{len(queries.captured_queries)} queries"
    )
    Membership.objects.filter(collaborative=collaborative).delete()
    User.objects.filter(email__endswith="@bench.invalid").delete()
    collaborative.delete()


if __name__ == "__main__":
    main()
