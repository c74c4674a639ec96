"""The data's version and the cached parts of pages (collaborative.freshness): every way of writing moves
the version, reading does not, and a cached part is made again after any change."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import RequestFactory

from collaborative import freshness
from collaborative.freshness import EXEMPT, data_version, fold, fresh, with_fresh_parts
from members.models import Collaborative, DataChange, DataVersion, User
from tests.factories import CollaborativeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _request():
    request = RequestFactory().get("/")
    with_fresh_parts(lambda request: None)(request)
    return request


def test_every_table_but_the_exempt_ones_has_the_trigger():
    assert freshness.tables_without_trigger() == []
    assert set(connection.introspection.table_names()) >= EXEMPT - {"django_migrations"}


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda c: CollaborativeFactory(), id="create"),
        pytest.param(lambda c: Collaborative.objects.filter(pk=c.pk).update(name="Renamed"), id="queryset update"),
        pytest.param(lambda c: User.objects.bulk_create([User(email="bulk@example.invalid")]), id="bulk create"),
        pytest.param(lambda c: Collaborative.objects.filter(pk=c.pk).delete(), id="delete"),
        pytest.param(
            lambda c: connection.cursor().execute(
                "UPDATE members_collaborative SET area = 'Raw' WHERE id = %s", [c.pk]
            ),
            id="raw SQL",
        ),
    ],
)
def test_every_way_of_writing_moves_the_version(write):
    collaborative = CollaborativeFactory()
    before = data_version()
    write(collaborative)
    assert data_version() != before


def test_reading_and_sessions_leave_the_version_alone():
    collaborative, user = CollaborativeFactory(), UserFactory()
    before = data_version()
    list(Collaborative.objects.all())
    str(User.objects.get(pk=user.pk))
    session = SessionStore()
    session["seen"] = collaborative.pk
    session.save()
    assert data_version() == before
    if connection.vendor == "postgresql":  # Statement triggers: a write that changed no row writes no change.
        Collaborative.objects.filter(pk=-1).update(name="Nobody")
        assert data_version() == before


def test_folding_keeps_the_version_and_empties_the_changes():
    CollaborativeFactory.create_batch(3)
    before = data_version()
    assert fold() > 0
    assert DataChange.objects.count() == 0
    assert data_version() == before
    CollaborativeFactory()
    assert int(data_version().split(".")[1]) == int(before.split(".")[1]) + 1


def test_a_part_is_made_once_until_the_data_changes():
    made = []

    def make():
        made.append(1)
        return f"<p>{Collaborative.objects.count()} Collaboratives</p>"

    CollaborativeFactory()
    assert fresh(_request(), "count", ["a"], make) == "<p>1 Collaboratives</p>"
    assert fresh(_request(), "count", ["a"], make) == "<p>1 Collaboratives</p>"
    assert len(made) == 1
    # Another value of what it varies with is another part.
    fresh(_request(), "count", ["b"], make)
    assert len(made) == 2
    # A bulk write, which sends no signal, still makes it again.
    Collaborative.objects.bulk_create([Collaborative(name="Bulk", slug="bulk")])
    assert fresh(_request(), "count", ["a"], make) == "<p>2 Collaboratives</p>"
    assert len(made) == 3


def test_a_part_with_a_csrf_token_is_never_kept(caplog):
    made = []

    def make():
        made.append(1)
        return '<input type="hidden" name="csrfmiddlewaretoken" value="secret">'

    fresh(_request(), "form", [], make)
    fresh(_request(), "form", [], make)
    assert len(made) == 2
    assert "holds a CSRF token" in caplog.text


def test_a_part_needs_the_version_read_first():
    with pytest.raises(Exception, match="with_fresh_parts"):
        fresh(RequestFactory().get("/"), "early", [], lambda: "")


def test_a_database_emptied_starts_a_count_of_its_own():
    epoch = data_version().split(".")[0]
    DataVersion.objects.all().delete()
    assert data_version().split(".")[0] != epoch


def test_with_fresh_parts_off_every_part_is_made_afresh(settings):
    settings.FRESH_PARTS = False
    made = []

    def make():
        made.append(1)
        return "<p>Made</p>"

    fresh(_request(), "off", [], make)
    fresh(_request(), "off", [], make)
    assert len(made) == 2
