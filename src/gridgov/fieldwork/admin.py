"""Field-work admin: read-only. Patrols, visits and tasks are written by the phone (sync) and the services; here
administrators look and search."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import CheckIn, ClientRecord, Patrol, Task, Visit


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "worker", "grid", "status", "duration_s", "distance_m", "points", "flagged")
    list_filter = ("status", "flagged")
    search_fields = ("worker__username", "grid__code")
    date_hierarchy = "started_at"
    list_select_related = ("worker", "grid")


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ("made_at", "worker", "building", "distance_m")
    search_fields = ("worker__username", "building__code")
    date_hierarchy = "made_at"
    list_select_related = ("worker", "building")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("made_at", "worker", "scope_code", "next_visit_on")
    search_fields = ("worker__username", "scope_code")
    date_hierarchy = "made_at"
    list_select_related = ("worker",)
    exclude = ("person", "household", "tag", "case")  # people are read in the registry, where reads are logged


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "category", "grid", "assignee", "status", "due_at", "overdue", "reminders")
    list_filter = ("status", "overdue", "kind")
    search_fields = ("title", "grid__code", "assignee__username")
    list_select_related = ("category", "grid", "assignee")


@admin.register(ClientRecord)
class ClientRecordAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "kind", "user", "made_at", "received_at", "result")
    list_filter = ("kind",)
    search_fields = ("uuid", "user__username")
    exclude = ("content",)  # may hold keyed hashes of protected values; nothing to read here
    list_select_related = ("user",)
