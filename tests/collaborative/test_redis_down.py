"""With Redis down, people still sign in, sign up and use every page, and no email is lost.

Redis is the cache (allauth's rate limits, two-step codes already used) and the Celery
broker. These tests use the cache production gets from collaborative/settings.py when
REDIS_URL is set, pointed at a port where nothing listens (or at a redis-server of the
test's own that it stops), with the broker down too (conftest's `broker_down`).
"""

import html
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path, reverse

from collaborative import cache as fallback_cache
from collaborative.tasks import heartbeat
from members.emails import JOIN_REQUESTED
from notifications.models import Message
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parents[2]
NOTHING_LISTENS = "redis://127.0.0.1:1/0"
WRONG_LOGIN = "The email address or password is not right. Check both and try again."
TOO_MANY_FAILED = "Too many tries to sign in. Please wait a few minutes, then try again."


def production_cache(monkeypatch, settings, redis_url: str) -> None:
    """The cache collaborative/settings.py sets up for REDIS_URL, in this test's own namespace."""
    with monkeypatch.context() as environment:
        environment.setenv("REDIS_URL", redis_url)
        caches = runpy.run_path(str(PROJECT_DIR / "collaborative" / "settings.py"))["CACHES"]
    caches["default"]["KEY_PREFIX"] = settings.CACHES["default"]["KEY_PREFIX"]
    settings.CACHES = caches
    # Every test finds Redis failing for itself, rather than already known to be down.
    monkeypatch.setattr(fallback_cache, "_down_until", {})


@pytest.fixture
def redis_down(monkeypatch, settings, broker_down):
    production_cache(monkeypatch, settings, NOTHING_LISTENS)


def text(response) -> str:
    return html.unescape(response.content.decode())


def signed_in(client) -> str | None:
    return client.session.get(SESSION_KEY)


def log_in(client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_signing_in_works_with_redis_down(client, member, redis_down):
    response = log_in(client, member.email)

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("members:start")
    assert signed_in(client) == str(member.pk)


def test_two_step_sign_in_works_with_redis_down(client, facilitator, redis_down):
    assert log_in(client, facilitator.email).headers["Location"] == reverse("mfa_authenticate")
    code = totp_code()

    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert signed_in(client) == str(facilitator.pk)

    # A code already used stays used (allauth remembers it in the cache), even now.
    client.logout()
    log_in(client, facilitator.email)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert signed_in(client) is None


def test_signing_in_by_emailed_code_works_with_redis_down(client, member, mailoutbox, redis_down):
    response = client.post(reverse("account_request_login_code"), {"email": member.email})
    assert response.status_code == 302

    [email] = mailoutbox  # Sent as the page answers: allauth's emails never wait on Redis.
    code = re.search(r"^([A-Z0-9-]{6,})$", email.body, re.M).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})

    assert response.status_code == 302
    assert signed_in(client) == str(member.pk)


def test_signing_up_works_with_redis_down(client, mailoutbox, redis_down):
    data = {"display_name": "Ann Example", "email": "ann@example.org", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(reverse("account_signup"), data)

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("account_email_verification_sent")
    [email] = mailoutbox
    link = re.search(r"https?://testserver(/\S+)", email.body).group(1)
    assert client.post(link).status_code == 302
    assert signed_in(client) is not None


def test_failed_sign_ins_are_still_limited_with_redis_down(client, member, redis_down):
    """Not failing open: without Redis, each process still counts the tries in its own memory."""
    answers = [text(log_in(client, member.email, "not-the-password")) for _ in range(6)]

    assert all(WRONG_LOGIN in answer for answer in answers[:5])
    assert TOO_MANY_FAILED in answers[5]
    assert TOO_MANY_FAILED in text(log_in(client, member.email))


@pytest.mark.parametrize(
    "page",
    [
        "/",
        "/profile/",
        "/c/lambeth/",
        "/c/lambeth/members/",
        "/c/lambeth/meetings/",
        "/c/lambeth/vision/",
        "/c/lambeth/actions/",
        "/emails/",
    ],
)
def test_pages_load_with_redis_down(member_client, page, redis_down):
    assert member_client.get(page, follow=True).status_code == 200


def test_asking_to_join_with_redis_down_keeps_the_email_in_the_outbox(
    client, collaborative, facilitator, redis_down, django_capture_on_commit_callbacks
):
    """The request counts against its hourly limit in memory; the facilitators' email waits in the outbox."""
    collaborative.is_public = True
    collaborative.save()
    url = reverse("members:public_page", kwargs={"slug": collaborative.slug})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"name": "Joy Mensah", "email": "joy@example.net", "message": "Hello."})

    assert response.status_code == 302
    [email] = Message.objects.filter(kind=JOIN_REQUESTED.key)
    assert (email.recipient, email.status) == (facilitator, Message.Status.PENDING)


