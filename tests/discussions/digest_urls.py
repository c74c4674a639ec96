"""The site's addresses, with stand-ins for the discussions' and polls' own pages, which the home page's "New
since you last looked" links to: the unread tests run before those pages exist on this branch."""

from django.http import HttpResponse
from django.urls import include, path

from collaborative.urls import urlpatterns as site
from discussions.urls import urlpatterns as discussions


def _page(request, **kwargs):
    return HttpResponse("")


_stand_ins = [
    path("c/<slug:slug>/discussions/", _page, name="list"),
    path("c/<slug:slug>/discussions/<int:pk>/", _page, name="thread"),
    path("c/<slug:slug>/polls/<int:pk>/", _page, name="poll"),
]
urlpatterns = [entry for entry in site if getattr(entry, "namespace", None) != "discussions"] + [
    path("", include(([*discussions, *_stand_ins], "discussions")))
]
