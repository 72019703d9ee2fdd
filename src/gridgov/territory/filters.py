"""One filterset per territory model, shared by the web UI and the API (STYLE: NetBox).

Filters narrow a queryset that has already been restricted by ``visible_to``; they never widen it. Bad values are
form errors on the named field, which the API turns into ``{"field": ["message"]}``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gridgov.core.crs import CRS, parse_crs, to_wgs84
from gridgov.core.regioncodes import Level

from .models import Building, BuildingKind, Grid, GridKind, House, Region, SpecialKind

code_prefix_validator = RegexValidator(r"^\d{1,12}$", _("请输入数字区划代码或其前缀。"))
# Grid and building codes extend region codes; a specialized grid's code may carry letters (e.g. 441302001JW01).
grid_code_validator = RegexValidator(r"^[0-9A-Za-z_-]{1,32}$", _("请输入网格或楼栋编码(数字、字母)或其前缀。"))

BBox = tuple[float, float, float, float]


class BBoxField(forms.CharField):
    """``minlon,minlat,maxlon,maxlat`` → a tuple of four floats, checked for range and order."""

    default_error_messages = {
        "format": _("范围应为 最小经度,最小纬度,最大经度,最大纬度 四个数字,以英文逗号分隔。"),
        "range": _("经度应在 -180 到 180 之间,纬度应在 -90 到 90 之间。"),
        "order": _("最小经度/纬度不能大于最大经度/纬度。"),
    }

    def to_python(self, value: Any) -> BBox | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        parts = text.split(",")
        try:
            if len(parts) != 4:
                raise ValueError(text)
            minlon, minlat, maxlon, maxlat = (float(p) for p in parts)
        except ValueError:
            raise forms.ValidationError(self.error_messages["format"], code="format") from None
        if not all(abs(v) <= 180 for v in (minlon, maxlon)) or not all(abs(v) <= 90 for v in (minlat, maxlat)):
            raise forms.ValidationError(self.error_messages["range"], code="range")
        if minlon > maxlon or minlat > maxlat:
            raise forms.ValidationError(self.error_messages["order"], code="order")
        return (minlon, minlat, maxlon, maxlat)


class StrictBooleanField(forms.Field):
    """``true``/``false`` (also 1/0, yes/no); anything else is an error rather than silently "no filter"."""

    widget = forms.Select(choices=[("", "---------"), ("true", _("是")), ("false", _("否"))])
    default_error_messages = {"invalid": _("请输入 true 或 false。")}
    TRUE = frozenset({"true", "1", "yes", "on"})
    FALSE = frozenset({"false", "0", "no", "off"})

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class BBoxFilter(django_filters.Filter):
    field_class = BBoxField


def bbox_to_wgs84(bbox: BBox, crs: CRS) -> BBox:
    """Convert a box drawn in ``crs`` to WGS-84 (corners only: at a map's size the offset is nearly uniform,
    and the box is widened by the largest corner shift so that nothing on its edge is missed)."""
    if crs == CRS.WGS84:
        return bbox
    minlon, minlat, maxlon, maxlat = bbox
    corners = [to_wgs84(x, y, crs) for x, y in ((minlon, minlat), (minlon, maxlat), (maxlon, minlat), (maxlon, maxlat))]
    shifts = [
        max(abs(wx - x), abs(wy - y))
        for (wx, wy), (x, y) in zip(
            corners, ((minlon, minlat), (minlon, maxlat), (maxlon, minlat), (maxlon, maxlat)), strict=True
        )
    ]
    margin = max(shifts) * 0.05
    return (
        min(c[0] for c in corners) - margin,
        min(c[1] for c in corners) - margin,
        max(c[0] for c in corners) + margin,
        max(c[1] for c in corners) + margin,
    )


class BoundaryFilterSet(django_filters.FilterSet):
    """Filters shared by models with a stored boundary box (regions, grids)."""

    bbox = BBoxFilter(
        method="filter_bbox",
        label=_("范围"),
        help_text=_("最小经度,最小纬度,最大经度,最大纬度;坐标系由 crs 参数指定(默认 WGS-84)。"),
    )

    def filter_bbox(self, queryset: QuerySet[Any], name: str, value: BBox | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        try:
            crs = parse_crs(self.data.get("crs"))
        except ValueError:
            crs = CRS.WGS84  # the view reports a bad crs on its own field
        minlon, minlat, maxlon, maxlat = bbox_to_wgs84(value, crs)
        # Boxes intersect; the stored min/max columns answer it without decoding a polygon.
        return queryset.filter(max_lon__gte=minlon, min_lon__lte=maxlon, max_lat__gte=minlat, min_lat__lte=maxlat)

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__startswith=value) | Q(name__icontains=value))


class RegionFilterSet(BoundaryFilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("层级"))
    parent = django_filters.CharFilter(
        field_name="parent__code", label=_("上级区划代码"), validators=[code_prefix_validator]
    )
    under = django_filters.CharFilter(
        field_name="code",
        lookup_expr="startswith",
        label=_("代码前缀"),
        validators=[code_prefix_validator],
        help_text=_("只列出代码以此开头的区划,例如 441302 列出惠城区及其下级。"),
    )
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"), help_text=_("代码前缀或名称"))

    class Meta:
        model = Region
        fields = ["level", "parent", "under", "q", "bbox"]


class GridFilterSet(BoundaryFilterSet):
    """Lists current grids unless ``current`` says otherwise: a redrawn grid's old versions stay as history."""

    kind = django_filters.MultipleChoiceFilter(choices=GridKind.choices, label=_("类型"))
    special_kind = django_filters.MultipleChoiceFilter(choices=SpecialKind.choices, label=_("专属类型"))
    under = django_filters.CharFilter(
        field_name="region_code",
        lookup_expr="startswith",
        label=_("区划代码前缀"),
        validators=[code_prefix_validator],
        help_text=_("只列出所属区划代码以此开头的网格,例如 441302001 列出该街道的网格。"),
    )
    region = django_filters.CharFilter(
        field_name="region_code", label=_("所属区划代码"), validators=[code_prefix_validator]
    )
    parent = django_filters.CharFilter(
        field_name="parent__code", label=_("上级网格编码"), validators=[grid_code_validator]
    )
    active = StrictBooleanFilter(field_name="is_active", label=_("启用"))
    current = StrictBooleanFilter(
        method="filter_current",
        label=_("现行"),
        help_text=_("true(默认):现行网格;false:已被重划或停用的历史版本。"),
    )
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"), help_text=_("编码前缀或名称"))

    class Meta:
        model = Grid
        fields = ["kind", "special_kind", "under", "region", "parent", "active", "current", "q", "bbox"]

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and "current" not in data:
            data = data.copy()
            data["current"] = "true"
        super().__init__(data, *args, **kwargs)

    def filter_current(self, queryset: QuerySet[Grid], name: str, value: bool | None) -> QuerySet[Grid]:
        current = Q(is_active=True, valid_to__isnull=True)
        if value is None:
            return queryset
        return queryset.filter(current) if value else queryset.exclude(current)


