"""The Atom feed of the "What changed" page: valid Atom, the published items only, newest first, bounded."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from impact.models import Publication
from impact.services import publication_hide, publication_show
from tests.factories import PublicationFactory
from tests.impact.rows import figures_items

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def public(collaborative):
    collaborative.is_public = True
    collaborative.save()
    return collaborative


def feed_of(collaborative) -> ET.Element:
    response = Client().get(reverse("impact:feed", kwargs={"slug": collaborative.slug}))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def test_the_feed_is_atom_with_the_published_items_only_by_the_day_first_published(public, facilitator):
    now = timezone.now()
    older = PublicationFactory(collaborative=public, title="Older", first_published_at=now - timedelta(days=9))
    newer = PublicationFactory(collaborative=public, title="Newer", first_published_at=now - timedelta(days=2))
    hidden = PublicationFactory(collaborative=public, title="Hidden")
    publication_hide(publication=hidden, by=facilitator)
    # Taken off and published again: it keeps its first day, so it does not come back as new.
    publication_hide(publication=older, by=facilitator)
    publication_show(publication=older, by=facilitator)
    feed = feed_of(public)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text == f"What changed: {public.name}"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == ["Newer", "Older"]
    first = entries[0]
    assert first.find(f"{ATOM}link").get("href") == f"http://testserver{newer.get_absolute_url()}"
    assert first.find(f"{ATOM}published") is not None
    assert first.find(f"{ATOM}id").text
    assert first.find(f"{ATOM}summary").text == newer.summary


def test_the_feed_holds_the_latest_fifty(public):
    figures_items(public, 60)
    entries = feed_of(public).findall(f"{ATOM}entry")
    assert len(entries) == 50
    assert entries[0].find(f"{ATOM}title").text == "Our figures, year 0"
    assert Publication.objects.count() == 60


def test_no_public_page_no_feed(collaborative):
    PublicationFactory(collaborative=collaborative)
    assert Client().get(reverse("impact:feed", kwargs={"slug": collaborative.slug})).status_code == 404
