"""Run the web server, a Celery worker and Celery beat together for `make run`.

One Ctrl-C stops all three. Each runs in its own process group so that the whole
group (including runserver's auto-reloading child) is stopped, not just its parent.
"""

import os
import signal
import subprocess
import sys
import time

DEMO_LOGINS = [
    ("facilitator", "facilitator@example.org", "Lambeth (facilitator), Salford (member)"),
    ("member", "member@example.org", "Lambeth and Tameside & Glossop (member)"),
    ("commissioner", "commissioner@example.org", "Lambeth and Luton (commissioner)"),
]


def main() -> int:
    # A development server: DEBUG on (the settings default to off) unless set, for all three.
    os.environ.setdefault("DEBUG", "true")
    port = os.environ.get("PORT", "8000")
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "collaborative"]
    commands = {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}"],
        "worker": [*celery, "worker", "--loglevel=INFO", "--concurrency=2"],
        "beat": [*celery, "beat", "--loglevel=INFO"],
    }
    processes = {name: subprocess.Popen(command, start_new_session=True) for name, command in commands.items()}

    print(f"\n  Living Well Collaboratives is starting at http://127.0.0.1:{port}/\n")
    print("  Demo logins (password: living-well-demo):")
    for role, email, where in DEMO_LOGINS:
        print(f"    {role:<13} {email:<26} {where}")
    print("\n  Emails (reminders, sign-in codes) are printed here. Press Ctrl-C to stop.\n", flush=True)

    def stop(*_args) -> None:
        for name, process in processes.items():
            if process.poll() is None:
                # Celery shuts its own pool down; runserver's reloader child needs the group.
                if name == "web":
                    os.killpg(process.pid, signal.SIGTERM)
                else:
                    process.terminate()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
    finally:
        stop()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    failed = [name for name, process in processes.items() if process.returncode not in (0, -signal.SIGTERM)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
