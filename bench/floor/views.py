"""The floor page: what a plain Django page costs, signed in, with 5 queries and a 20-row table."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, Permission
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    # With the session and the user that the middleware reads, 5 queries in all.
    return render(
        request,
        "floor/floor.html",
        {
            "total": Permission.objects.count(),
            "groups": Group.objects.count(),
            "rows": list(Permission.objects.select_related("content_type").order_by("pk")[:20]),
        },
    )
