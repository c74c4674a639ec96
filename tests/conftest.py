import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from allauth.account.internal.flows.login import clear_authentication_records, record_authentication
from allauth.mfa.models import Authenticator
from django.core.management.commands import flush as flush_command
from django.db import transaction
from django.db.backends.postgresql.operations import DatabaseOperations as PostgreSQLOperations
from django.test import Client, RequestFactory, TestCase, TransactionTestCase, override_settings
from pytest_django.fixtures import validate_django_db

from collaborative.celery import app as celery_app
from collaborative.middleware import RENEWED_SESSION_KEY
from members.models import Membership
from tests.factories import CollaborativeFactory, MembershipFactory, UserFactory

# Each test process sends its tasks to a queue of its own, so that a worker started by
# one test never runs tasks that another process's tests left behind.
TASK_QUEUE = f"tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:8]}"
celery_app.conf.task_default_queue = TASK_QUEUE

_django_force_login = Client.force_login


def _force_login(self, user, backend=None, *, two_step: bool = True) -> None:
    """Sign in as the whole flow would: someone with an authenticator app also gave its code, a
    step allauth records in the session. `two_step=False` is a session that signed in with the
    password alone (before the person set up their app, say), which facilitators' pages refuse."""
    user.refresh_from_db(fields=["session_generation"])  # Sessions the test ended elsewhere stay ended.
    _django_force_login(self, user, backend)
    request = RequestFactory().get("/")
    request.session = self.session
    # Signing in again as the same person keeps the session's data: start its record of steps afresh.
    clear_authentication_records(request)
    if two_step and Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        record_authentication(request, user, "mfa", type=Authenticator.Type.TOTP)
    # As on the way out of a real sign-in (SessionRenewalMiddleware): renewed just now.
    request.session[RENEWED_SESSION_KEY] = int(time.time())
    request.session.save()


Client.force_login = _force_login

_truncate = PostgreSQLOperations.sql_flush


def _sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False) -> list[str]:
    """Empty PostgreSQL's tables after a test that committed (live server, worker) with DELETE, not TRUNCATE.

    Django empties every table after such a test with one TRUNCATE, which makes new files for each
    table and index and costs about half a second on 70 nearly empty tables; DELETE empties them in
    under a tenth of that. The append-only history tables refuse DELETE (their triggers, as in
    production), so the DELETEs run with triggers off for this transaction only, which needs a
    superuser (as CI and the README's set-up are); otherwise, and for anything but the plain flush
    after a test, Django's TRUNCATE runs as before. Either way every table is empty afterwards and
    the sequences go on counting."""
    if reset_sequences or allow_cascade or not tables or not _is_superuser(self.connection):
        return _truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    return [
        "SET LOCAL session_replication_role = replica",
        *(f"DELETE FROM {self.quote_name(table)}" for table in tables),
        "SET LOCAL session_replication_role = DEFAULT",
    ]


