from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from collaborative.permissions import memberships_of, two_step_app, two_step_ready
from members.models import TWO_STEP_ROLES, Membership


def navigation(request: HttpRequest) -> dict:
    """The person's Collaboratives for the switcher, the one this page belongs to, and, for a
    facilitator or commissioner whose session has not passed two-step sign-in, the way to it.

    Pages of a Collaborative name it by the `slug` URL argument; both values are lazy,
    so pages that do not show the switcher do not query for it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    my_memberships = SimpleLazyObject(lambda: memberships_of(user))

    def current() -> Membership | None:
        match = request.resolver_match
        slug = match.kwargs.get("slug") if match else None
        return next((m for m in my_memberships if m.collaborative.slug == slug), None)

    def two_step_prompt() -> dict | None:
        """For a facilitator or commissioner whose session has not passed two-step sign-in: the way to it."""
        membership = current()
        if membership is None or not membership.needs_two_step or two_step_ready(user):
            return None
        return {
            "url": f"{reverse('members:two_step')}?{urlencode({'next': request.get_full_path()})}",
            "set_up": not two_step_app(user),
            "role": membership.get_role_display().lower() if membership.role in TWO_STEP_ROLES else "payments contact",
        }

    return {
        "my_memberships": my_memberships,
        "current_membership": SimpleLazyObject(current),
        "two_step_prompt": SimpleLazyObject(two_step_prompt),
    }
