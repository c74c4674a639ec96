from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from members.models import Membership


def navigation(request: HttpRequest) -> dict:
    """The person's Collaboratives for the switcher, and the one this page belongs to.

    Pages of a Collaborative name it by the `slug` URL argument; both values are lazy,
    so pages that do not show the switcher do not query for it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def memberships() -> list[Membership]:
        return list(Membership.objects.for_user(user))

    my_memberships = SimpleLazyObject(memberships)

    def current() -> Membership | None:
        match = request.resolver_match
        slug = match.kwargs.get("slug") if match else None
        return next((m for m in my_memberships if m.collaborative.slug == slug), None)

    return {"my_memberships": my_memberships, "current_membership": SimpleLazyObject(current)}
