"""Each import kind checks the importer's change scope for its own records: houses may be changed only by grid
workers and administrators, so a community centre's house file creates nothing."""

from __future__ import annotations

import pytest

from gridgov.accounts.roles import Role
from gridgov.accounts.scope import scope_for
from gridgov.registry.importing import import_rows
from gridgov.territory.models import House

from .factories import MiniCity

pytestmark = pytest.mark.django_db

GRID = "441302001001001"
HEADERS = ["楼栋编码", "房号"]


def test_a_community_centre_cannot_import_houses(city: MiniCity) -> None:
    assert scope_for(city.users["community"], "house", "change").empty
    result = import_rows(
        "house", [{"楼栋编码": f"{GRID}00001", "房号": "999"}], by=city.users["community"], headers=HEADERS
    )
    assert result.created == 0
    assert [e.reason for e in result.errors] == ["不在您的管辖范围内。"]
    assert not House.objects.filter(number="999").exists()


def test_the_grids_worker_imports_houses_in_their_grid_only(city: MiniCity) -> None:
    rows = [{"楼栋编码": f"{GRID}00001", "房号": "999"}, {"楼栋编码": "44130200100100200001", "房号": "998"}]
    result = import_rows("house", rows, by=city.users["worker"], headers=HEADERS)
    assert result.created == 1
    assert [(e.row, e.reason) for e in result.errors] == [(3, "不在您的管辖范围内。")]


def test_an_administrator_imports_houses(city: MiniCity) -> None:
    result = import_rows(
        "house", [{"楼栋编码": f"{GRID}00001", "房号": "999"}], by=city.users["admin"], headers=HEADERS
    )
    assert result.created == 1, result.errors


def test_an_organisation_file_follows_the_organisation_scope(city: MiniCity) -> None:
    city.grant("head", Role.GRID_HEAD, grid=GRID)
    result = import_rows(
        "organisation",
        [{"名称": "某公司", "类别": "企业", "网格编码": GRID}],
        by=city.users["head"],
        headers=["名称", "类别", "网格编码"],
    )
    assert result.created == 1, result.errors
