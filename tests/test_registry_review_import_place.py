"""A re-import changes only the place columns the file has: a person list with only 网格编码 keeps each person's
building and house (unless it moves them to another grid), a household list without 房号 keeps the house, an
organisation list without 楼栋编码 keeps the building; a blank cell in a column the file has still clears it."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov.registry import services
from gridgov.registry.importing import import_rows
from gridgov.registry.models import Household, Organisation

from .factories import MiniCity
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db

GRID = "441302001001001"
OTHER = "441302001001002"


def _person_row(grid: str, **extra: str) -> dict[str, str]:
    return {"证件号码": make_ric(seq=1), "姓名": "居民1", "人口类型": "户籍人口", "网格编码": grid, **extra}


def _import_people(city: MiniCity, headers: list[str], **extra: str) -> None:
    row = _person_row(extra.pop("grid", GRID), **extra)
    result = import_rows("person", [row], by=city.users["community"], headers=headers)
    assert result.updated == 1, result.errors


def test_a_grid_only_re_import_keeps_the_building_and_house(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    house_id, building_id = person.house_id, person.building_id
    _import_people(city, ["证件号码", "姓名", "人口类型", "网格编码"])
    person.refresh_from_db()
    assert (person.house_id, person.building_id, person.scope_code) == (house_id, building_id, GRID)


def test_a_grid_only_re_import_that_moves_the_person_clears_building_and_house(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    _import_people(city, ["证件号码", "姓名", "人口类型", "网格编码"], grid=OTHER)
    person.refresh_from_db()
    assert (person.house_id, person.building_id, person.grid.code, person.scope_code) == (None, None, OTHER, OTHER)


def test_a_re_import_with_the_building_but_no_house_column_keeps_the_house_in_the_same_building(
    city: MiniCity,
) -> None:
    person = make_person(city, seq=1)
    house_id = person.house_id
    headers = ["证件号码", "姓名", "人口类型", "网格编码", "楼栋编码"]
    _import_people(city, headers, 楼栋编码=f"{GRID}00001")
    person.refresh_from_db()
    assert person.house_id == house_id
    _import_people(city, headers, grid=OTHER, 楼栋编码=f"{OTHER}00001")
    person.refresh_from_db()
    assert (person.house_id, person.building.code) == (None, f"{OTHER}00001")


def test_a_blank_cell_in_a_place_column_the_file_has_still_clears_it(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    _import_people(city, ["证件号码", "姓名", "人口类型", "网格编码", "楼栋编码", "房号"], 楼栋编码="", 房号="")
    person.refresh_from_db()
    assert (person.house_id, person.building_id, person.scope_code) == (None, None, GRID)


def test_a_household_re_import_without_the_house_column_keeps_the_house(city: MiniCity) -> None:
    head = make_person(city, seq=1)
    household = services.create_household(
        by=city.users["community"], number="H0001", head=head, on=dt.date(2026, 3, 2), house=head.house
    )
    assert household.house_id == head.house_id is not None
    result = import_rows(
        "household",
        [{"户号": "H0001", "户主证件号码": make_ric(seq=1), "户别": "家庭户"}],
        by=city.users["community"],
        headers=["户号", "户主证件号码", "户别"],
    )
    assert result.updated == 1, result.errors
    household.refresh_from_db()
    assert household.house_id == head.house_id


def test_an_organisation_re_import_without_the_building_column_keeps_the_building(city: MiniCity) -> None:
    result = import_rows(
        "organisation",
        [{"名称": "某公司", "类别": "企业", "楼栋编码": f"{GRID}00001"}],
        by=city.users["community"],
        headers=["名称", "类别", "楼栋编码"],
    )
    assert result.created == 1, result.errors
    org = Organisation.objects.get()
    point = (org.lon, org.lat)
    result = import_rows(
        "organisation",
        [{"名称": "某公司", "类别": "企业", "网格编码": GRID, "从业人数": "12"}],
        by=city.users["community"],
        headers=["名称", "类别", "网格编码", "从业人数"],
    )
    assert result.updated == 1, result.errors
    org.refresh_from_db()
    assert (org.building.code, (org.lon, org.lat), org.employees) == (f"{GRID}00001", point, 12)  # type: ignore[union-attr]
    assert Household.objects.count() == 0
