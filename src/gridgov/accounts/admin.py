from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["region", "grid"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "is_active", "locked_until", "last_login"]
    search_fields = ["username", "display_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("gridgov"), {"fields": ["display_name", "failed_logins", "locked_until"]}),
    )
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "grid", "part_time"]
    list_filter = ["role", "part_time"]
    search_fields = ["user__username", "user__display_name", "grid__code", "region__code"]
    autocomplete_fields = ["user", "region", "grid"]