@login_not_required
def queues_a_task(request):
    heartbeat.delay("outage-test")
    return HttpResponse("queued")


urlpatterns = [path("queues-a-task/", queues_a_task)]


@pytest.mark.urls(__name__)
def test_a_page_that_needs_the_broker_while_it_is_down_says_try_again_in_a_minute(client, redis_down):
    response = client.get("/queues-a-task/")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "Please try again in a minute" in text(response)


# A Redis that takes the connection and never answers (frozen, or lost behind a firewall).

WAITED = """
import time
from django.core.cache import cache
from collaborative.tasks import heartbeat
started = time.monotonic()
cache.add("a-sign-in-try", 1)
print(round(time.monotonic() - started))
started = time.monotonic()
try:
    heartbeat.delay("never")
except Exception as error:
    print(type(error).__name__)
print(round(time.monotonic() - started))
"""


def test_a_redis_that_never_answers_holds_a_page_for_seconds_not_for_ever(tmp_path):
    with socket.socket() as frozen:
        frozen.bind(("127.0.0.1", 0))
        frozen.listen(100)  # The system takes connections; nothing ever reads from them.
        url = f"redis://127.0.0.1:{frozen.getsockname()[1]}/0"
        env = {**os.environ, "REDIS_URL": url, "VAR_DIR": str(tmp_path)}
        try:
            result = subprocess.run(
                [sys.executable, "manage.py", "shell", "-v", "0", "-c", WAITED],
                cwd=PROJECT_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
        except subprocess.TimeoutExpired:
            pytest.fail("Still waiting on Redis after a minute")
    assert result.returncode == 0, result.stderr[-2000:]
    cache_seconds, error, broker_seconds = result.stdout.split()
    assert int(cache_seconds) <= 3, "the cache gives up on Redis within seconds"
    assert error == "OperationalError"
    assert int(broker_seconds) <= 15, "queuing a task gives up within seconds (the outbox keeps the email)"


# A real Redis that stops while the site is running.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throwaway redis-server of this test's own, never the shared one."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            pytest.skip("Needs redis-server on PATH: apt-get install -y redis-server (see README, Tests).")
        self.binary, self.port = binary, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def keys(self) -> list[bytes]:
        return redis.Redis.from_url(self.url).keys("*")


@pytest.fixture
def own_redis(monkeypatch, settings):
    server = RedisServer()
    server.start()
    production_cache(monkeypatch, settings, server.url)
    try:
        yield server
    finally:
        server.stop()


def test_signing_in_works_when_redis_stops_and_uses_it_again_when_it_is_back(client, member, own_redis):
    assert WRONG_LOGIN in text(log_in(client, member.email, "not-the-password"))
    assert own_redis.keys(), "the failed try was counted in Redis"

    own_redis.stop()
    assert log_in(client, member.email).status_code == 302
    assert signed_in(client) == str(member.pk)

    own_redis.start()  # Empty: --save "" keeps nothing.
    fallback_cache._down_until.clear()  # As if the half minute without Redis had passed.
    client.logout()
    assert WRONG_LOGIN in text(log_in(client, member.email, "not-the-password"))
    assert own_redis.keys(), "back in Redis once it answers again"
