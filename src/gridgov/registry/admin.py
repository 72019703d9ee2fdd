"""Read-only admin pages for the registry. Changes go through the services (the pages, the API, the import), so
no model here can be added, changed or deleted from the admin; encrypted fields are never listed as such — only
their masked values (``str()`` of a ``Sensitive``) — and the access log is append-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import (
    AccessLog,
    Facility,
    FloatingRegistration,
    Household,
    ImportJob,
    Membership,
    Organisation,
    Person,
    PersonTag,
    RentalHouse,
)

ENCRYPTED = {
    Person: ("id_number", "phone", "registered_address", "current_address"),
    Organisation: ("contact_phone",),
}
BLIND_INDEXES = ("id_number_index", "phone_index", "contact_phone_index")


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """View only; encrypted fields and blind indexes are left out of the form and shown masked by methods."""

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:  # type: ignore[override]
        hidden = set(ENCRYPTED.get(self.model, ())) | set(BLIND_INDEXES)
        names = [f.name for f in self.model._meta.fields if f.name not in hidden and f.name != "id"]
        return [*names, *self.masked_fields()]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:  # type: ignore[override]
        return self.get_fields(request, obj)

    def masked_fields(self) -> list[str]:
        return [f"masked_{name}" for name in ENCRYPTED.get(self.model, ())]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _masked(name: str, label: Any) -> Any:
    def show(self: Any, obj: Any) -> str:
        value = getattr(obj, name)
        return str(value) if value else "—"

    show.short_description = label  # type: ignore[attr-defined]
    return show


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("name", "masked_id_number", "sex", "birth_date", "residence_type", "scope_code", "is_active")
    list_filter = ("residence_type", "sex", "is_active")
    search_fields = ("name",)
    list_select_related = ("grid",)
    masked_id_number = _masked("id_number", _("证件号码"))
    masked_phone = _masked("phone", _("联系电话"))
    masked_registered_address = _masked("registered_address", _("户籍地详址"))
    masked_current_address = _masked("current_address", _("现住址详址"))


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    fields = ("person", "relation", "valid_from", "valid_to")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "scope_code")
    search_fields = ("number",)
    inlines = [MembershipInline]


@admin.register(PersonTag)
class PersonTagAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "attention_level", "next_visit_due", "valid_to", "scope_code")
    list_filter = ("kind", "attention_level")


@admin.register(RentalHouse)
class RentalHouseAdmin(ReadOnlyAdmin):
    list_display = ("house", "rooms", "registered_on", "is_active", "scope_code")


@admin.register(FloatingRegistration)
class FloatingRegistrationAdmin(ReadOnlyAdmin):
    list_display = ("person", "reason", "registered_on", "expires_on", "scope_code")


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "venue_kind", "fire_safety", "fire_checked_on", "scope_code")
    list_filter = ("kind", "venue_kind", "fire_safety")
    search_fields = ("name", "uscc")
    masked_contact_phone = _masked("contact_phone", _("联系电话"))


@admin.register(Facility)
class FacilityAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "major_class", "status", "scope_code")
    list_filter = ("major_class", "status")
    search_fields = ("code", "name")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """The access log: read by administrators, never added to, changed or deleted here."""

    list_display = ("at", "user", "action", "person", "field", "reason", "rows", "ip")
    list_filter = ("action",)
    search_fields = ("user__username", "reason")
    date_hierarchy = "at"


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("filename", "kind", "status", "total_rows", "error_rows", "created_by", "created_at")
    list_filter = ("kind", "status")
