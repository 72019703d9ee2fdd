"""Filtersets of the matter list and its change applications, shared by the API and the admin pages."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gridgov.territory.filters import StrictBooleanFilter

from .models import ChangeStatus, MatterCategory, MatterChange, MatterKind, local_today


class MatterCategoryFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=MatterKind.choices, label=_("性质"))
    grid_assignable = StrictBooleanFilter(label=_("可派网格员"))
    in_force = StrictBooleanFilter(
        method="filter_in_force",
        label=_("现行有效"),
        help_text=_("true:在用、已发布且(临时事项)未到期;false:其余。日期由 on 参数指定,默认今天。"),
    )
    on = django_filters.DateFilter(method="filter_noop", label=_("日期"), help_text=_("in_force 判断所用的日期"))
    parent = django_filters.CharFilter(
        method="filter_parent", label=_("大类编码"), help_text=_("大类编码;填 none 只列出大类。")
    )
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"), help_text=_("编码前缀或名称"))

    class Meta:
        model = MatterCategory
        fields = ["kind", "grid_assignable", "in_force", "on", "parent", "q"]

    def filter_noop(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset

    def filter_in_force(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        on: datetime.date = self.form.cleaned_data.get("on") or local_today()
        in_force = MatterCategory.objects.in_force(on).values("pk")
        return queryset.filter(pk__in=in_force) if value else queryset.exclude(pk__in=in_force)

    def filter_parent(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        if value.lower() == "none":
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent__code=value)

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__startswith=value) | Q(name__icontains=value))


class MatterChangeFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ChangeStatus.choices, label=_("状态"))
    category = django_filters.CharFilter(field_name="category__code", label=_("事项编码"))

    class Meta:
        model = MatterChange
        fields = ["status", "category"]
