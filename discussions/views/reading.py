"""Views of the discussions app (see discussions/urls.py): what each person has read."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods

from collaborative.permissions import membership_for
from collaborative.views import collaborative_context, done
from discussions.unread import all_read_mark


@require_http_methods(["GET", "POST"])
def read_all(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Mark all as read" (linked from every digest): a button to confirm, which sets the moment before which
    nothing in the Collaborative is new for the person."""
    membership = membership_for(request.user, slug)
    if request.method == "POST":
        all_read_mark(user=request.user, collaborative=membership.collaborative)
        return done(request, "Everything here is marked as read.", membership.collaborative)
    return render(request, "discussions/allread_form.html", collaborative_context(membership))


urlpatterns = [
    path("c/<slug:slug>/discussions/read/", read_all, name="read_all"),
]
