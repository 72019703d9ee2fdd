"""``manage.py coverage``: a readable report in Chinese and an exit status a pipeline can gate on."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from shapely.geometry import box

from gridgov.territory.services import redraw_grid

from .factories import MiniCity

EAST = "441302001001002"


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("coverage", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_a_clean_region_exits_zero_with_a_report_in_chinese(city: MiniCity) -> None:
    status, out = run("441302")
    assert status == 0
    assert "覆盖检查:惠城区(441302)" in out
    assert "缺口 0 处" in out and "重叠 0 处" in out
    assert "结论:无缺口、无重叠。" in out


def test_a_gap_exits_one_and_is_listed_with_its_area_and_community(city: MiniCity) -> None:
    redraw_grid(city.grids[EAST], box(114.41, 23.10, 114.418, 23.12), on=city.grids[EAST].valid_from)
    status, out = run("441302")
    assert status == 1
    assert "缺口 1 处" in out
    assert "441302001001 缺口 1 处" in out  # the per-community line
    assert "发现问题" in out


def test_an_overlap_exits_one(city: MiniCity) -> None:
    redraw_grid(city.grids[EAST], box(114.408, 23.10, 114.42, 23.12), on=city.grids[EAST].valid_from)
    status, out = run("441302001001")
    assert status == 1
    assert "重叠 1 处" in out and "441302001001001、441302001001002" in out


def test_json_output_is_geojson_in_the_asked_datum(city: MiniCity) -> None:
    redraw_grid(city.grids[EAST], box(114.41, 23.10, 114.418, 23.12), on=city.grids[EAST].valid_from)
    status, out = run("441302001001", "--json", "--crs", "gcj02")
    data = json.loads(out)
    assert status == 1
    assert data["crs"] == "gcj02" and data["totals"]["gap_count"] == 1
    assert data["gaps"]["type"] == "FeatureCollection"


def test_unknown_region_and_wrong_level_are_errors_with_exit_status_two(city: MiniCity) -> None:
    with pytest.raises(CommandError, match="没有代码为 999999 的区划") as unknown:
        call_command("coverage", "999999")
    assert unknown.value.returncode == 2
    with pytest.raises(CommandError, match="覆盖检查只能针对") as level:
        call_command("coverage", "441300")
    assert level.value.returncode == 2
