"""Units in the admin, with their members (role assignments held on the unit)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import RoleAssignment

from .models import Unit


class MembershipInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "unit"
    fields = ["user", "role", "part_time"]
    autocomplete_fields = ["user"]
    extra = 0
    verbose_name = _("成员")
    verbose_name_plural = _("成员")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "tier", "region", "is_active"]
    list_filter = ["kind", "tier", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]
    autocomplete_fields = ["region", "jurisdiction"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "tier", "region", "jurisdiction", "is_active"]}),
        (_("通知"), {"fields": ["phone", "email", "webhook_url"]}),
    ]
    inlines = [MembershipInline]
