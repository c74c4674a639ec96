"""The site administration, signed in to through the site's own sign-in.

Django's admin has a sign-in form of its own, which takes a password alone: no limit on
wrong guesses, no code from an app. Here it has none: /admin/login/ sends people to the
site's sign-in (allauth: its limits on tries, emailed codes and two-step sign-in), and
every admin page needs a site administrator whose session passed two-step sign-in.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from collaborative.permissions import require_two_factor, two_step_ready
from collaborative.views import safe_next


class SiteAdmin(admin.AdminSite):
    site_header = "Living Well Collaboratives: site administration"
    site_title = "Site administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and user.is_staff and two_step_ready(user)

    @method_decorator(never_cache)
    @method_decorator(login_not_required)
    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Not a sign-in form: the way to the site's own sign-in and two-step sign-in, then back."""
        wanted = safe_next(request, request.GET.get("next", ""), reverse("admin:index"))
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(wanted, reverse("account_login"))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied("The site administration is only for site administrators.")
        require_two_factor(user)  # collaborative.middleware sends them to set it up or type the code.
        return redirect(wanted)


class NoReverseFilters:
    """For a model admin whose rows other apps point at (a person, a Collaborative, a round):
    its list cannot be filtered through the rows that point at it.

    Django's admin lets any list be filtered by a relation one step away, so
    `/admin/members/user/?round_responses__isnull=False` would list who answered a
    self-assessment, and `?rsvps__isnull=False` who said they were coming to meetings. A
    lookup whose first part is such a reverse relation is refused (the admin answers 400);
    Django itself already refuses lookups across two relations or more that are not in
    `list_filter`.
    """

    def lookup_allowed(self, lookup: str, value, request=None) -> bool:
        try:
            field = self.model._meta.get_field(lookup.split(LOOKUP_SEP, 1)[0])
        except FieldDoesNotExist:
            pass
        else:
            if field.auto_created and not field.concrete:
                return False
        return super().lookup_allowed(lookup, value, request)
