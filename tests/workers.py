"""Start a real Celery worker process for a test, sharing its broker, database and cache."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from tests.conftest import TASK_QUEUE

PROJECT_DIR = Path(__file__).resolve().parents[1]


def worker_environment(settings, **extra: str) -> dict:
    """The worker uses this test's broker, cache namespace and (on PostgreSQL) database."""
    env = {**os.environ, "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"], **extra}
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        host, port = db["HOST"] or "localhost", db["PORT"] or 5432
        env["DATABASE_URL"] = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{db['NAME']}"
    return env


def start_worker(settings, *, queue: str = TASK_QUEUE, pool: str = "solo", **env: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "collaborative", "worker", "--queues", queue]
    command += [f"--pool={pool}", "--without-mingle", "--without-gossip", "-l", "WARNING"]
    command += ["--hostname", f"{queue}-{os.urandom(4).hex()}@%h"]
    # Tasks the worker sends itself (a scan handing out send tasks) go to the same queue.
    return subprocess.Popen(command, cwd=PROJECT_DIR, env=worker_environment(settings, CELERY_QUEUE=queue, **env))


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