class BuildingFilterSet(django_filters.FilterSet):
    grid = django_filters.CharFilter(field_name="grid__code", label=_("网格编码"), validators=[grid_code_validator])
    kind = django_filters.MultipleChoiceFilter(choices=BuildingKind.choices, label=_("类型"))
    under = django_filters.CharFilter(
        field_name="code",
        lookup_expr="startswith",
        label=_("编码前缀"),
        validators=[grid_code_validator],
        help_text=_("区划代码或网格编码:楼栋编码以它开头。"),
    )
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"), help_text=_("编码前缀或名称/地址"))

    class Meta:
        model = Building
        fields = ["grid", "kind", "under", "q"]

    def filter_q(self, queryset: QuerySet[Building], name: str, value: str) -> QuerySet[Building]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__startswith=value) | Q(name__icontains=value))


class HouseFilterSet(django_filters.FilterSet):
    building = django_filters.CharFilter(
        field_name="building__code", label=_("楼栋编码"), validators=[grid_code_validator]
    )
    under = django_filters.CharFilter(
        field_name="building__code",
        lookup_expr="startswith",
        label=_("编码前缀"),
        validators=[grid_code_validator],
        help_text=_("区划、网格或楼栋编码:所在楼栋的编码以它开头。"),
    )
    floor = django_filters.NumberFilter(label=_("楼层"))

    class Meta:
        model = House
        fields = ["building", "under", "floor"]
