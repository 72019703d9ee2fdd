"""Import region or grid boundaries from a GeoJSON FeatureCollection — all or nothing per file.

Each feature's ``properties``:

* regions: ``code``, ``name``, ``level`` (province/city/district/subdistrict/community, or the Chinese label;
  inferred from the code when absent), ``parent`` (or ``parent_code``) — the parent region's code;
* grids: ``code``, ``name``, ``type`` (comprehensive/special/specialized/micro or 综合网格/专属网格/专业网格/
  微网格), ``parent`` — the community for comprehensive and special grids, the region a specialized grid
  belongs to, the parent grid for a micro-grid; optional ``households``, ``special_kind``, ``owner_unit``.

A feature with ``type`` is a grid, any other a region. Coordinates are in the declared datum and stored as
WGS-84. Existing codes are updated (name, boundary, households), new ones created. Parents may come after their
children in the file. Every feature is checked first; one bad feature and nothing is written, and each one is
reported with its index in ``features`` and the reason. The same function serves ``manage.py
import_boundaries`` and the admin upload.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gridgov.core.crs import CRS, parse_crs, transform_geometry
from gridgov.core.geo import polygonal_part
from gridgov.core.regioncodes import LEVEL_ORDER, Level, level_for_code, validate_region_code

from .models import Grid, GridKind, Region, SpecialKind
from .services import bump_version

GRID_TYPES = {
    **{k.value: k for k in GridKind},
    "综合网格": GridKind.COMPREHENSIVE,
    "专属网格": GridKind.SPECIAL,
    "特殊网格": GridKind.SPECIAL,
    "专业网格": GridKind.SPECIALIZED,
    "微网格": GridKind.MICRO,
}
LEVELS = {
    **{k.value: k for k in Level},
    "省": Level.PROVINCE,
    "市": Level.CITY,
    "区": Level.DISTRICT,
    "县": Level.DISTRICT,
    "区县": Level.DISTRICT,
    "街道": Level.SUBDISTRICT,
    "乡镇": Level.SUBDISTRICT,
    "镇": Level.SUBDISTRICT,
    "乡": Level.SUBDISTRICT,
    "社区": Level.COMMUNITY,
    "村": Level.COMMUNITY,
}


@dataclass(frozen=True)
class FeatureError:
    index: int | None  # position in ``features``; None for the file as a whole
    code: str
    reason: str

    def __str__(self) -> str:
        if self.index is None:
            return _("文件:%(reason)s") % {"reason": self.reason}
        if self.code:
            return _("第 %(index)d 个要素(features[%(index)d],代码 %(code)s):%(reason)s") % {
                "index": self.index,
                "code": self.code,
                "reason": self.reason,
            }
        return _("第 %(index)d 个要素(features[%(index)d]):%(reason)s") % {"index": self.index, "reason": self.reason}


@dataclass
class ImportResult:
    errors: list[FeatureError] = field(default_factory=list)
    regions_created: int = 0
    regions_updated: int = 0
    grids_created: int = 0
    grids_updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return _("区划:新建 %(rc)d,更新 %(ru)d;网格:新建 %(gc)d,更新 %(gu)d。") % {
            "rc": self.regions_created,
            "ru": self.regions_updated,
            "gc": self.grids_created,
            "gu": self.grids_updated,
        }


@dataclass
class _Item:
    """One feature that passed the checks of its own (before parents are resolved)."""

    index: int
    code: str
    name: str
    is_grid: bool
    kind: str  # a Level for regions, a GridKind for grids
    parent_code: str
    geometry: BaseGeometry
    households: int | None = None
    special_kind: str = ""
    owner_unit: str = ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value).strip()


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return ";".join(f"{m}" for messages in exc.message_dict.values() for m in messages)
    return ";".join(str(m) for m in exc.messages)


def _parse(data: bytes | str, errors: list[FeatureError]) -> list[Any] | None:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        errors.append(FeatureError(None, "", _("不是有效的 JSON:%(e)s") % {"e": exc}))
        return None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        errors.append(FeatureError(None, "", _("必须是 GeoJSON FeatureCollection(含 features 数组)。")))
        return None
    return doc["features"]


def _check_feature(index: int, feature: Any, crs: CRS, errors: list[FeatureError]) -> _Item | None:
    def fail(reason: str | Promise, code: str = "") -> None:
        errors.append(FeatureError(index, code, str(reason)))

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        fail(_("不是 GeoJSON Feature。"))
        return None
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        fail(_("properties 必须是对象。"))
        return None
    code, name = _text(props.get("code")), _text(props.get("name"))
    if not code:
        fail(_("缺少代码(code)。"))
        return None
    if not name:
        fail(_("缺少名称(name)。"), code)
        return None
    if len(name) > 100 or len(code) > 24:
        fail(_("名称不能超过 100 个字符,代码不能超过 24 个字符。"), code)
        return None
    parent_code = _text(props.get("parent", props.get("parent_code")))
    is_grid = props.get("type") not in (None, "")
    kind: str | None
    if is_grid:
        kind = GRID_TYPES.get(_text(props.get("type")).lower()) or GRID_TYPES.get(_text(props.get("type")))
        if kind is None:
            fail(
                _("未知的网格类型“%(t)s”(可用:comprehensive、special、specialized、micro)。") % {"t": props["type"]},
                code,
            )
            return None
    else:
        raw_level = _text(props.get("level"))
        if raw_level:
            kind = LEVELS.get(raw_level.lower()) or LEVELS.get(raw_level)
            if kind is None:
                fail(
                    _("未知的区划层级“%(l)s”(可用:province、city、district、subdistrict、community)。")
                    % {"l": raw_level},
                    code,
                )
                return None
        else:
            kind = level_for_code(code)

    raw_geom = feature.get("geometry")
    if not raw_geom:
        fail(_("缺少几何(geometry)。"), code)
        return None
    try:
        geom = shape(raw_geom)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.ShapelyError) as exc:
        fail(_("几何无效:无法解析(%(e)s)。") % {"e": exc}, code)
        return None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        fail(_("几何类型是 %(t)s,必须是 Polygon 或 MultiPolygon。") % {"t": geom.geom_type}, code)
        return None
    if geom.is_empty:
        fail(_("几何无效:为空。"), code)
        return None
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        if reason.startswith(("Self-intersection", "Ring Self-intersection")):
            fail(_("边界自相交:%(r)s。") % {"r": reason}, code)
        else:
            fail(_("几何无效:%(r)s。") % {"r": reason}, code)
        return None
    geom = shapely.force_2d(geom)
    wgs = transform_geometry(geom, crs, CRS.WGS84)
    if not shapely.is_valid(wgs):
        # The datum shift moves each vertex on its own; where two vertices of a valid ring lie within a few
        # nanodegrees, that can fold the ring. Repair such folds when the area does not change measurably.
        repaired = polygonal_part(shapely.make_valid(wgs))
        if repaired.geom_type in ("Polygon", "MultiPolygon") and abs(repaired.area - wgs.area) <= 1e-4 * repaired.area:
            wgs = repaired
    if not shapely.is_valid(wgs):
        fail(_("几何无效:转换为 WGS-84 后 %(r)s。") % {"r": shapely.is_valid_reason(wgs)}, code)
        return None

    households: int | None = None
    item = _Item(index, code, name, is_grid, kind, parent_code, wgs)
    if is_grid:
        raw = props.get("households", props.get("households_estimate"))
        if raw not in (None, ""):
            try:
                households = int(raw)
                if households < 0 or households != float(raw):
                    raise ValueError
            except (TypeError, ValueError):
                fail(_("户数(households)必须是非负整数。"), code)
                return None
        item.households = households
        special = _text(props.get("special_kind"))
        if special and special not in SpecialKind.values:
            fail(_("未知的专属类型“%(s)s”。") % {"s": special}, code)
            return None
        item.special_kind = special
        item.owner_unit = _text(props.get("owner_unit"))[:100]
    return item


def validate_features(features: list[Any], crs: CRS) -> tuple[list[_Item], list[_Item], list[FeatureError]]:
    """Check every feature; return the regions and grids in writing order (parents first) and the errors."""
    errors: list[FeatureError] = []
    items = [_check_feature(i, f, crs, errors) for i, f in enumerate(features)]
    regions = [it for it in items if it is not None and not it.is_grid]
    grids = [it for it in items if it is not None and it.is_grid]

    # Duplicates within the file (regions and grids have separate codes): the first one stands.
    deduped: list[list[_Item]] = []
    for group in (regions, grids):
        first: dict[str, int] = {}
        kept = []
        for it in group:
            if it.code in first:
                errors.append(
                    FeatureError(
                        it.index, it.code, _("代码在文件中重复(与第 %(i)d 个要素相同)。") % {"i": first[it.code]}
                    )
                )
            else:
                first[it.code] = it.index
                kept.append(it)
        deduped.append(kept)
    regions, grids = deduped
    # Codes of features already reported: their children are not reported again as "unknown parent".
    broken = {e.code for e in errors if e.code}

    # Parents first: regions by level then code, grids with micro-grids last, each by code length.
    regions.sort(key=lambda it: (LEVEL_ORDER.index(Level(it.kind)), len(it.code), it.code))
    grids.sort(key=lambda it: (it.kind == GridKind.MICRO, len(it.code), it.code))

    region_codes = {it.code for it in regions} | {it.parent_code for it in regions + grids if it.parent_code}
    db_regions = {r.code: r for r in Region.objects.filter(code__in=region_codes)}
    grid_codes = {it.code for it in grids} | {it.parent_code for it in grids if it.kind == GridKind.MICRO}
    db_grids = {g.code: g for g in Grid.objects.current().filter(code__in=grid_codes).select_related("region")}

    # Stand-ins for what the file will create, so that Grid.full_clean can see parents not yet written.
    file_regions: dict[str, Region] = {}
    for it in regions:
        existing = db_regions.get(it.code)
        parent = file_regions.get(it.parent_code) or db_regions.get(it.parent_code)
        try:
            if it.kind != Level.PROVINCE and not it.parent_code:
                raise ValidationError({"parent": _("缺少上级区划代码(parent)。")})
            if it.parent_code and parent is None and it.parent_code in broken:
                broken.add(it.code)
                continue
            if it.parent_code and parent is None:
                raise ValidationError(
                    {"parent": _("上级区划 %(p)s 不存在(数据库和本文件中都没有)。") % {"p": it.parent_code}}
                )
            if existing is not None and existing.level != it.kind:
                raise ValidationError(
                    {"level": _("已有区划 %(c)s 的层级是%(l)s。") % {"c": it.code, "l": existing.get_level_display()}}
                )
            if existing is not None and existing.parent_id and parent is not None and existing.parent_id != parent.pk:
                raise ValidationError({"parent": _("已有区划的上级是另一个区划,导入不改变上级。")})
            validate_region_code(it.code, it.kind, parent.code if parent else None, parent.level if parent else None)
        except ValidationError as exc:
            errors.append(FeatureError(it.index, it.code, _message(exc)))
            broken.add(it.code)
            continue
        stand_in = existing or Region(pk=-(it.index + 1), code=it.code, level=it.kind)
        stand_in.name = it.name
        file_regions[it.code] = stand_in

    # Unique names among siblings (a database constraint: check it here, not at write time).
    by_parent: dict[tuple[str, str], _Item] = {}
    for it in regions:
        if it.code not in file_regions:
            continue
        key = (it.parent_code, it.name)
        if key in by_parent:
            errors.append(
                FeatureError(
                    it.index, it.code, _("同一上级下已有同名区划(第 %(i)d 个要素)。") % {"i": by_parent[key].index}
                )
            )
        by_parent[key] = it
    sibling_names = Region.objects.filter(parent__code__in={it.parent_code for it in regions}).values_list(
        "parent__code", "name", "code"
    )
    file_codes = {it.code for it in regions}
    for parent_code, name, code in sibling_names:
        clash = by_parent.get((parent_code, name))
        if clash is not None and code not in file_codes:
            errors.append(FeatureError(clash.index, clash.code, _("同一上级下已有同名区划 %(c)s。") % {"c": code}))

    file_grids: dict[str, Grid] = {}
    for it in grids:
        existing_grid = db_grids.get(it.code)
        grid = Grid(code=it.code, name=it.name, kind=it.kind, special_kind=it.special_kind, owner_unit=it.owner_unit)
        try:
            if not it.parent_code:
                raise ValidationError({"parent": _("缺少上级代码(parent)。")})
            if it.kind == GridKind.MICRO:
                parent_grid = file_grids.get(it.parent_code) or db_grids.get(it.parent_code)
                if parent_grid is None and it.parent_code in broken:
                    broken.add(it.code)
                    continue
                if parent_grid is None:
                    raise ValidationError(
                        {"parent": _("上级网格 %(p)s 不存在(数据库和本文件中都没有)。") % {"p": it.parent_code}}
                    )
                grid.parent = parent_grid
                grid.region = parent_grid.region
            else:
                region = file_regions.get(it.parent_code) or db_regions.get(it.parent_code)
                if region is None and it.parent_code in broken:
                    broken.add(it.code)
                    continue
                if region is None:
                    raise ValidationError(
                        {"parent": _("上级区划 %(p)s 不存在(数据库和本文件中都没有)。") % {"p": it.parent_code}}
                    )
                grid.region = region
            if existing_grid is not None and existing_grid.kind != it.kind:
                raise ValidationError(
                    {
                        "type": _("已有网格 %(c)s 的类型是%(k)s。")
                        % {"c": it.code, "k": existing_grid.get_kind_display()}
                    }
                )
            if existing_grid is not None and existing_grid.region.code != grid.region.code:
                raise ValidationError({"parent": _("已有网格属于另一个区划,导入不改变所属区划。")})
            grid.full_clean(exclude=["region", "parent"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors.append(FeatureError(it.index, it.code, _message(exc)))
            broken.add(it.code)
            continue
        if existing_grid is None:
            grid.pk = -(it.index + 1)
        file_grids[it.code] = existing_grid or grid

    errors.sort(key=lambda e: -1 if e.index is None else e.index)
    return regions, grids, errors


def import_boundaries(data: bytes | str, crs: CRS | str) -> ImportResult:
    """Validate the whole file, then write it in one transaction; on any error write nothing."""
    result = ImportResult()
    try:
        crs = parse_crs(str(crs))
    except ValueError:
        result.errors.append(FeatureError(None, "", _("未知的坐标系“%(c)s”(可用:wgs84、gcj02、bd09)。") % {"c": crs}))
        return result
    features = _parse(data, result.errors)
    if features is None:
        return result
    if not features:
        result.errors.append(FeatureError(None, "", _("文件中没有要素。")))
        return result
    regions, grids, errors = validate_features(features, crs)
    if errors:
        result.errors = errors
        return result
    try:
        with transaction.atomic():
            _write(regions, grids, result)
            bump_version()  # bulk writes fire no signals
    except (IntegrityError, ValidationError) as exc:  # a concurrent writer got there first
        result = ImportResult(errors=[FeatureError(None, "", _("写入失败,未导入任何内容:%(e)s") % {"e": exc})])
    return result


def _write(regions: list[_Item], grids: list[_Item], result: ImportResult) -> None:
    saved_regions = {
        r.code: r
        for r in Region.objects.filter(
            code__in={it.code for it in regions} | {it.parent_code for it in regions + grids}
        )
    }
    by_level: dict[str, list[_Item]] = {}
    for it in regions:
        by_level.setdefault(it.kind, []).append(it)
    for level in LEVEL_ORDER:
        new, changed = [], []
        for it in by_level.get(level, []):
            region = saved_regions.get(it.code)
            if region is None:
                region = Region(code=it.code, level=it.kind, parent=saved_regions.get(it.parent_code))
                new.append(region)
            else:
                changed.append(region)
            region.name = it.name
            region.set_boundary(it.geometry)
        Region.objects.bulk_create(new, batch_size=500)
        Region.objects.bulk_update(changed, ["name", *_BOUNDARY_FIELDS], batch_size=500)
        for region in new:
            if region.pk is None:  # backends that do not return keys from bulk inserts
                region.pk = Region.objects.get(code=region.code).pk
        saved_regions.update({r.code: r for r in new})
        result.regions_created += len(new)
        result.regions_updated += len(changed)

    if not grids:
        return
    missing = {it.parent_code for it in grids if it.kind != GridKind.MICRO} - saved_regions.keys()
    saved_regions.update({r.code: r for r in Region.objects.filter(code__in=missing)})
    saved_grids = {
        g.code: g
        for g in Grid.objects.current()
        .filter(code__in={it.code for it in grids} | {it.parent_code for it in grids})
        .select_related("region")
    }
    for micro in (False, True):
        new_g, changed_g = [], []
        for it in grids:
            if (it.kind == GridKind.MICRO) != micro:
                continue
            grid = saved_grids.get(it.code)
            if grid is None:
                parent = saved_grids[it.parent_code] if micro else None
                region = parent.region if parent is not None else saved_regions[it.parent_code]
                grid = Grid(
                    code=it.code,
                    kind=it.kind,
                    region=region,
                    region_code=region.code,
                    parent=parent,
                    special_kind=it.special_kind,
                    owner_unit=it.owner_unit,
                )
                new_g.append(grid)
            else:
                changed_g.append(grid)
                if it.special_kind:
                    grid.special_kind = it.special_kind
                if it.owner_unit:
                    grid.owner_unit = it.owner_unit
            grid.name = it.name
            if it.households is not None:
                grid.households_estimate = it.households
            grid.set_boundary(it.geometry)
        Grid.objects.bulk_create(new_g, batch_size=500)
        Grid.objects.bulk_update(
            changed_g,
            ["name", "households_estimate", "special_kind", "owner_unit", *_BOUNDARY_FIELDS],
            batch_size=500,
        )
        for grid in new_g:
            if grid.pk is None:
                grid.pk = Grid.objects.current().get(code=grid.code).pk
        saved_grids.update({g.code: g for g in new_g})
        result.grids_created += len(new_g)
        result.grids_updated += len(changed_g)


_BOUNDARY_FIELDS = ["boundary_wkb", "min_lon", "min_lat", "max_lon", "max_lat", "area_m2"]
