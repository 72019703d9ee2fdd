"""Coverage check: gaps, overlaps and grids outside their community, in m², for a region and for micro-grids."""

from __future__ import annotations

import pytest
import shapely
from django.test import override_settings
from shapely.geometry import box

from gridgov.core import geo
from gridgov.core.crs import CRS, from_wgs84
from gridgov.core.regioncodes import Level
from gridgov.territory.coverage import CoverageError, check_coverage, check_coverage_by_code
from gridgov.territory.models import Grid, GridKind, Region
from gridgov.territory.services import redraw_grid

from .factories import MiniCity, make_grid, make_region

COMMUNITY = "441302001001"  # box(114.40, 23.10, 114.42, 23.12), grids west 001 / east 002, split at 114.41
WEST, EAST = f"{COMMUNITY}001", f"{COMMUNITY}002"


def assert_close(actual: float, expected: float, rel: float = 0.005) -> None:
    assert expected > 0
    assert abs(actual - expected) <= rel * expected, (actual, expected)


def test_the_mini_city_has_no_gap_overlap_or_grid_outside_at_every_level(city: MiniCity) -> None:
    for code in ["441302", "441302001", "441302002", COMMUNITY, "441303", "441303001001"]:
        result = check_coverage_by_code(code)
        assert result.ok, code
        assert (result.gaps_m2, result.overlaps_m2, result.outside_m2) == (0, 0, 0)
        assert result.gaps == result.overlaps == result.outside == []
    assert check_coverage_by_code("441302").grid_count == 8


def test_a_shrunk_grid_leaves_a_gap_of_the_area_it_lost(city: MiniCity) -> None:
    # The east grid loses its eastern strip 114.418–114.42: the gap is exactly that strip.
    redraw_grid(city.grids[EAST], box(114.41, 23.10, 114.418, 23.12), on=city.grids[EAST].valid_from)
    result = check_coverage_by_code(COMMUNITY)
    strip = box(114.418, 23.10, 114.42, 23.12)
    assert len(result.gaps) == 1
    assert_close(result.gaps_m2, geo.area_m2(strip))
    assert_close(result.gaps[0].area_m2, geo.area_m2(strip))
    assert result.gaps[0].geometry.symmetric_difference(strip).area < 1e-12
    assert result.gaps[0].region_codes == (COMMUNITY,)
    assert result.overlaps == [] and result.outside == []
    assert not result.ok


def test_the_gap_is_found_from_the_district_too_and_named_by_community(city: MiniCity) -> None:
    redraw_grid(city.grids[EAST], box(114.41, 23.10, 114.418, 23.12), on=city.grids[EAST].valid_from)
    result = check_coverage_by_code("441302")
    assert [p.region_codes for p in result.gaps] == [(COMMUNITY,)]
    assert_close(result.gaps_m2, geo.area_m2(box(114.418, 23.10, 114.42, 23.12)))


def test_two_grids_overlapping_by_a_box_report_that_box_and_both_codes(city: MiniCity) -> None:
    # The west grid grows 0.003° east into the east grid: overlap box(114.41, 23.10, 114.413, 23.12).
    redraw_grid(city.grids[WEST], box(114.40, 23.10, 114.413, 23.12), on=city.grids[WEST].valid_from)
    result = check_coverage_by_code(COMMUNITY)
    overlap = box(114.41, 23.10, 114.413, 23.12)
    assert len(result.overlaps) == 1
    assert result.overlaps[0].grid_codes == (WEST, EAST)
    assert_close(result.overlaps_m2, geo.area_m2(overlap))
    assert result.overlaps[0].geometry.symmetric_difference(overlap).area < 1e-12
    assert result.gaps == [] and result.outside == []


def test_three_grids_overlapping_in_one_place_count_the_area_once(city: MiniCity) -> None:
    community = city.regions[COMMUNITY]
    make_grid(f"{COMMUNITY}003", "叠加网格", community, box(114.405, 23.105, 114.415, 23.115), kind=GridKind.SPECIAL)
    result = check_coverage_by_code(COMMUNITY)
    assert len(result.overlaps) == 1
    assert result.overlaps[0].grid_codes == (WEST, EAST, f"{COMMUNITY}003")
    assert_close(result.overlaps_m2, geo.area_m2(box(114.405, 23.105, 114.415, 23.115)))


def test_a_grid_sticking_out_of_its_community_is_reported_with_the_area_outside(city: MiniCity) -> None:
    # The east grid grows 0.002° north into the next community, where it also overlaps that community's grids.
    redraw_grid(city.grids[EAST], box(114.41, 23.10, 114.42, 23.122), on=city.grids[EAST].valid_from)
    result = check_coverage_by_code("441302001")
    outside = box(114.41, 23.12, 114.42, 23.122)
    assert [p.grid_codes for p in result.outside] == [(EAST,)]
    assert result.outside[0].region_codes == (COMMUNITY,)
    assert_close(result.outside_m2, geo.area_m2(outside))
    assert {c for p in result.overlaps for c in p.grid_codes} == {EAST, "441302001002002"}
    assert_close(result.overlaps_m2, geo.area_m2(outside))


