"""The count beside "Discussions" in a Collaborative's navigation (templates/base.html)."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from discussions.unread import discussions_url, unread_counts


def unread(request: HttpRequest) -> dict:
    """`discussions_nav`: the list's address and how many things are new there for the person, worked out only
    when a page shows the Collaborative's navigation (one query)."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("slug") if match else None
    if user is None or not user.is_authenticated or not slug:
        return {}

    def nav() -> dict:
        threads, polls = unread_counts(user, slug)
        return {"url": discussions_url(slug), "count": threads + polls}

    return {"discussions_nav": SimpleLazyObject(nav)}
