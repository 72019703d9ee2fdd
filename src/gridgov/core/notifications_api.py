"""/api/v1/ routes of the in-app inbox and of the outbox (for administrators).

A user reads and marks only their own notifications (another user's is 404, like a missing one). The outbox list
shows administrators what is waiting, failing or dead, and retries a message.

(This is a module rather than ``core/api/``: ``gridgov.core.api`` is already the module of shared API pieces.)
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from gridgov.accounts.roles import Role
from gridgov.accounts.scope import roles_of

from . import notify, outbox
from .api import Pagination
from .models import Notification, OutboxMessage, OutboxStatus

# --- notifications --------------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    target_type = serializers.SerializerMethodField(help_text=_("对象类型,如 cases.case;无对象时为空"))
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "verb", "text", "url", "target_type", "target_object_id", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_target_type(self, obj: Notification) -> str:
        ct = obj.target_content_type
        return f"{ct.app_label}.{ct.model}" if ct is not None else ""


NOT_FOUND = OpenApiResponse(description=_("通知不存在或不属于当前用户"))


@extend_schema_view(
    list=extend_schema(
        summary=_("我的通知"),
        parameters=[OpenApiParameter("unread", bool, description=_("为 true 时只列未读通知"))],
    ),
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Notification]):
    """The current user's in-app notifications, newest first."""

    serializer_class = NotificationSerializer
    pagination_class = Pagination
    filter_backends: list[Any] = []
    queryset = Notification.objects.none()  # for the schema; requests use the user's inbox

    def get_queryset(self) -> QuerySet[Notification]:
        queryset = notify.inbox(self.request.user).select_related("target_content_type")
        if self.action == "list" and self.request.query_params.get("unread", "").lower() in {"1", "true", "yes"}:
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(
        summary=_("标记一条通知为已读"), request=None, responses={200: NotificationSerializer, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        try:
            notification_id = int(pk or "")
        except ValueError:
            notification_id = 0
        notification = notify.mark_read(request.user, notification_id)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        summary=_("全部标记为已读"),
        request=None,
        responses=inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": notify.mark_all_read(request.user)})

    @extend_schema(
        summary=_("未读通知数"),
        responses=inline_serializer("NotificationsUnread", {"unread": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": notify.unread_count(request.user)})


# --- the outbox, for administrators ---------------------------------------------------------------------


class IsOutboxAdministrator(permissions.BasePermission):
    """Superusers, users granted the outbox in the admin, and holders of the administrator role. The outbox is
    the installation's, not a region's: it is not scoped."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        return bool(user.has_perm("core.view_outboxmessage") or Role.ADMINISTRATOR in roles_of(user))


class OutboxMessageSerializer(serializers.ModelSerializer[OutboxMessage]):
    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "channel",
            "address",
            "dedupe_key",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary=_("外发消息列表(管理员)"),
        parameters=[
            OpenApiParameter("status", str, enum=[s.value for s in OutboxStatus], description=_("按状态筛选,如 dead")),
            OpenApiParameter("channel", str, description=_("按渠道筛选")),
        ],
    ),
    retrieve=extend_schema(summary=_("外发消息详情(管理员)")),
)
class OutboxMessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[OutboxMessage]):
    """Messages waiting, failing or dead; the payload is not shown (it may carry personal data)."""

    serializer_class = OutboxMessageSerializer
    permission_classes = [IsOutboxAdministrator]
    pagination_class = Pagination
    filter_backends: list[Any] = []
    queryset = OutboxMessage.objects.all()

    def get_queryset(self) -> QuerySet[OutboxMessage]:
        queryset = OutboxMessage.objects.all()
        if self.action == "list":
            status = self.request.query_params.get("status")
            if status:
                if status not in OutboxStatus.values:
                    raise serializers.ValidationError({"status": [_("未知的状态。")]})
                queryset = queryset.filter(status=status)
            channel = self.request.query_params.get("channel")
            if channel:
                queryset = queryset.filter(channel=channel)
        return queryset

    @extend_schema(
        summary=_("立即重试(管理员)"),
        request=None,
        responses={200: OutboxMessageSerializer, 409: OpenApiResponse(description=_("已投递或正在投递的消息不能重试"))},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        message = self.get_object()
        if not outbox.retry_now([message]):
            return Response(
                {"status": [_("已投递或正在投递的消息不能重试。")]},
                status=409,
            )
        message.refresh_from_db()
        return Response(self.get_serializer(message).data)


router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
router.register("outbox", OutboxMessageViewSet, basename="outbox-message")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
