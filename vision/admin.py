"""Site administration for the vision part.

Versions of the vision are history, so they are read-only here; facilitators draft and
adopt them on the Collaborative's pages. Rounds are read-only too, and no one's answers
appear here, nor who answered: Response and Answer are deliberately not registered,
because answers are never shown one person at a time, to anyone, and no list here can be
filtered through them (collaborative.admin.NoReverseFilters, on the rounds' and the people's
lists).
"""

from django.contrib import admin
from django.utils import timezone

from collaborative.admin import NoReverseFilters
from collaborative.read_only_admin import ReadOnlyInline
from vision.models import (
    Goal,
    GoalReview,
    KeyRole,
    Round,
    RoundStatement,
    Statement,
    Value,
    VisionVersion,
)
from vision.services import goal_save


class ValueInline(ReadOnlyInline):
    model = Value
    fields = ["position", "name", "meaning"]


@admin.register(VisionVersion)
class VisionVersionAdmin(admin.ModelAdmin):
    list_display = ["collaborative", "number", "status", "created_at", "adopted_at"]
    list_filter = ["collaborative", "status"]
    list_select_related = ["collaborative"]
    search_fields = ["statement", "collaborative__name"]
    inlines = [ValueInline]

    def has_add_permission(self, request) -> bool:
        return False  # Facilitators draft new versions on the Collaborative's vision page.

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # Every version is kept as it was.

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class GoalReviewInline(ReadOnlyInline):
    model = GoalReview
    fields = ["reviewed_on", "outcome", "note", "next_review_on", "recorded_by", "recorded_at"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["title", "collaborative", "status", "review_on"]
    list_filter = ["collaborative", "status"]
    list_select_related = ["collaborative"]
    search_fields = ["title", "success"]
    fields = ["collaborative", "title", "success", "review_on", "status", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [GoalReviewInline]

    def save_model(self, request, obj, form, change) -> None:
        goal_save(goal=obj, by=request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # Achieved and retired goals stay on the record.


class StatementInline(admin.TabularInline):
    model = Statement
    extra = 0
    can_delete = False  # Retire a statement instead: past rounds keep it.
    fields = ["position", "text", "source", "status", "changed_at"]
    readonly_fields = ["changed_at"]


@admin.register(KeyRole)
class KeyRoleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "collaborative"]
    list_filter = ["collaborative"]
    list_select_related = ["collaborative"]
    inlines = [StatementInline]

    def save_formset(self, request, form, formset, change) -> None:
        for statement_form in formset.forms:
            if statement_form.has_changed() and statement_form.instance.pk:
                statement_form.instance.changed_at = timezone.now()
        super().save_formset(request, form, formset, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RoundStatementInline(ReadOnlyInline):
    model = RoundStatement
    fields = ["position", "key_role", "text"]
    verbose_name_plural = "statements, as worded when the round opened"


@admin.register(Round)
class RoundAdmin(NoReverseFilters, admin.ModelAdmin):
    list_display = ["title", "collaborative", "opened_at", "closes_at", "counted_at"]
    list_filter = ["collaborative"]
    list_select_related = ["collaborative"]
    # Not who was a member when it opened (eligible_ids), nor the figures: only their number and when.
    fields = [
        "collaborative",
        "title",
        "opened_at",
        "closes_at",
        "opened_by",
        "closed_early_by",
        "eligible_count",
        "counted_at",
    ]
    inlines = [RoundStatementInline]

    def has_add_permission(self, request) -> bool:
        return False  # Facilitators open rounds on the Collaborative's self-assessment page.

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
