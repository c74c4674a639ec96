"""The Atom feed of a Collaborative's "What changed" page: its newly published items, for anyone to follow."""

from django.contrib.auth.decorators import login_not_required
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_GET

from collaborative.permissions import public_collaborative_for
from impact.models import Publication
from impact.selectors import FEED_SIZE, published_items
from members.models import Collaborative


class WhatChangedFeed(Feed):
    """The latest published items, by the day each was first published (publishing one again does not make it
    new). Hidden items are not in it; a Collaborative without a public page has no feed (404)."""

    feed_type = Atom1Feed

    def get_object(self, request, slug: str) -> Collaborative:
        return public_collaborative_for(slug)

    def title(self, obj: Collaborative) -> str:
        return f"What changed: {obj.name}"

    def subtitle(self, obj: Collaborative) -> str:
        return f"What {obj.name} asked, answered and changed, as its facilitators publish it."

    def link(self, obj: Collaborative) -> str:
        return reverse("impact:public", kwargs={"slug": obj.slug})

    def items(self, obj: Collaborative):
        return published_items(obj).select_related("collaborative")[:FEED_SIZE]

    def item_title(self, item: Publication) -> str:
        return item.title

    def item_description(self, item: Publication) -> str:
        return item.summary or item.get_kind_display()

    def item_pubdate(self, item: Publication):
        return item.first_published_at

    def item_updateddate(self, item: Publication):
        return item.updated_at

    def item_categories(self, item: Publication):
        return [item.get_kind_display()]


_feed = WhatChangedFeed()


@login_not_required
@require_GET
def feed(request: HttpRequest, slug: str) -> HttpResponse:
    """The feed, for anyone, read only: GET (and HEAD), as every page here says."""
    return _feed(request, slug=slug)
