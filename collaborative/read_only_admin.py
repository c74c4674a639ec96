"""Site administration that looks and never changes: the base of every app's admin for records whose story
is kept by the app's services (an action's history, an ask's timeline, a published item's steps). A change
made in the admin would leave no trace there, so nothing can be added, changed or deleted through it."""

from django.contrib import admin
from django.db import models

# Links are shown as entered; this only settles Django's coming change of default scheme.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyInline(admin.TabularInline):
    formfield_overrides = URL_FIELDS
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
