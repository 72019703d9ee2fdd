"""``/api/v1/matter-categories/`` (the published list) and ``/api/v1/matter-changes/`` (applications to change
it: list, propose, approve, reject). Reviewing is for administrators only; the rules of the list (licensing,
penalty and enforcement never grid-assignable; temporary matters need an approver and an end date) are the
model's, so a proposal that breaks them is a 400 naming the field."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet, ReadOnlyModelViewSet

from gridgov.accounts.scope import scope_for
from gridgov.core.api import Pagination

from .. import services
from ..filters import MatterCategoryFilterSet, MatterChangeFilterSet
from ..models import MatterCategory, MatterChange
from .serializers import (
    MatterCategorySerializer,
    MatterChangeCreateSerializer,
    MatterChangeSerializer,
    ReviewSerializer,
)

ERROR_400 = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_("参数或内容不合规:{字段: [说明]}"),
    examples=[
        OpenApiExample(
            "never grid-assignable",
            value={
                "grid_assignable": [
                    _("“行政处罚”事项不得列入网格事项清单(不可派网格员):行政许可、行政处罚和行政强制事项一律不准入。")
                ]
            },
        )
    ],
)
ERROR_403 = OpenApiResponse(OpenApiTypes.OBJECT, description=_("没有此操作的权限"))
ERROR_404 = OpenApiResponse(OpenApiTypes.OBJECT, description=_("不存在或不在您的权限范围内"))


class CanReadMatterList(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return not scope_for(request.user, "mattercategory", "view").empty


@extend_schema_view(
    list=extend_schema(summary=_("事项清单"), tags=["matters"], responses={200: MatterCategorySerializer(many=True)}),
    retrieve=extend_schema(
        summary=_("事项类别详情"), tags=["matters"], responses={200: MatterCategorySerializer, 404: ERROR_404}
    ),
)
class MatterCategoryViewSet(ReadOnlyModelViewSet[Any]):
    """The two-level matter list with each category's time limits and whether grid workers may be tasked with
    it. The list is city-wide: every logged-in user with a role may read it."""

    permission_classes = [IsAuthenticated, CanReadMatterList]
    serializer_class = MatterCategorySerializer
    filterset_class = MatterCategoryFilterSet
    pagination_class = Pagination
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z_-]+"
    queryset = MatterCategory.objects.select_related("parent").order_by("code")


@extend_schema_view(
    list=extend_schema(summary=_("事项变更申请列表"), tags=["matters"]),
    retrieve=extend_schema(
        summary=_("事项变更申请详情"), tags=["matters"], responses={200: MatterChangeSerializer, 404: ERROR_404}
    ),
)
class MatterChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet[Any]):
    """Applications to add a matter to the list or change one (准入制): proposed by departments and centres,
    reviewed by administrators, published on their effective date with the history kept."""

    serializer_class = MatterChangeSerializer
    filterset_class = MatterChangeFilterSet
    pagination_class = Pagination
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Any]:
        return MatterChange.objects.visible_to(self.request.user).select_related(
            "category", "proposer", "proposer_unit", "reviewer"
        )

    @extend_schema(
        summary=_("提出事项变更申请"),
        tags=["matters"],
        request=MatterChangeCreateSerializer,
        responses={201: MatterChangeSerializer, 400: ERROR_400, 403: ERROR_403},
    )
    def create(self, request: Request) -> Response:
        serializer = MatterChangeCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        change = services.propose_change(
            by=request.user,
            category=data["category"],
            fields=data["fields"],
            reason=data["reason"],
            effective_on=data["effective_on"],
            unit=data["unit"],
        )
        return Response(MatterChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("批准事项变更申请"),
        description=_("仅管理员。生效日期已到的申请批准后立即发布。"),
        tags=["matters"],
        request=ReviewSerializer,
        responses={200: MatterChangeSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        note = self._note(request)
        change = services.approve_change(self.get_object(), by=request.user, note=note)
        return Response(MatterChangeSerializer(change).data)

    @extend_schema(
        summary=_("驳回事项变更申请"),
        description=_("仅管理员;须填写审核意见。驳回的申请永不生效。"),
        tags=["matters"],
        request=ReviewSerializer,
        responses={200: MatterChangeSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        note = self._note(request)
        change = services.reject_change(self.get_object(), by=request.user, note=note)
        return Response(MatterChangeSerializer(change).data)

    @staticmethod
    def _note(request: Request) -> str:
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return str(serializer.validated_data["review_note"])
