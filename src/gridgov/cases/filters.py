"""The case filterset, shared by the dispatcher workbench, the API list and the Excel export.

Filters narrow a queryset that has already been restricted by ``Case.objects.visible_to``; they never widen it.
Bad values are form errors on the named field (the API turns them into ``{"field": ["message"]}``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.territory.filters import StrictBooleanFilter, code_prefix_validator, grid_code_validator
from gridgov.units.models import Tier

from .models import Case, Source
from .workflow import OPEN_STATUSES, Status

category_code_validator = RegexValidator(r"^[0-9A-Za-z_.-]{1,16}$", _("请输入事项类别编码。"))


class CaseFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False, label=_("状态"))
    tier = django_filters.MultipleChoiceFilter(
        field_name="current_tier", choices=Tier.choices, distinct=False, label=_("当前层级")
    )
    category = django_filters.CharFilter(
        method="filter_category",
        label=_("事项类别"),
        validators=[category_code_validator],
        help_text=_("事项类别编码;填大类编码时包括其下全部小类。"),
    )
    major = django_filters.CharFilter(
        method="filter_major",
        label=_("事项大类"),
        validators=[category_code_validator],
        help_text=_("事项大类编码:列出该大类及其下全部小类的案件。"),
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        label=_("超期"),
        help_text=_("true:未结案件当前阶段已超过办理期限;false:未超期(含已结案件)。"),
    )
    source = django_filters.MultipleChoiceFilter(choices=Source.choices, distinct=False, label=_("来源"))
    grid = django_filters.CharFilter(field_name="grid_code", label=_("网格编码"), validators=[grid_code_validator])
    under = django_filters.CharFilter(
        field_name="community_code",
        lookup_expr="startswith",
        label=_("区划代码前缀"),
        validators=[code_prefix_validator],
        help_text=_("只列出所在社区代码以此开头的案件,例如 441302001 列出该街道的案件。"),
    )
    unit = django_filters.NumberFilter(field_name="current_unit_id", label=_("当前处置单位"))
    unit_code = django_filters.CharFilter(field_name="current_unit__code", label=_("当前处置单位编码"))
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"), help_text=_("案件编号、描述或地址"))
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("上报时间起"), help_text=_("ISO 8601 日期时间")
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("上报时间止"), help_text=_("ISO 8601 日期时间(不含)")
    )
    ordering = django_filters.OrderingFilter(
        fields=(("due_at", "due_at"), ("created_at", "created"), ("number", "number")),
        field_labels={"due_at": _("办理期限"), "created_at": _("上报时间"), "number": _("案件编号")},
        label=_("排序"),
    )

    class Meta:
        model = Case
        fields = [
            "status",
            "tier",
            "category",
            "major",
            "overdue",
            "source",
            "grid",
            "under",
            "unit",
            "unit_code",
            "q",
            "created_after",
            "created_before",
            "ordering",
        ]

    def filter_category(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(category__code=value) | Q(category__parent__code=value))

    def filter_major(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(category__code=value, category__parent__isnull=True) | Q(category__parent__code=value))

    def filter_overdue(self, queryset: QuerySet[Case], name: str, value: bool | None) -> QuerySet[Case]:
        if value is None:
            return queryset
        late = Q(status__in=sorted(OPEN_STATUSES)) & (Q(due_flagged=True) | Q(due_at__lt=timezone.now()))
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_q(self, queryset: QuerySet[Case], name: str, value: Any) -> QuerySet[Case]:
        value = str(value).strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__startswith=value) | Q(description__icontains=value) | Q(address__icontains=value)
        )