def _is_superuser(connection) -> bool:
    if not hasattr(connection, "_tests_superuser"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            connection._tests_superuser = cursor.fetchone()[0]
    return connection._tests_superuser


PostgreSQLOperations.sql_flush = _sql_flush

_emit_post_migrate_signal = flush_command.emit_post_migrate_signal


def _emit_post_migrate_signal_at_once(verbosity, interactive, db, **kwargs) -> None:
    """After emptying the database, `flush` runs post_migrate as `migrate` does: Django puts back the
    content types and permissions, and members/apps.py checks each table's change trigger. One
    transaction for all of it rather than a commit for each statement: on PostgreSQL, about 0.25 s
    after each test that commits rather than 0.4 s."""
    with transaction.atomic(using=db):
        _emit_post_migrate_signal(verbosity, interactive, db, **kwargs)


flush_command.emit_post_migrate_signal = _emit_post_migrate_signal_at_once

# CI sets REQUIRE_SERVICES=1 for the run against PostgreSQL and Redis: there, a test
# that would skip because a service or the browser is missing fails instead.
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"REQUIRE_SERVICES=1 turns this skip into a failure: {reason}"
    return report


# The order the tests run in. pytest-xdist hands them out one or two at a time, in this order, to
# whichever of its processes is free (`--dist load --maxschedchunk 1` in pyproject.toml), so each
# process runs its share in this order too. Four kinds, one after the other:
NO_DATABASE, DATABASE, COMMITTING, BROWSER = range(4)
# 1. Tests without the database. 2. Tests in a transaction that is rolled back at the end. 3. Tests
# that commit (transactional_db, live_server, real workers): Django empties every table after each
# of them, so none may come before a rolled-back test, which expects the database as the migrations
# left it (pytest-django orders its tests so for the same reason). 4. The committing tests in a
# browser: last, so that each process starts chromium once (its fixture lasts for tests/browser).
#
# Within a kind, the modules below run first, slowest first, so that no long test is left to one
# process at the end while the other is idle; the rest follow in pytest's order (a new module needs
# no entry to run). The seconds are those of the module's slowest test, from `--durations` on
# PostgreSQL with the machine busy: only their order matters. Add a module with a test above ten
# seconds or so.
SLOWEST_MODULES = {
    "tests/browser/test_vision.py": 120,
    "tests/collaborative/test_devserver.py": 60,
    "tests/notifications/test_delivery_worker.py": 50,
    "tests/browser/test_actions.py": 40,
    "tests/browser/test_meeting_day.py": 32,
    "tests/browser/test_meetings.py": 30,
    "tests/browser/test_payment_choices_and_breaks.py": 30,
    "tests/browser/test_valid_html.py": 29,
    "tests/browser/test_asks_to_public_page.py": 28,
    "tests/browser/test_between_meetings.py": 28,
    "tests/browser/test_vision_draft_form.py": 27,
    "tests/browser/test_things_to_do.py": 24,
    "tests/meetings/test_reminders_worker.py": 20,
    "tests/members/test_privacy.py": 19,
    "tests/browser/test_nothing_typed_is_lost.py": 18,
    "tests/collaborative/test_celery_worker.py": 17,
    "tests/browser/test_members_pages.py": 16,
    "tests/browser/test_agenda_and_after.py": 16,
    "tests/collaborative/test_packaging.py": 15,
    "tests/browser/test_invitations.py": 15,
    "tests/browser/test_two_factor.py": 15,
    "tests/browser/test_what_changed.py": 14,
    "tests/browser/test_payments.py": 14,
    "tests/browser/test_sign_in.py": 12,
    "tests/discussions/test_digest_worker.py": 14,
    "tests/payments/test_emails_worker.py": 11,
    "tests/browser/test_accountability.py": 10,
}


def kind_of(item: pytest.Item) -> int:
    """Which of the four kinds above the test is, by the rules pytest-django orders tests by."""
    fixtures = getattr(item, "fixturenames", ())
    test_class = getattr(item, "cls", None)
    if test_class and issubclass(test_class, TransactionTestCase):  # Django's own test classes.
        return DATABASE if issubclass(test_class, TestCase) else COMMITTING
    marker = item.get_closest_marker("django_db")
    transaction_, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    if transaction_ or reset_sequences or "transactional_db" in fixtures or "live_server" in fixtures:
        return BROWSER if "browser" in fixtures else COMMITTING
    return DATABASE if marker or "db" in fixtures else NO_DATABASE


@pytest.hookimpl(trylast=True)  # After pytest-django's ordering, which this one replaces.
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: tests of the same kind and module keep pytest's order.
    items.sort(key=lambda item: (kind_of(item), -SLOWEST_MODULES.get(item.nodeid.split("::")[0], 0)))


def require_services() -> str:
    """The Redis URL, or skip (a failure under REQUIRE_SERVICES=1) when there is none."""
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("Needs Redis and PostgreSQL: set REDIS_URL and DATABASE_URL (see README, Tests).")
    return redis_url


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("Needs Debian's chromium on PATH: apt-get install -y chromium (see README, Tests).")
    return path


def _reset_celery_connections() -> None:
    """Forget Celery's pooled connections (as Celery itself does after a fork)."""
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """Celery's broker is unreachable for this test: nothing listens on port 1."""
    saved = celery_app.conf.broker_url, celery_app.conf.broker_connection_max_retries
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    celery_app.conf.broker_connection_max_retries = 0
    _reset_celery_connections()
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_connection_max_retries = saved
    _reset_celery_connections()


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Each test gets its own cache namespace, so rate limits of one test never reach another."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Hashing is not what these tests are about; the real hasher makes every user cost 0.2 s.
    Session-wide, so that rows made once for a whole module (rows_shared_by_module) are quick too."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@contextmanager
def rows_shared_by_module(django_db_blocker, make: Callable[[], dict]) -> Iterator[dict]:
    """Rows that a module's tests look at, made once by `make()` for all of them rather than once
    for each: for a module-scoped fixture that also depends on `django_db_setup`.

    `make()` runs in a transaction that stays open while those tests run and is rolled back after
    the last of them, so no other test sees its rows. Each test still asks for `db` and runs, as
    usual, in a savepoint inside that transaction: whatever one test changes is undone before the
    next begins, so each sees the rows exactly as `make()` left them. Every test of such a module
    sees the rows, whether it asks for them or not, and none may use `transactional_db` or
    `live_server` (their emptying of the database at the end would end the transaction).
    """
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            rows = make()
        except BaseException as error:
            block.__exit__(type(error), error, error.__traceback__)
            raise
    try:
        yield rows
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


def make_lambeth():
    return CollaborativeFactory(slug="lambeth", name="Lambeth Living Well Collaborative")


def make_luton():
    return CollaborativeFactory(slug="luton", name="Luton Living Well Collaborative")


@pytest.fixture
def collaborative(db):
    return make_lambeth()


@pytest.fixture
def other_collaborative(db):
    return make_luton()


@pytest.fixture
def people(collaborative, other_collaborative) -> dict:
    """One person for each way of standing towards `collaborative` (anonymous is None).

    The outsider, facilitator and commissioner have set up two-step sign-in (MembershipFactory
    does that for those roles); tests/members/test_two_factor.py covers those who have not.
    """
    return make_people(collaborative, other_collaborative)


def make_people(collaborative, other_collaborative) -> dict:
    """The `people` fixture's rows."""
    role = Membership.Role
    return {
        "anonymous": None,
        "outsider": MembershipFactory(collaborative=other_collaborative, role=role.FACILITATOR).user,
        "member": MembershipFactory(collaborative=collaborative, role=role.MEMBER).user,
        "facilitator": MembershipFactory(collaborative=collaborative, role=role.FACILITATOR).user,
        "commissioner": MembershipFactory(collaborative=collaborative, role=role.COMMISSIONER).user,
    }


@pytest.fixture
def member(people):
    return people["member"]


@pytest.fixture
def facilitator(people):
    return people["facilitator"]


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def facilitator_client(client, facilitator):
    client.force_login(facilitator)
    return client


@pytest.fixture
def user_factory(db):
    return UserFactory
