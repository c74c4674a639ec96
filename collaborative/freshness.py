"""Parts of pages kept ready-made, under a key that changes whenever the data does.

The heavy parts of the busiest pages (the action log's table, the actions overview, a meeting's
matters arising…) are the same for every viewer of a kind until something changes. They are
cached, `{% fresh %}` in a template (collaborative.templatetags.fresh), under a key made of:

- **the data's version**: a number that grows whenever any table of the site's data changes. The
  database keeps it itself: a trigger on every table (all but `EXEMPT`) writes a row to
  `members_datachange` for each statement that changed rows, so that a bulk update, the admin, a
  data migration or raw SQL count as much as a form. The version is `members_dataversion.folded`
  plus the rows in `members_datachange`, read in one statement (one snapshot). Beat folds the rows
  into `folded` every minute (`fold()`), in one statement too, so the count stays small and the
  version never goes back. Writers only ever insert rows, so they never wait for each other, and no
  clock is involved: web processes whose clocks differ agree on it;
- **the quarter hour** (UTC): every key changes at least that often, so a part that shows today's
  date or what is overdue is never a day behind in any time zone, and a cached part lives at most
  15 minutes;
- **the page's address and query**: a part is never shared between two Collaboratives, two objects,
  two filters or two pages of a list;
- **what else the part varies with**, named where it is used: who may see what (the viewer's role,
  or the viewer).

The version is read once a request, before any part's data: a part is cached under a version no
newer than the data it was made from, so a later change always gives a new key. A part holding a
CSRF token is never cached (it would give one person's token to another).
"""

import functools
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from members.models import DataChange, DataVersion

logger = logging.getLogger(__name__)

CHANGES, VERSIONS = DataChange._meta.db_table, DataVersion._meta.db_table
# Tables whose writes change no page: sessions (written as people sign in and stay signed in), the
# migrations Django has applied, and the change records themselves.
EXEMPT = frozenset({"django_session", "django_migrations", CHANGES, VERSIONS})
TRIGGER = "lwc_data_changed"
QUARTER_HOUR = 15 * 60  # Seconds: how long a cached part lives at most.
# What a part may vary with: values whose repr is the value (an object's could hold its address in memory).
VARY_TYPES = (str, int, bool, type(None), date)

_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO {CHANGES} (table_name) VALUES (TG_TABLE_NAME);
    ELSIF EXISTS (SELECT 1 FROM changed) THEN
        INSERT INTO {CHANGES} (table_name) VALUES (TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END $$
"""
# One trigger for each kind of statement on PostgreSQL, each run once a statement; a statement that
# changed no row (an UPDATE that matched nothing) writes nothing.
_EVENTS = (("insert", "REFERENCING NEW TABLE AS changed"), ("update", "REFERENCING NEW TABLE AS changed"))
_EVENTS += (("delete", "REFERENCING OLD TABLE AS changed"), ("truncate", ""))


def install_triggers(using: str = "default", **kwargs) -> None:
    """Put the change trigger on every table of the database that lacks it (after every `migrate`, as a
    post_migrate receiver, so that a table a later migration adds or rebuilds gets it too)."""
    db = connections[using]
    tables = sorted(set(db.introspection.table_names()) - EXEMPT)
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(_FUNCTION)
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
                [f"{TRIGGER}_truncate"],
            )
            have = {name for (name,) in cursor.fetchall()}
            for table in tables:
                if table in have:
                    continue
                quoted = db.ops.quote_name(table)
                for event, referencing in _EVENTS:
                    cursor.execute(
                        f"CREATE OR REPLACE TRIGGER {TRIGGER}_{event} AFTER {event.upper()} ON {quoted} "
                        f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
                    )
        elif db.vendor == "sqlite":
            # SQLite has no statement triggers: a row each. A bulk write adds many rows, folded by beat.
            for table in tables:
                quoted = db.ops.quote_name(table)
                for event in ("insert", "update", "delete"):
                    name = db.ops.quote_name(f"{TRIGGER}_{event}_{table}")
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event.upper()} ON {quoted} "
                        f"BEGIN INSERT INTO {CHANGES} (table_name) VALUES ('{table}'); END"
                    )


def tables_without_trigger(using: str = "default") -> list[str]:
    """The tables (not exempt) that no change trigger watches: none, unless something went wrong."""
    db = connections[using]
    tables = set(db.introspection.table_names()) - EXEMPT
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE %s GROUP BY c.relname",
                [f"{TRIGGER}_%"],
            )
            watched = {name for name, count in cursor.fetchall() if count == len(_EVENTS)}
        else:
            cursor.execute(
                "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s "
                "GROUP BY tbl_name",
                [f"{TRIGGER}_%"],
            )
            watched = {name for name, count in cursor.fetchall() if count == 3}
    return sorted(tables - watched)


def data_version() -> str:
    """The data's version now: the epoch of the count and the count, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT epoch, folded + (SELECT count(*) FROM {CHANGES}) FROM {VERSIONS} WHERE id = 1")
        row = cursor.fetchone()
    if row is None:  # A new database, or one the tests have emptied: start a count of its own.
        DataVersion.objects.get_or_create(pk=1, defaults={"epoch": secrets.token_hex(8)})
        return data_version()
    return f"{row[0]}.{row[1]}"


def fold() -> int:
    """Fold the change rows into the count (beat, every minute), so that reading the version stays quick.
    One statement on PostgreSQL: the rows go and the count grows at the same moment for every reader."""
    data_version()  # Makes the count's row if the database has none yet.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH gone AS (DELETE FROM {CHANGES} RETURNING 1) "
                f"UPDATE {VERSIONS} SET folded = folded + (SELECT count(*) FROM gone) WHERE id = 1 "
                "RETURNING (SELECT count(*) FROM gone)"
            )
            return cursor.fetchone()[0]
    # SQLite: one writer at a time, and each reader reads the version in one statement.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0), count(*) FROM {CHANGES}")
        last, count = cursor.fetchone()
        cursor.execute(f"DELETE FROM {CHANGES} WHERE id <= %s", [last])
        cursor.execute(f"UPDATE {VERSIONS} SET folded = folded + %s WHERE id = 1", [count])
    return count


