"""The unit filterset, shared by the API and any list page. Filters narrow a ``visible_to`` queryset."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gridgov.territory.filters import StrictBooleanFilter, code_prefix_validator

from .models import Tier, Unit, UnitKind
from .selectors import covering_codes


class UnitFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=UnitKind.choices, label=_("类型"))
    tier = django_filters.MultipleChoiceFilter(choices=Tier.choices, label=_("层级"))
    region = django_filters.CharFilter(
        field_name="region__code",
        lookup_expr="startswith",
        label=_("所在区划代码前缀"),
        validators=[code_prefix_validator],
        help_text=_("只列出所在区划代码以此开头的单位,例如 441302 列出惠城区及其下级的单位。"),
    )
    covers = django_filters.CharFilter(
        method="filter_covers",
        label=_("管辖区划"),
        validators=[code_prefix_validator],
        help_text=_("只列出管辖范围覆盖此区划(或其上级)的单位。"),
    )
    active = StrictBooleanFilter(field_name="is_active", label=_("启用"))
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"), help_text=_("编码前缀或名称"))

    class Meta:
        model = Unit
        fields = ["kind", "tier", "region", "covers", "active", "q"]

    def filter_covers(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        codes = covering_codes(value.strip())
        covered = Q(jurisdiction__code__in=codes) | Q(jurisdiction__isnull=True, region__code__in=codes)
        return queryset.filter(pk__in=Unit.objects.filter(covered).values("pk"))

    def filter_q(self, queryset: QuerySet[Unit], name: str, value: Any) -> QuerySet[Unit]:
        value = str(value).strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__startswith=value) | Q(name__icontains=value))
