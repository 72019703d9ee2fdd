"""Case admin: read-mostly. Transitions go through the services (the workbench and the API); here administrators
look, search and read the timeline."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseSummons,
    Mediation,
    MediationParty,
    MediationSession,
    Mediator,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("at", "actor", "action", "from_status", "to_status", "note")
    readonly_fields = fields
    ordering = ("at", "id")


class CaseSummonsInline(ReadOnlyInline):
    model = CaseSummons
    fields = ("unit", "deadline", "reported_in_at", "part_done_at", "flagged_late", "note")
    readonly_fields = fields


class CaseAttachmentInline(ReadOnlyInline):
    model = CaseAttachment
    fields = ("file", "content_type", "size", "exif_lon", "exif_lat", "created_at")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "category", "status", "current_tier", "current_unit", "due_at", "created_at")
    list_filter = ("status", "current_tier", "source", "urgency")
    search_fields = ("number", "grid_code", "address")
    list_select_related = ("category", "current_unit")
    date_hierarchy = "created_at"
    inlines = [CaseEventInline, CaseSummonsInline, CaseAttachmentInline]
    # The reporter is personal data: not shown in lists, and read-only like everything else.
    exclude = ("reporter",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Case._meta.fields if f.name != "reporter"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MediationPartyInline(ReadOnlyInline):
    model = MediationParty
    fields = ("masked", "role")
    readonly_fields = fields

    @admin.display(description=_("当事人"))
    def masked(self, obj: MediationParty) -> str:
        return obj.masked_name


class MediatorInline(ReadOnlyInline):
    model = Mediator
    fields = ("role",)
    readonly_fields = fields


class MediationSessionInline(ReadOnlyInline):
    model = MediationSession
    fields = ("held_on", "outcome", "agreement_reached")
    readonly_fields = fields


@admin.register(Mediation)
class MediationAdmin(admin.ModelAdmin):
    list_display = ("case", "stage", "risk_level", "agreement_reached")
    list_filter = ("stage", "risk_level")
    readonly_fields = ("case", "stage", "risk_level", "agreement_reached", "agreement_text")
    inlines = [MediationPartyInline, MediatorInline, MediationSessionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
