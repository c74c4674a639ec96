"""Site administration for discussions: to look, not to change.

Every change to a discussion or a comment is made by discussions/services.py, which keeps the earlier words and
tells the people concerned; a change made here would do neither. Nothing is deletable: a comment is withdrawn by
its author or hidden by a facilitator, on the Collaborative's pages.
"""

from django.contrib import admin

from collaborative.read_only_admin import ReadOnlyAdmin, ReadOnlyInline
from discussions.models import Comment, CommentVersion, Thread, ThreadVersion


class ThreadVersionInline(ReadOnlyInline):
    model = ThreadVersion
    fields = ["saved_at", "saved_by", "title", "text"]


class CommentVersionInline(ReadOnlyInline):
    model = CommentVersion
    fields = ["saved_at", "text"]


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
    list_display = ["title", "collaborative", "started_by", "status", "comment_count", "last_activity_at"]
    list_filter = ["collaborative", "status"]
    list_select_related = ["collaborative", "started_by"]
    search_fields = ["title"]
    inlines = [ThreadVersionInline]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "thread", "author", "status", "created_at"]
    list_filter = ["status", "thread__collaborative"]
    list_select_related = ["thread", "author"]
    inlines = [CommentVersionInline]
