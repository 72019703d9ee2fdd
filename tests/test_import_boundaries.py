"""import-boundaries: good files create and update regions and grids in WGS-84; any bad feature is reported with
its index and reason, and nothing at all is written."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.core.crs import to_wgs84
from gridgov.territory.boundary_import import import_boundaries
from gridgov.territory.models import Grid, GridKind, Region
from gridgov.territory.services import current_version

from .factories import MiniCity

SAMPLE = Path(__file__).parent / "data" / "boundaries_sample.geojson"


def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text())


def box(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def feature(geometry: dict[str, Any] | None = None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry or box(114.44, 23.14, 114.45, 23.15)}


def counts() -> tuple[int, int, int]:
    return Region.objects.count(), Grid.objects.count(), current_version()


def run(doc: dict[str, Any] | str, crs: str = "gcj02") -> Any:
    return import_boundaries(doc if isinstance(doc, str) else json.dumps(doc), crs)


def test_a_good_file_creates_regions_and_grids_with_parents_listed_after_children(city: MiniCity) -> None:
    regions, grids, version = counts()
    result = run(sample())
    assert result.ok, [str(e) for e in result.errors]
    assert (result.regions_created, result.grids_created) == (2, 3)
    assert counts()[:2] == (regions + 2, grids + 3)
    assert current_version() == version + 1  # bumped once, in the same transaction
    community = Region.objects.get(code="441302003001")
    assert community.parent is not None and community.parent.code == "441302003"
    assert community.level == "community" and community.name == "样例社区"
    grid = Grid.objects.get(code="441302003001001")
    assert grid.region == community and grid.region_code == "441302003001" and grid.households_estimate == 320
    assert Grid.objects.get(code="441302003001002").kind == GridKind.COMPREHENSIVE  # the Chinese type label
    micro = Grid.objects.get(code="44130200300100101")
    assert micro.kind == GridKind.MICRO and micro.parent == grid and micro.region == community
    assert grid.area_m2 and grid.min_lon is not None  # boundary fields filled by bulk writes too


def test_gcj02_input_is_stored_as_wgs84(city: MiniCity) -> None:
    assert run(sample(), "gcj02").ok
    stored = Grid.objects.get(code="441302003001001").boundary
    assert stored is not None
    lon, lat = stored.exterior.coords[0]
    expected = to_wgs84(114.44, 23.14, "gcj02")
    assert (lon, lat) == pytest.approx(expected, abs=1e-9)
    assert abs(lon - 114.44) > 1e-4  # really converted, not stored as given


def test_wgs84_input_is_stored_unchanged(city: MiniCity) -> None:
    assert run(sample(), "wgs84").ok
    stored = Region.objects.get(code="441302003").boundary
    assert stored is not None and stored.exterior.coords[0] == (114.44, 23.14)


def test_importing_twice_updates_and_does_not_duplicate(city: MiniCity) -> None:
    assert run(sample()).ok
    regions, grids, version = counts()
    doc = sample()
    doc["features"][0]["properties"]["name"] = "改名网格"
    doc["features"][0]["geometry"] = box(114.44, 23.14, 114.448, 23.15)
    result = run(doc)
    assert result.ok
    assert (result.regions_created, result.regions_updated, result.grids_created, result.grids_updated) == (0, 2, 0, 3)
    assert counts() == (regions, grids, version + 1)
    grid = Grid.objects.get(code="441302003001001")
    assert grid.name == "改名网格"
    assert grid.boundary is not None and grid.boundary.bounds[2] == pytest.approx(to_wgs84(114.448, 23.15, "gcj02")[0])


def test_an_existing_mini_city_grid_is_updated_in_place(city: MiniCity) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            feature(
                box(114.40, 23.10, 114.41, 23.12),
                code="441302001001001",
                name="新名字",
                type="comprehensive",
                parent="441302001001",
                households=99,
            )
        ],
    }
    result = run(doc, "wgs84")
    assert result.ok and result.grids_updated == 1
    grid = Grid.objects.get(code="441302001001001")
    assert (grid.name, grid.households_estimate, grid.buildings.count()) == ("新名字", 99, 1)


SELF_CROSSING = {
    "type": "Polygon",
    "coordinates": [[[114.44, 23.14], [114.45, 23.15], [114.45, 23.14], [114.44, 23.15], [114.44, 23.14]]],
}
UNCLOSED = {"type": "Polygon", "coordinates": [[[114.44, 23.14], [114.45, 23.14]]]}
HOLE_OUTSIDE = {
    "type": "Polygon",
    "coordinates": [
        box(114.44, 23.14, 114.45, 23.15)["coordinates"][0],
        box(114.46, 23.16, 114.47, 23.17)["coordinates"][0],
    ],
}

BAD_FEATURES = [
    (
        "self-intersection",
        feature(SELF_CROSSING, code="441302001001009", name="x", type="comprehensive", parent="441302001001"),
        "边界自相交",
    ),
    (
        "invalid geometry",
        feature(HOLE_OUTSIDE, code="441302001001009", name="x", type="comprehensive", parent="441302001001"),
        "几何无效",
    ),
    (
        "unparseable geometry",
        feature(UNCLOSED, code="441302001001009", name="x", type="comprehensive", parent="441302001001"),
        "几何无效",
    ),
    (
        "not a polygon",
        feature(
            {"type": "Point", "coordinates": [114.44, 23.14]},
            code="441302001001009",
            name="x",
            type="comprehensive",
            parent="441302001001",
        ),
        "必须是 Polygon 或 MultiPolygon",
    ),
    (
        "no geometry",
        {
            "type": "Feature",
            "properties": {"code": "441302001001009", "name": "x", "type": "comprehensive", "parent": "441302001001"},
            "geometry": None,
        },
        "缺少几何",
    ),
    ("missing code", feature(name="x", type="comprehensive", parent="441302001001"), "缺少代码"),
    ("missing name", feature(code="441302001001009", type="comprehensive", parent="441302001001"), "缺少名称"),
    (
        "unknown parent region",
        feature(code="441302009001", name="x", level="community", parent="441302009"),
        "上级区划 441302009 不存在",
    ),
    (
        "unknown parent of a grid",
        feature(code="441302001009001", name="x", type="comprehensive", parent="441302001009"),
        "上级区划 441302001009 不存在",
    ),
    (
        "unknown parent grid",
        feature(code="44130200100100901", name="x", type="micro", parent="441302001001009"),
        "上级网格 441302001001009 不存在",
    ),
    (
        "region code not under its parent",
        feature(code="441399001", name="x", level="subdistrict", parent="441302"),
        "不在上级 441302 之下",
    ),
    (
        "region code out of GB/T 10114 range",
        feature(code="441302700", name="x", level="subdistrict", parent="441302"),
        "001–599",
    ),
    (
        "grid code not under its community",
        feature(code="441302001002009", name="x", type="comprehensive", parent="441302001001"),
        "网格编码应为所在社区代码",
    ),
    (
        "grid under a non-community",
        feature(code="441302001009", name="x", type="comprehensive", parent="441302001"),
        "必须属于一个社区",
    ),
    (
        "micro-grid code not under its parent",
        feature(code="44130200100100201", name="x", type="micro", parent="441302001001001"),
        "应以上级网格编码",
    ),
    ("unknown level", feature(code="441302009", name="x", level="county-ish", parent="441302"), "未知的区划层级"),
    (
        "unknown type",
        feature(code="441302001001009", name="x", type="hexagon", parent="441302001001"),
        "未知的网格类型",
    ),
    (
        "bad households",
        feature(code="441302001001009", name="x", type="comprehensive", parent="441302001001", households=-3),
        "户数",
    ),
    (
        "region level changed",
        feature(code="441302001", name="街道1", level="district", parent="441300"),
        "已有区划 441302001 的层级",
    ),
    (
        "sibling name taken",
        feature(code="441302004", name="街道1", level="subdistrict", parent="441302"),
        "同一上级下已有同名区划",
    ),
]


@pytest.mark.parametrize(("label", "bad", "message"), BAD_FEATURES, ids=[b[0] for b in BAD_FEATURES])
def test_each_kind_of_bad_feature_is_reported_with_its_index_and_nothing_is_written(
    city: MiniCity, label: str, bad: dict[str, Any], message: str
) -> None:
    doc = sample()
    doc["features"].insert(2, copy.deepcopy(bad))  # good features before and after it
    before = counts()
    result = run(doc)
    assert not result.ok
    assert [e.index for e in result.errors] == [2], [str(e) for e in result.errors]
    text = str(result.errors[0])
    assert message in text and "第 2 个要素" in text
    assert counts() == before
    assert not Region.objects.filter(code="441302003").exists()


def test_a_duplicate_code_in_the_file_names_both_features(city: MiniCity) -> None:
    doc = sample()
    doc["features"].append(copy.deepcopy(doc["features"][0]))
    result = run(doc)
    assert [e.index for e in result.errors] == [5]
    assert "代码在文件中重复(与第 0 个要素相同)" in str(result.errors[0])
    assert not Grid.objects.filter(code="441302003001001").exists()


def test_every_bad_feature_is_listed_not_just_the_first(city: MiniCity) -> None:
    doc = sample()
    doc["features"][1]["geometry"] = SELF_CROSSING
    doc["features"][4]["properties"]["parent"] = "441399"
    result = run(doc)
    assert [e.index for e in result.errors] == [1, 4]


def test_children_of_a_bad_feature_are_not_reported_again(city: MiniCity) -> None:
    doc = sample()
    doc["features"][4]["geometry"] = SELF_CROSSING  # the sub-district: the community and grids under it hang on it
    result = run(doc)
    assert [e.index for e in result.errors] == [4]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "不是有效的 JSON"),
        (json.dumps({"type": "Feature"}), "FeatureCollection"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "没有要素"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(city: MiniCity, data: str, message: str) -> None:
    before = counts()
    result = run(data)
    assert result.errors and result.errors[0].index is None and message in str(result.errors[0])
    assert counts() == before


def test_an_unknown_datum_is_refused(city: MiniCity) -> None:
    result = run(sample(), "mars")
    assert "未知的坐标系" in str(result.errors[0])


def test_the_command_imports_and_reports_counts(city: MiniCity) -> None:
    out = StringIO()
    call_command("import_boundaries", str(SAMPLE), "--crs", "gcj02", stdout=out)
    assert "导入完成" in out.getvalue() and "网格:新建 3" in out.getvalue()
    assert Grid.objects.filter(code__startswith="441302003").count() == 3


def test_the_command_lists_errors_and_exits_non_zero_without_writing(city: MiniCity, tmp_path: Path) -> None:
    doc = sample()
    doc["features"][3]["properties"]["parent"] = "441302009"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(doc))
    before = counts()
    err = StringIO()
    with pytest.raises(CommandError, match="未导入任何内容") as exc:
        call_command("import_boundaries", str(bad), "--crs", "gcj02", stderr=err)
    assert exc.value.returncode == 1
    assert "第 3 个要素" in err.getvalue() and "441302009" in err.getvalue()
    assert counts() == before


def test_the_command_needs_the_datum_and_a_readable_file(city: MiniCity, tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command("import_boundaries", str(SAMPLE))
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import_boundaries", str(tmp_path / "missing.geojson"), "--crs", "wgs84")
