"""Production settings, the Content-Security-Policy and static files."""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

PROJECT_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "lambeth.livingwell.example",
    "DATABASE_URL": "postgres://lwc:secret@postgres:5432/lwc",
    "REDIS_URL": "redis://redis:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    """manage.py on collaborative/settings.py, with `env` instead of the tests' own settings."""
    clean = {key: value for key, value in os.environ.items() if key not in {*PRODUCTION, "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage("check", env={**PRODUCTION, "SECRET_KEY": "", "VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "Set SECRET_KEY when DEBUG is off." in result.stderr


def test_settings_are_production_safe_with_no_environment(tmp_path):
    """Nothing set (VAR_DIR only keeps the files it makes out of the checkout): no DEBUG, no default key."""
    bare = {"PATH": os.environ["PATH"], "VAR_DIR": str(tmp_path)}
    run = {"cwd": PROJECT_DIR, "capture_output": True, "text": True, "timeout": 60}

    refused = subprocess.run([sys.executable, "manage.py", "check"], env=bare, **run)
    assert refused.returncode != 0
    assert "Set SECRET_KEY when DEBUG is off." in refused.stderr

    show = "from django.conf import settings as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE)"
    started = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", show],
        env={**bare, "SECRET_KEY": secrets.token_urlsafe(50)},
        **run,
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["False", "True", "True"]


def test_the_web_port_is_published_on_the_host_only():
    """The proxy on the same host reaches gunicorn; nothing else can, or send its own X-Forwarded-For."""
    compose = (PROJECT_DIR / "docker-compose.yml").read_text()
    published = re.findall(r"^\s*ports:\n((?:\s*- .*\n)+)", compose, re.M)
    ports = [item.strip(" -\"'") for block in published for item in block.splitlines()]
    # issue 18, inbound part: replies by email come in on 2525, from a relay on the same host too.
    assert ports == ["127.0.0.1:8000:8000", "127.0.0.1:2525:2525"]
    assert "TRUSTED_PROXY_COUNT: ${TRUSTED_PROXY_COUNT:-1}" in compose


@pytest.mark.django_db
def test_content_security_policy_allows_only_our_own_scripts_and_styles(member_client, collaborative):
    response = member_client.get(collaborative.get_absolute_url())
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_pages_load_htmx_and_css_from_our_static_files_only(member_client, collaborative):
    html = member_client.get(collaborative.get_absolute_url()).text
    assert '<script src="/static/js/htmx.min.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", html), "inline or foreign script"
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "something loaded from another host"
    assert (PROJECT_DIR / "static/js/htmx.min.js").stat().st_size > 10_000


@pytest.mark.django_db
def test_static_files_are_served_by_the_application(client, settings, tmp_path):
    """As in production: collectstatic, then WhiteNoise serves the files without a web server."""
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", verbosity=0)
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert b":focus-visible" in b"".join(response.streaming_content)


@pytest.mark.django_db
def test_healthz_is_reachable_over_plain_http_behind_the_ssl_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("account_login")).status_code == 301


def test_a_full_redis_drops_cached_parts_and_keeps_the_queued_tasks(tmp_path):
    """docker-compose.yml's Redis, given less memory: filled with cache entries (which expire), it drops them
    and goes on taking new ones, and keeps the broker's queue (which does not expire)."""
    import redis

    compose = (PROJECT_DIR / "docker-compose.yml").read_text()
    command = json.loads(re.search(r'command: (\["redis-server".*\])', compose)[1])
    assert command[command.index("--maxmemory-policy") + 1] == "volatile-lru"
    memory = command.index("--maxmemory") + 1
    command[memory] = "3mb"  # Full sooner than 256 MB.
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.lpush("celery", *[f"task {n}" for n in range(100)])
        part = "x" * 10_000
        for n in range(2_000):  # 20 MB of parts into 3 MB: every write succeeds.
            client.set(f"part:{n}", part, ex=900)
        assert client.llen("celery") == 100
        assert client.get("part:1999") == part.encode()
        assert client.dbsize() < 2_000
    finally:
        server.terminate()
        server.wait(timeout=10)