def test_specialized_and_retired_grids_are_not_counted(city: MiniCity) -> None:
    community = city.regions[COMMUNITY]
    make_grid(f"{COMMUNITY}901", "警务网格", community, box(114.39, 23.09, 114.43, 23.13), kind=GridKind.SPECIALIZED)
    Grid.objects.filter(code=EAST).update(is_active=False)
    result = check_coverage_by_code(COMMUNITY)
    assert result.overlaps == [] and result.outside == []
    assert_close(result.gaps_m2, geo.area_m2(box(114.41, 23.10, 114.42, 23.12)))


def test_slivers_below_the_threshold_are_ignored_and_a_lower_threshold_finds_them(city: MiniCity) -> None:
    # A 1e-7° strip (about 1 cm wide, 2.2 km long: ~22 m²) left between the two grids.
    redraw_grid(city.grids[EAST], box(114.4100001, 23.10, 114.42, 23.12), on=city.grids[EAST].valid_from)
    assert check_coverage_by_code(COMMUNITY, min_area_m2=100).gaps == []
    assert len(check_coverage_by_code(COMMUNITY, min_area_m2=1).gaps) == 1
    with override_settings(COVERAGE_MIN_AREA_M2=100.0):
        assert check_coverage_by_code(COMMUNITY).ok


def test_micro_grids_gaps_and_overlaps_are_checked_inside_their_parent(city: MiniCity) -> None:
    parent = city.grids[WEST]  # box(114.40, 23.10, 114.41, 23.12)
    community = city.regions[COMMUNITY]
    make_grid(f"{WEST}01", "微网格1", community, box(114.40, 23.10, 114.41, 23.11), GridKind.MICRO, parent)
    # The second micro-grid covers only the west half of the north half, and pokes 0.001° south into the first.
    make_grid(f"{WEST}02", "微网格2", community, box(114.40, 23.109, 114.405, 23.12), GridKind.MICRO, parent)
    result = check_coverage_by_code(COMMUNITY)
    assert result.gaps == [] and result.overlaps == []  # micro-grids do not count for the community
    assert [m.parent_code for m in result.micro] == [WEST]
    micro = result.micro[0]
    assert micro.micro_count == 2
    assert_close(micro.gaps_m2, geo.area_m2(box(114.405, 23.11, 114.41, 23.12)))
    assert_close(micro.overlaps_m2, geo.area_m2(box(114.40, 23.109, 114.405, 23.11)))
    assert micro.overlaps[0].grid_codes == (f"{WEST}01", f"{WEST}02")
    assert micro.outside == []
    assert not result.ok


def test_a_micro_grid_outside_its_parent_is_reported(city: MiniCity) -> None:
    parent = city.grids[WEST]
    community = city.regions[COMMUNITY]
    make_grid(f"{WEST}01", "微网格1", community, box(114.40, 23.10, 114.412, 23.12), GridKind.MICRO, parent)
    micro = check_coverage_by_code(COMMUNITY).micro[0]
    assert micro.gaps == [] and micro.overlaps == []
    assert_close(micro.outside_m2, geo.area_m2(box(114.41, 23.10, 114.412, 23.12)))


def test_a_community_without_grids_is_one_gap_of_its_whole_area(db: None) -> None:
    province = make_region("440000", "广东省", Level.PROVINCE, None, None)
    city_ = make_region("441300", "惠州市", Level.CITY, province, None)
    district = make_region("441302", "惠城区", Level.DISTRICT, city_, None)
    sub = make_region("441302001", "街道", Level.SUBDISTRICT, district, None)
    make_region("441302001001", "社区", Level.COMMUNITY, sub, box(114.40, 23.10, 114.41, 23.11))
    result = check_coverage_by_code("441302001")  # no boundary of its own: its communities' union is used
    assert result.grid_count == 0
    assert_close(result.gaps_m2, geo.area_m2(box(114.40, 23.10, 114.41, 23.11)))


def test_regions_above_district_or_without_any_boundary_cannot_be_checked(city: MiniCity) -> None:
    with pytest.raises(CoverageError, match="覆盖检查只能针对"):
        check_coverage(city.regions["441300"])
    Region.objects.filter(code__startswith="441303").update(boundary_wkb=None)
    with pytest.raises(CoverageError, match="没有边界"):
        check_coverage_by_code("441303")


def test_geojson_output_has_totals_and_features_in_the_asked_datum(city: MiniCity) -> None:
    redraw_grid(city.grids[EAST], box(114.41, 23.10, 114.418, 23.12), on=city.grids[EAST].valid_from)
    result = check_coverage_by_code(COMMUNITY)
    wgs = result.to_geojson("wgs84")
    gcj = result.to_geojson(CRS.GCJ02)
    assert wgs["totals"]["gap_count"] == 1 and wgs["totals"]["overlap_count"] == 0
    assert wgs["ok"] is False and wgs["crs"] == "wgs84" and gcj["crs"] == "gcj02"
    feature = wgs["gaps"]["features"][0]
    assert feature["properties"]["kind"] == "gap" and feature["properties"]["region_codes"] == [COMMUNITY]
    assert wgs["overlaps"] == {"type": "FeatureCollection", "features": []}
    lon, lat = shapely.geometry.shape(feature["geometry"]).exterior.coords[0]
    glon, glat = shapely.geometry.shape(gcj["gaps"]["features"][0]["geometry"]).exterior.coords[0]
    assert (glon, glat) == pytest.approx(from_wgs84(lon, lat, CRS.GCJ02), abs=1e-9)
    assert abs(glon - lon) > 1e-4  # really shifted
