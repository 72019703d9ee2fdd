"""Lists that name people (people, special groups, care groups, floating registrations, rental houses,
households) are exported only by the roles that export people — the centres and administrators — on the pages
and through the API; other readers (grid workers and heads, leaders) may open them but not take them away."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import AccessLog, TagKind

from .factories import MiniCity
from .registry_factories import make_person

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 2)
ROLES = ["worker", "head", "community", "subdistrict", "district", "leader", "admin"]
EXPORTERS = {"community", "subdistrict", "district", "admin"}
CENTRES = {"community", "subdistrict", "district"}
SPECIAL_READERS = {"worker", "head", *CENTRES}  # settings.SPECIAL_GROUP_ROLES by default


@pytest.fixture
def listed(city: MiniCity) -> MiniCity:
    city.grant("head", Role.GRID_HEAD, grid="441302001001001")
    city.grant("leader", Role.LEADER, region="441300")
    person = make_person(city, seq=1)
    services.tag_person(by=city.users["community"], person=person, kind=TagKind.LOW_INCOME, on=ON)
    services.tag_person(by=city.users["community"], person=person, kind=TagKind.DRUG_USER, on=ON)
    return city


def _expected_page(role: str, name: str) -> int:
    if name == "special":
        if role not in SPECIAL_READERS:
            return 404  # the list is hidden from them altogether
        return 200 if role in CENTRES else 403
    return 200 if role in EXPORTERS else 403


@pytest.mark.parametrize("name", ["people", "special", "care", "floating", "rentals"])
@pytest.mark.parametrize("role", ROLES)
def test_a_page_export_of_a_list_of_people_needs_the_export_action(
    listed: MiniCity, client: Client, role: str, name: str
) -> None:
    client.force_login(listed.users[role])
    response = client.get(f"/registry/export/{name}.xlsx")
    assert response.status_code == _expected_page(role, name)
    assert AccessLog.objects.exists() == (response.status_code == 200)


@pytest.mark.parametrize("name", ["persons", "households", "tags", "floating-registrations", "rental-houses"])
@pytest.mark.parametrize("role", ROLES)
def test_an_api_export_of_a_list_of_people_needs_the_export_action(
    listed: MiniCity, api: APIClient, role: str, name: str
) -> None:
    api.force_authenticate(listed.users[role])
    response = api.get(f"/api/v1/{name}/export.xlsx")
    assert response.status_code == (200 if role in EXPORTERS else 403)
    assert AccessLog.objects.exists() == (response.status_code == 200)


@pytest.mark.parametrize("role", ["worker", "head", "leader"])
def test_the_list_page_offers_no_export_to_a_role_that_may_not(listed: MiniCity, client: Client, role: str) -> None:
    client.force_login(listed.users[role])
    page = client.get("/registry/care/")
    assert page.status_code == 200
    assert b'id="export-link"' not in page.content


def test_the_list_page_offers_the_export_to_a_centre(listed: MiniCity, client: Client) -> None:
    client.force_login(listed.users["community"])
    for url in ("/registry/care/", "/registry/special/", "/registry/floating/", "/registry/rentals/"):
        assert b'id="export-link"' in client.get(url).content, url


def test_an_administrators_tag_export_holds_care_groups_only(listed: MiniCity, api: APIClient) -> None:
    """Administrators export, but special groups are only for the roles that handle them."""
    from io import BytesIO

    from openpyxl import load_workbook

    api.force_authenticate(listed.users["admin"])
    response = api.get("/api/v1/tags/export.xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "低保对象" in cells
    assert not any("吸毒" in c for c in cells)
