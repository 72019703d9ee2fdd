"""A registry list exported from its page and from the API is the same file: one column table
(``gridgov.registry.export.TABLES``) serves both, so the same rows exported by the same user give the same cells,
personal fields masked the same way."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from gridgov.registry import services
from gridgov.registry.export import TABLES

from .factories import MiniCity
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 3, 2, 30, tzinfo=dt.UTC)

#: (page list, API resource, filters given to both)
PAIRS = [
    ("people", "persons", {"q": "居民"}),
    ("floating", "floating-registrations", {"expiring_within": "300"}),
    ("rentals", "rental-houses", {"active": "true"}),
    ("organisations", "organisations", {}),
    ("facilities", "facilities", {}),
]


def cells(content: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def filled(city: MiniCity) -> MiniCity:
    worker = city.users["worker"]
    with time_machine.travel(NOW, tick=False):
        first = make_person(city, seq=1, residence_type="floating")
        make_person(city, seq=2, name="居民二", phone="")
        services.register_floating(
            by=worker, person=first, on=dt.date(2026, 6, 1), expires_on=dt.date(2026, 12, 1), house=first.house
        )
        services.register_rental(by=worker, house=first.house, on=dt.date(2026, 6, 1), landlord=first)
        services.register_organisation(
            by=worker,
            data={"kind": "small_venue", "venue_kind": "shop", "name": "小卖部", "contact_phone": "13711112222"},
            grid=city.grids["441302001001001"],
        )
        lamp = {"code": "441302020200007", "major_class": "02", "minor_class": "02", "name": "路灯"}
        services.register_facility(by=worker, data={**lamp, "lon": 114.4041, "lat": 23.1052})
    return city


@pytest.mark.parametrize(("page", "resource", "filters"), PAIRS)
def test_the_page_and_the_api_export_the_same_cells(
    filled: MiniCity, client: Client, api: APIClient, page: str, resource: str, filters: dict[str, str]
) -> None:
    user = filled.users["community"]
    client.force_login(user)
    api.force_authenticate(user)
    with time_machine.travel(NOW, tick=False):
        from_page = client.get(f"/registry/export/{page}.xlsx", filters)
        from_api = api.get(f"/api/v1/{resource}/export.xlsx", filters)
    assert (from_page.status_code, from_api.status_code) == (200, 200)
    page_cells, api_cells = cells(from_page.content), cells(from_api.content)
    headers = next(i for i, row in enumerate(page_cells) if row[0] == str(TABLES[page].columns[0].header))
    assert len(page_cells) > headers + 1  # the header block, the column headers and at least one row
    assert len(page_cells) == len(api_cells)
    for number, (page_row, api_row) in enumerate(zip(page_cells, api_cells, strict=True), start=1):
        assert page_row == api_row, f"row {number}"
    text = repr(page_cells)
    assert make_ric(seq=1) not in text and "13800000001" not in text and "13711112222" not in text


def test_the_personal_columns_are_masked_in_both(filled: MiniCity, client: Client, api: APIClient) -> None:
    user = filled.users["community"]
    client.force_login(user)
    api.force_authenticate(user)
    for content in (
        client.get("/registry/export/people.xlsx").content,
        api.get("/api/v1/persons/export.xlsx").content,
    ):
        table = cells(content)
        header = next(i for i, row in enumerate(table) if row[0] == "姓名")
        columns = table[header]
        rows = {row[0]: dict(zip(columns, row, strict=True)) for row in table[header + 1 :]}
        number = make_ric(seq=1)
        assert rows["居民1"]["证件号码(脱敏)"] == number[:4] + "**********" + number[-4:]
        assert rows["居民1"]["联系电话(脱敏)"] == "138****0001"
        assert rows["居民二"]["联系电话(脱敏)"] in ("", None)
