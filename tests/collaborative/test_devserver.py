"""`make run`: the web server, a worker and beat start together and one Ctrl-C stops all."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited but is not yet reaped.
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def children_of(pid: int) -> list[int]:
    result = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True, check=True)
    pairs = [tuple(map(int, line.split())) for line in result.stdout.splitlines()]
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in pairs if ppid == parent]
        found += kids
        frontier += kids
    return found


def test_web_worker_and_beat_start_together_and_ctrl_c_stops_them_all(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"VAR_DIR": str(tmp_path), "PORT": str(port), "DEBUG": "true"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=PROJECT_DIR, env=env, check=True, timeout=120)
    server = subprocess.Popen(
        [sys.executable, "-m", "collaborative.devserver"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and health is None:
            try:
                health = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            except OSError:
                time.sleep(0.3)
        assert health is not None, "the web server did not answer"
        assert b'"broker": "ok"' in health
        processes = children_of(server.pid)
        # runserver (and its reloader child), the worker (and its pool) and beat.
        assert len(processes) >= 4, processes

        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=40)
    finally:
        if server.poll() is None:
            server.kill()
    assert f"http://127.0.0.1:{port}/" in output
    assert "facilitator@example.org" in output
    assert "celery@" in output
    assert "beat: Starting" in output
    time.sleep(0.5)
    assert [pid for pid in processes if alive(pid)] == []
