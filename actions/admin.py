"""Site administration for the action log: to look, not to change.

Every change to an action is recorded with who made it, by actions.services, so actions
are changed on the Collaborative's pages, never here: a change made here would leave no
history. Nothing is deletable: actions are dropped instead, the history is append-only,
and a signed-off review stays as it was.
"""

from django.contrib import admin

from actions.models import Action, ActionChange, ActionUpdate, ReviewItem, ReviewRound
from collaborative.read_only_admin import ReadOnlyAdmin, ReadOnlyInline


class ActionChangeInline(ReadOnlyInline):
    model = ActionChange
    fields = ["changed_at", "changed_by", "field", "old_value", "new_value"]
    verbose_name_plural = "history (people and records by their id, as stored)"


class ActionUpdateInline(ReadOnlyInline):
    model = ActionUpdate
    fields = ["created_at", "author", "text", "link", "file_name"]


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["title", "collaborative", "owner", "due_on", "status"]
    list_filter = ["collaborative", "status"]
    list_select_related = ["collaborative", "owner"]
    search_fields = ["title", "description", "organisation"]
    date_hierarchy = "due_on"
    inlines = [ActionChangeInline, ActionUpdateInline]


@admin.register(ActionUpdate)
class ActionUpdateAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "action", "author", "created_at", "file_name"]
    list_filter = ["action__collaborative"]
    list_select_related = ["action", "author"]
    search_fields = ["text", "action__title"]
    # The file itself is served only through the Collaborative's evidence page, which checks membership.
    fields = ["action", "author", "text", "link", "file_name", "file_type", "file_size", "created_at"]


class ReviewItemInline(ReadOnlyInline):
    model = ReviewItem
    fields = ["action", "snapshot", "reviewed_at", "reviewed_by", "comment"]


@admin.register(ReviewRound)
class ReviewRoundAdmin(ReadOnlyAdmin):
    list_display = ["title", "collaborative", "opened_at", "signed_off_at"]
    list_filter = ["collaborative"]
    list_select_related = ["collaborative"]
    inlines = [ReviewItemInline]