def with_fresh_parts(view: Callable) -> Callable:
    """For a view whose page has cached parts: the data's version is read before the view reads anything,
    so that no part is kept under a version newer than the data it was made from."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        request._data_version = data_version()
        return view(request, *args, **kwargs)

    return wrapped


def request_version(request) -> str:
    """The data's version read at the start of this request (by `with_fresh_parts`)."""
    version = getattr(request, "_data_version", None)
    if version is None:
        raise ImproperlyConfigured("A page with cached parts needs its view wrapped in with_fresh_parts.")
    return version


def part_key(request, name: str, vary: Iterable) -> str:
    """The key of a part: its name, the data's version, the quarter hour, the page's address with its query
    (a part is never shared between two Collaboratives, two objects or two filters), whether htmx asked for
    it, and `vary`."""
    quarter = int(timezone.now().timestamp()) // QUARTER_HOUR
    vary = tuple(vary)
    for value in vary:
        if not isinstance(value, VARY_TYPES):
            raise TypeError(f"A cached part varies with plain values, not {type(value).__name__}: {value!r}.")
    # Whether htmx asked (for a fragment, or a whole page to restore its history) changes what is written.
    htmx = getattr(request, "htmx", None)
    asked = (bool(htmx), bool(htmx and htmx.history_restore_request))
    varies = repr((request.get_full_path(), asked, *vary))
    varies = hashlib.md5(varies.encode(), usedforsecurity=False).hexdigest()
    return f"part:{name}:{request_version(request)}:{quarter}:{varies}"


def fresh(request, name: str, vary: Iterable, make: Callable[[], str]) -> str:
    """The part `name` (HTML), from the cache when the data has not changed since it was made, else made
    by `make()` and kept."""
    if not settings.FRESH_PARTS:
        return make()
    key = part_key(request, name, vary)
    html = cache.get(key)
    if html is None:
        html = make()
        if "csrfmiddlewaretoken" in html:
            logger.error("The cached part %r holds a CSRF token: it is made afresh each time instead.", name)
        else:
            cache.set(key, html, QUARTER_HOUR)
    return html


def lazily(make: Callable[[], dict], *names: str) -> dict:
    """What a page's cached parts show, as context entries worked out only if a part is made: `make()`
    returns a dict holding each of `names`, and runs at most once, at the first use of any of them."""
    made = functools.cache(make)
    return {name: SimpleLazyObject(functools.partial(lambda name: made()[name], name)) for name in names}
