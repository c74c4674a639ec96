"""The settings and database a benchmark runs with, made ready before Django is set up (shared by the scripts here)."""

import os
import sys
from pathlib import Path


def ensure_database() -> dict:
    """DATABASE_URL's database: refused unless named *bench*; created if PostgreSQL lacks it."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    name = str(config["NAME"])
    if "bench" not in Path(name).name:
        sys.exit(f"The benchmark deletes its own rows: use a database named *bench*, not {name!r}.")
    if "postgresql" not in config["ENGINE"]:
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        return config
    params = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "dbname": "postgres",
        "connect_timeout": 5,
    }
    try:
        with psycopg.connect(**params, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
                print(f"Created database {name}.")
    except psycopg.OperationalError as error:
        sys.exit(f"PostgreSQL is needed ({os.environ['DATABASE_URL']}), or use --sqlite: {error}")
    return config


def configure_environment(name: str, *, sqlite: bool, queue: str, run_tag: str, fresh_parts: bool = False) -> None:
    """The settings of benchmark `name`: its own database, Celery queue and cache namespace; no debug. Pages are
    made afresh on every request (FRESH_PARTS off) unless `fresh_parts`: the page benchmarks measure what making a
    page costs, which a page kept ready-made would hide after its first request."""
    os.environ.setdefault("VAR_DIR", f"/tmp/lwc-bench-{name}")
    if sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{os.environ['VAR_DIR']}/bench.sqlite3"
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/lwc_bench_{name}")
    # Anything queued goes to the run's own queue and cache namespace, never to a running site's.
    os.environ["CELERY_QUEUE"] = queue
    os.environ["CACHE_KEY_PREFIX"] = f"bench-{run_tag}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collaborative.settings")
    # No debug overhead, in the pages nor in workers, which inherit this.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["HTTPS"] = "false"
    os.environ["FRESH_PARTS"] = "true" if fresh_parts else "false"
    os.environ["ALLOWED_HOSTS"] = "testserver"


def ensure_redis(hint: str = "") -> None:
    """REDIS_URL answers, or the benchmark stops saying what is needed (and `hint`, what else to do)."""
    import redis

    try:
        redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        sys.exit(f"Redis is needed ({os.environ['REDIS_URL']}): {error}{hint}")
