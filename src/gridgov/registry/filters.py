"""Filtersets for the registry, shared by the web lists, the API and the Excel exports.

They narrow a queryset already restricted by ``visible_to``. The person search ``q`` is one box: an ID number or
phone number is matched exactly through its blind index (never by scanning ciphertext); anything else is a name
(prefix first, then contains).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.core import crypto
from gridgov.core.sensitive import normalize_phone

from .models import (
    AccessAction,
    AccessLog,
    Facility,
    FacilityClass,
    FacilityStatus,
    FireSafety,
    FloatingRegistration,
    Household,
    Organisation,
    OrganisationKind,
    Person,
    PersonTag,
    RentalHouse,
    ResidenceType,
    Sex,
    TagGroup,
    TagKind,
    VenueKind,
)
from .models.tags import TAG_GROUP

area_code_validator = RegexValidator(r"^\d{1,24}$", _("请输入数字网格编码或区划代码(可为前缀)。"))
ID_LIKE = re.compile(r"^(\d{15}|\d{17}[\dXx])$")
PHONE_LIKE = re.compile(r"^(\+?86)?1[3-9]\d{9}$|^0\d{9,11}$")


def search_people(queryset: QuerySet[Person], text: str) -> QuerySet[Person]:
    text = text.strip().replace(" ", "")
    if not text:
        return queryset
    if ID_LIKE.match(text):
        from .validation import upgrade_15

        number = upgrade_15(text) if len(text) == 15 else text.upper()
        return queryset.filter(id_number_index=crypto.blind_index("idno", number))
    if PHONE_LIKE.match(text.replace("-", "")):
        return queryset.filter(phone_index=crypto.blind_index("phone", search_phone(text)))
    return queryset.filter(name__contains=text)


def search_phone(text: str) -> str:
    """A phone number as stored (what its blind index was made from): ``+86``/``0086`` and a bare ``86`` before
    a mobile number dropped — PHONE_LIKE accepts ``8613800138000``, so it must find ``13800138000``."""
    phone = normalize_phone(text)
    if len(phone) == 13 and phone.startswith("861"):
        phone = phone[2:]
    return phone


class ScopeCodeFilter(django_filters.CharFilter):
    """A grid or region code: records whose scope code starts with it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("网格/区划编码"))
        kwargs.setdefault("validators", [area_code_validator])
        kwargs.setdefault("lookup_expr", "startswith")
        kwargs.setdefault("field_name", "scope_code")
        super().__init__(**kwargs)


class PersonFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("姓名/证件号码/手机号"), help_text=_("证件号码和手机号须完整输入,精确匹配。")
    )
    area = ScopeCodeFilter()
    building = django_filters.CharFilter(field_name="building__code", label=_("楼栋编码"))
    residence_type = django_filters.MultipleChoiceFilter(choices=ResidenceType.choices, label=_("人口类型"))
    sex = django_filters.ChoiceFilter(choices=Sex.choices, label=_("性别"))
    tag = django_filters.MultipleChoiceFilter(
        field_name="tags__kind", choices=TagKind.choices, label=_("人员类别"), method="filter_tag"
    )
    age_min = django_filters.NumberFilter(method="filter_age_min", label=_("最小年龄"), min_value=0)
    age_max = django_filters.NumberFilter(method="filter_age_max", label=_("最大年龄"), min_value=0)
    active = django_filters.BooleanFilter(field_name="is_active", label=_("在册"))

    class Meta:
        model = Person
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return search_people(queryset, value)

    def filter_tag(self, queryset: QuerySet[Person], name: str, value: list[str]) -> QuerySet[Person]:
        # Only tags the user may see can be filtered on: otherwise the filter would reveal a hidden tag.
        if not value:
            return queryset
        user = getattr(self.request, "user", None)
        tags = PersonTag.objects.visible_to(user).current().filter(kind__in=value)
        return queryset.filter(pk__in=tags.values("person_id"))

    def filter_age_min(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        today = timezone.localdate()
        latest = _years_before(today, int(value))
        return queryset.filter(birth_date__lte=latest)

    def filter_age_max(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        today = timezone.localdate()
        earliest = _years_before(today, int(value) + 1) + dt.timedelta(days=1)
        return queryset.filter(birth_date__gte=earliest)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class HouseholdFilterSet(django_filters.FilterSet):
    number = django_filters.CharFilter(field_name="number", lookup_expr="startswith", label=_("户号"))
    area = ScopeCodeFilter()

    class Meta:
        model = Household
        fields: list[str] = []


class PersonTagFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=TagKind.choices, label=_("类别"))
    group = django_filters.ChoiceFilter(choices=TagGroup.choices, method="filter_group", label=_("人群"))
    area = ScopeCodeFilter()
    visit_due = django_filters.BooleanFilter(method="filter_visit_due", label=_("待走访"))
    current = django_filters.BooleanFilter(method="filter_current", label=_("在管"))

    class Meta:
        model = PersonTag
        fields: list[str] = []

    def filter_group(self, queryset: QuerySet[PersonTag], name: str, value: str) -> QuerySet[PersonTag]:
        return queryset.filter(kind__in=[k for k, g in TAG_GROUP.items() if g == value])

    def filter_visit_due(self, queryset: QuerySet[PersonTag], name: str, value: bool | None) -> QuerySet[PersonTag]:
        if value is None:
            return queryset
        today = timezone.localdate()
        q = Q(next_visit_due__lte=today, valid_to__isnull=True)
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_current(self, queryset: QuerySet[PersonTag], name: str, value: bool | None) -> QuerySet[PersonTag]:
        if value is None:
            return queryset
        return queryset.filter(valid_to__isnull=value)


class FloatingRegistrationFilterSet(django_filters.FilterSet):
    area = ScopeCodeFilter()
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring", label=_("多少天内到期"), min_value=0, max_value=366
    )

    class Meta:
        model = FloatingRegistration
        fields: list[str] = []

    def filter_expiring(self, queryset: QuerySet[FloatingRegistration], name: str, value: Any) -> QuerySet[Any]:
        return queryset.model.objects.filter(pk__in=queryset.values("pk")).expiring(  # type: ignore[attr-defined]
            timezone.localdate(), int(value)
        )


class RentalHouseFilterSet(django_filters.FilterSet):
    area = ScopeCodeFilter()
    active = django_filters.BooleanFilter(field_name="is_active", label=_("在租"))

    class Meta:
        model = RentalHouse
        fields: list[str] = []


class OrganisationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("名称"))
    kind = django_filters.MultipleChoiceFilter(choices=OrganisationKind.choices, label=_("类别"))
    venue_kind = django_filters.MultipleChoiceFilter(choices=VenueKind.choices, label=_("场所类型"))
    fire_safety = django_filters.MultipleChoiceFilter(choices=FireSafety.choices, label=_("消防检查"))
    uscc = django_filters.CharFilter(field_name="uscc", label=_("统一社会信用代码"))
    area = ScopeCodeFilter()

    class Meta:
        model = Organisation
        fields: list[str] = []


class FacilityFilterSet(django_filters.FilterSet):
    major_class = django_filters.MultipleChoiceFilter(choices=FacilityClass.choices, label=_("大类"))
    status = django_filters.MultipleChoiceFilter(choices=FacilityStatus.choices, label=_("状态"))
    code = django_filters.CharFilter(field_name="code", lookup_expr="startswith", label=_("部件编码"))
    area = ScopeCodeFilter()

    class Meta:
        model = Facility
        fields: list[str] = []


class AccessLogFilterSet(django_filters.FilterSet):
    action = django_filters.MultipleChoiceFilter(choices=AccessAction.choices, label=_("操作"))
    user = django_filters.CharFilter(field_name="user__username", label=_("操作人账号"))
    person = django_filters.NumberFilter(field_name="person_id", label=_("被查看人编号"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("起始日期"))
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("截止日期"))

    class Meta:
        model = AccessLog
        fields: list[str] = []
