"""Site administration for the "What changed" page: read-only. Facilitators publish and unpublish on the
Collaborative's pages, where every step is kept as a PublicationEvent; and only the person can agree to be named."""

from django.contrib import admin

from collaborative.read_only_admin import ReadOnlyAdmin, ReadOnlyInline
from impact.models import Credit, Publication, PublicationEvent


class CreditInline(ReadOnlyInline):
    model = Credit
    fields = ["user", "asked_at", "agreed_at", "declined_at"]


class EventInline(ReadOnlyInline):
    model = PublicationEvent
    fields = ["what", "by", "at"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["title", "collaborative", "kind", "status", "first_published_at"]
    list_filter = ["collaborative", "kind", "status"]
    list_select_related = ["collaborative"]
    search_fields = ["title", "collaborative__name"]
    inlines = [CreditInline, EventInline]
