"""``/api/v1/units/``: the units a user can see (their subtree, the units above it, and their own units)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.viewsets import ReadOnlyModelViewSet

from gridgov.core.api import Pagination, ScopedViewSetMixin
from gridgov.territory.models import Region

from ..filters import UnitFilterSet
from ..models import Unit
from .serializers import UnitSerializer


@extend_schema_view(
    list=extend_schema(summary=_("处置单位列表"), tags=["units"]),
    retrieve=extend_schema(summary=_("处置单位详情"), tags=["units"]),
)
class UnitViewSet(ScopedViewSetMixin, ReadOnlyModelViewSet[Any]):
    """Units (综治中心, the six forces, departments, social organisations, volunteer teams) with their
    jurisdiction. A unit out of the caller's scope is 404 like a missing one."""

    scoped_model = Unit
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    pagination_class = Pagination
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z_-]+"

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        regions = Region.objects.only("code", "name").order_by("code")
        return (
            queryset.select_related("region")
            .defer("region__boundary_wkb")
            .prefetch_related(Prefetch("jurisdiction", queryset=regions))
            .annotate(member_count=Count("memberships__user", distinct=True))
            .order_by("code")
        )
