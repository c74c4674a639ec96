from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError

from collaborative.admin import NoReverseFilters
from members.hooks import collaborative_created
from members.models import Collaborative, GroundRules, Membership, User
from members.selectors import addresses_owned
from members.services import address_unconfirmed_copies_remove, membership_admin_save


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    can_delete = False  # Someone who leaves gets the status "left"; their history stays.
    autocomplete_fields = ["user"]
    fields = ["user", "role", "status", "joined_at", "left_at"]
    readonly_fields = ["joined_at", "left_at"]  # Set as people join and leave (membership_admin_save).


@admin.register(Collaborative)
class CollaborativeAdmin(NoReverseFilters, admin.ModelAdmin):
    list_display = ["name", "slug", "area", "time_zone"]
    search_fields = ["name", "area", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # Every new Collaborative starts with the five key roles for self-assessment (vision).
            collaborative_created(obj)

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        for membership in formset.save(commit=False):  # Never deleted: can_delete is off.
            membership_admin_save(membership=membership, by=request.user)
        formset.save_m2m()
        return None


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "collaborative", "role", "status", "joined_at"]
    list_filter = ["collaborative", "role", "status"]
    search_fields = ["user__email", "user__display_name", "collaborative__name"]
    autocomplete_fields = ["user", "collaborative"]
    list_select_related = ["user", "collaborative"]
    readonly_fields = ["joined_at", "left_at"]  # Set as people join and leave (membership_admin_save).

    def save_model(self, request, obj, form, change) -> None:
        membership_admin_save(membership=obj, by=request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # Someone who leaves gets the status "left"; their history stays.


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "display_name"]

    def clean_email(self) -> str:
        # Taken when it is an account's own, main or confirmed, whatever its case (members/selectors.py);
        # a copy someone only added unconfirmed is not theirs. The database's words for it are not plain.
        email = self.cleaned_data["email"]
        if addresses_owned([email]):
            raise ValidationError("Someone already has an account with this email address.")
        return email


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(NoReverseFilters, BaseUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "display_name"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "perspectives"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "usable_password", "password1", "password2"]}),
    ]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # As at sign-up: copies of the address that other accounts only added were never theirs.
            address_unconfirmed_copies_remove(address=obj.email, user=obj)


@admin.register(GroundRules)
class GroundRulesAdmin(admin.ModelAdmin):
    list_display = ["collaborative", "created_at", "created_by"]
    list_filter = ["collaborative"]
    readonly_fields = ["collaborative", "text", "created_by", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # Facilitators change them on the Collaborative's pages, as a new version.

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# allauth's own admin page for authenticators shows their data: an app's secret and the seed
# of the recovery codes, from which anyone could make the person's codes. Site administrators
# need only to see that someone has two-step sign-in, and to delete it for someone who lost
# their phone.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email", "user__display_name"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False  # People set up their own app, from their profile.

    def has_change_permission(self, request, obj=None) -> bool:
        return False
