"""The site administration, signed in to through the site's own sign-in.

Django's admin has a sign-in form of its own, which takes a password alone: no limit on
wrong guesses, no code from an app. Here it has none: /admin/login/ sends people to the
site's sign-in (allauth: its limits on tries, emailed codes and two-step sign-in), and
every admin page needs a site administrator whose session passed two-step sign-in.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
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
