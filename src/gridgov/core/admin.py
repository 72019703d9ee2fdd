"""The outbox and in-app notifications in the admin: dead messages are found here and retried."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox
from .models import Notification, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "address", "status", "attempts", "next_attempt_at", "last_error", "created_at"]
    list_filter = ["status", "channel"]
    search_fields = ["address", "dedupe_key"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # messages come from services, inside their transactions

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # never dropped

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("core.change_outboxmessage"))

    @admin.action(description=_("立即重试所选消息"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox.retry_now(queryset)
        self.message_user(
            request,
            ngettext("已重新排队 %(count)d 条消息。", "已重新排队 %(count)d 条消息。", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "verb", "text", "created_at", "read_at"]
    list_filter = ["verb"]
    search_fields = ["recipient__username", "verb"]
    raw_id_fields = ["recipient"]
    date_hierarchy = "created_at"
