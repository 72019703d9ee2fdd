"""The demo city's territory in memory (no database): real boundaries, a partition of every community,
valid codes, and the same answer every time."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
import shapely
from django.contrib.auth.password_validation import validate_password
from shapely.geometry import shape

from gridgov.accounts.models import User
from gridgov.core.crs import to_wgs84
from gridgov.core.geo import area_m2, distance_m
from gridgov.core.regioncodes import validate_region_code
from gridgov.demo.build import DEMO_ACCOUNTS, DEMO_COMMUNITY, DEMO_GRID, STAFF_PASSWORD
from gridgov.demo.geometry import DATA_DIR, DemoCity, demo_city, demo_grid_records

pytestmark = pytest.mark.slow  # a few seconds of geometry


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return demo_city()


def test_the_city_has_exactly_3533_comprehensive_grids_with_more_in_the_dense_districts(city: DemoCity) -> None:
    per_district: dict[str, int] = defaultdict(int)
    for g in city.grids:
        if g.kind == "comprehensive":
            per_district[g.district_code] += 1
    assert sum(per_district.values()) == 3533
    assert per_district == {"441302": 1200, "441303": 720, "441322": 760, "441323": 560, "441324": 293}


def test_grids_are_small_downtown_and_large_in_the_hills(city: DemoCity) -> None:
    def median_km2(district: str) -> float:
        areas = sorted(
            area_m2(g.polygon) for g in city.grids if g.kind == "comprehensive" and g.district_code == district
        )
        return areas[len(areas) // 2] / 1e6

    assert median_km2("441302") * 10 < median_km2("441324")


def test_special_grids_include_parks_the_petrochemical_zone_markets_and_islands(city: DemoCity) -> None:
    kinds = {g.special_kind for g in city.grids if g.kind == "special"}
    assert {"industrial_park", "petrochemical", "market", "island"} <= kinds
    petro = [g for g in city.grids if g.special_kind == "petrochemical"]
    assert [g.district_code for g in petro] == ["441303"]


def test_comprehensive_and_special_grids_partition_every_community(city: DemoCity) -> None:
    by_community = defaultdict(list)
    for g in city.grids:
        by_community[g.community_code].append(g.polygon)
    communities = [r for r in city.regions if r.level == "community"]
    assert set(by_community) == {c.code for c in communities}
    for community in communities:
        polygons = by_community[community.code]
        union = shapely.union_all(polygons)
        assert area_m2(community.geom.difference(union)) < 1.0, community.code  # no gap
        assert area_m2(union.difference(community.geom)) < 1.0, community.code  # nothing outside
        overlap = sum(area_m2(a.intersection(b)) for i, a in enumerate(polygons) for b in polygons[i + 1 :])
        assert overlap < 1.0, community.code


def test_communities_partition_sub_districts_and_sub_districts_partition_districts(city: DemoCity) -> None:
    children = defaultdict(list)
    for r in city.regions:
        if r.level in ("subdistrict", "community"):
            children[r.parent_code].append(r.geom)
    for parent_code, parts in children.items():
        parent = city.region(str(parent_code)).geom
        assert area_m2(shapely.union_all(parts).symmetric_difference(parent)) < 1.0, parent_code


def test_micro_grids_partition_their_parent_grids(city: DemoCity) -> None:
    grids = {g.code: g for g in city.grids}
    by_parent = defaultdict(list)
    for m in city.micro:
        assert m.code.startswith(str(m.parent_code)) and len(m.code) == len(str(m.parent_code)) + 2
        by_parent[m.parent_code].append(m.polygon)
    assert len(by_parent) == 20
    assert all(4 <= len(parts) <= 6 for parts in by_parent.values())
    for parent_code, parts in by_parent.items():
        parent = grids[str(parent_code)]
        assert parent.kind == "comprehensive" and parent.district_code == "441302"
        assert area_m2(shapely.union_all(parts).symmetric_difference(parent.polygon)) < 1.0


def test_every_region_code_is_valid_under_its_parent_and_names_are_unique_in_a_parent(city: DemoCity) -> None:
    levels = {r.code: r.level for r in city.regions}
    seen = set()
    for r in city.regions:
        validate_region_code(r.code, r.level, r.parent_code, levels.get(r.parent_code or ""))
        assert (r.parent_code, r.name) not in seen
        seen.add((r.parent_code, r.name))
    townships = [r for r in city.regions if r.level == "subdistrict"]
    assert all((int(r.code[6:]) < 100) == r.name.endswith("街道") for r in townships)
    villages = [r for r in city.regions if r.level == "community"]
    assert all((int(r.code[9:]) >= 200) == r.name.endswith("村") for r in villages)


def test_grid_codes_extend_their_community_code_with_a_three_digit_sequence(city: DemoCity) -> None:
    sequences = defaultdict(list)
    for g in city.grids:
        assert g.code.startswith(str(g.community_code)) and len(g.code) == 15
        sequences[g.community_code].append(int(g.code[12:]))
    assert all(sorted(seq) == list(range(1, len(seq) + 1)) for seq in sequences.values())
    for g in city.specialized:
        assert g.kind == "specialized" and g.code.startswith(g.region_code) and len(g.code) > len(g.region_code)


def test_every_grid_is_a_valid_non_empty_polygon(city: DemoCity) -> None:
    for g in [*city.grids, *city.micro, *city.specialized]:
        assert g.polygon.is_valid and not g.polygon.is_empty, g.code
        assert g.polygon.geom_type in ("Polygon", "MultiPolygon")


def test_boundaries_are_converted_from_gcj02_to_wgs84(city: DemoCity) -> None:
    raw = shape(json.loads((DATA_DIR / "441302.geojson").read_text()))
    stored = city.region("441302").geom
    expected = to_wgs84(raw.centroid.x, raw.centroid.y, "gcj02")
    assert distance_m(*expected, stored.centroid.x, stored.centroid.y) < 5  # the offset varies slowly in space
    assert distance_m(raw.centroid.x, raw.centroid.y, stored.centroid.x, stored.centroid.y) > 200
    assert abs(area_m2(raw) - area_m2(stored)) / area_m2(stored) < 0.001


def test_the_records_are_the_same_every_time() -> None:
    fresh = demo_city.__wrapped__()  # computed again, not the cached city
    records = demo_grid_records()
    assert [g.code for g in fresh.grids] == [g.code for g in records]
    assert all(a.polygon.equals_exact(b.polygon, 0) for a, b in zip(fresh.grids, records, strict=True))
    assert all(g.parent_code is None for g in records)


def test_the_demo_anchors_exist(city: DemoCity) -> None:
    community = city.region(DEMO_COMMUNITY)
    grids = [g for g in city.grids if g.community_code == DEMO_COMMUNITY and g.kind == "comprehensive"]
    assert DEMO_GRID in {g.code for g in grids} and len(grids) >= 5
    descriptions = {username: scope for username, _pw, _role, scope in DEMO_ACCOUNTS}
    assert community.name in descriptions["community"] and f"{len(grids)}个综合网格" in descriptions["community"]
    assert city.region(DEMO_COMMUNITY[:9]).name in descriptions["subdistrict"]


def test_demo_passwords_pass_the_password_validators() -> None:
    for username, password, _role, _scope in DEMO_ACCOUNTS:
        validate_password(password, User(username=username, email=f"{username}@demo.gridgov.invalid"))
    validate_password(STAFF_PASSWORD, User(username="gw441302001009002"))
    assert len({pw for _u, pw, _r, _s in DEMO_ACCOUNTS}) == len(DEMO_ACCOUNTS)
