"""Site administration for asks: to look, not to change.

Every step of an ask is recorded on its timeline by asks.services, so asks are changed on the
Collaborative's pages, never here: a change made here would leave no trace. Nothing is deletable.
"""

from django.contrib import admin

from asks.models import Answer, Ask, AskEvent, AskEvidence, FactCheck, Sending
from collaborative.read_only_admin import ReadOnlyAdmin, ReadOnlyInline


class SendingInline(ReadOnlyInline):
    model = Sending
    fields = ["kind", "organisation", "responder_name", "sent_on", "due_on", "answered_on"]


class AnswerInline(ReadOnlyInline):
    model = Answer
    fields = ["created_at", "kind", "name", "role", "until", "text"]


class FactCheckInline(ReadOnlyInline):
    model = FactCheck
    fields = ["created_at", "name", "text"]


class AskEvidenceInline(ReadOnlyInline):
    model = AskEvidence
    # The file itself is served only through the Collaborative's evidence page, which checks membership.
    fields = ["created_at", "description", "link", "file_name", "answer"]


class AskEventInline(ReadOnlyInline):
    model = AskEvent
    fields = ["at", "what", "by", "by_name", "note"]
    verbose_name_plural = "timeline"


@admin.register(Ask)
class AskAdmin(ReadOnlyAdmin):
    list_display = ["title", "collaborative", "organisation", "status", "due_on"]
    list_filter = ["collaborative", "status"]
    list_select_related = ["collaborative"]
    search_fields = ["title", "request", "organisation", "responder_name"]
    inlines = [SendingInline, AnswerInline, FactCheckInline, AskEvidenceInline, AskEventInline]
