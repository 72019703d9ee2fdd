"""The Excel export of each registry list: permission-checked (people need the ``export`` action), the same rows
as the list, personal fields masked, the exporting user in the first row, and exports of people logged."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.export import exporter_label
from gridgov.registry.models import AccessAction, AccessLog, Person, TagKind

from .factories import MiniCity
from .registry_factories import make_person, make_ric

LISTS = ["households", "tags", "floating-registrations", "rental-houses", "organisations", "facilities"]


@pytest.fixture
def person(city: MiniCity) -> Person:
    city.grant("leader", Role.LEADER, region="441300")
    return make_person(city, seq=8)


def rows(content: bytes) -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def data_rows(table: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """The rows after the header block and the column headers (the blank row ends the block)."""
    blank = next(i for i, row in enumerate(table) if i > 0 and row[0] is None)
    return table[blank + 2 :]


def as_user(api: APIClient, city: MiniCity, username: str) -> APIClient:
    api.force_authenticate(city.users[username])
    return api


@pytest.mark.parametrize(
    ("username", "logged_scope"),
    [("community", "441302001001"), ("district", "441302001"), ("admin", "441302001")],
)
def test_export_roles_get_the_people_masked_and_the_export_is_logged(
    city: MiniCity, api: APIClient, person: Person, username: str, logged_scope: str
) -> None:
    make_person(city, seq=9, grid="441302002001001", by="admin")
    response = as_user(api, city, username).get("/api/v1/persons/export.xlsx", {"area": "441302001"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    table = rows(response.content)
    assert table[1][:2] == ("导出人", exporter_label(city.users[username]))
    assert table[6][:4] == ("姓名", "性别", "证件号码(脱敏)", "联系电话(脱敏)")
    assert [r[0] for r in data_rows(table)] == ["居民8"]
    number = make_ric(seq=8)
    assert data_rows(table)[0][2] == number[:4] + "**********" + number[-4:]
    assert data_rows(table)[0][3] == "138****0008"
    text = repr(table)
    assert number not in text and "13800000008" not in text
    [log] = AccessLog.objects.all()
    assert (log.user, log.action, log.rows) == (city.users[username], AccessAction.EXPORT, 1)
    assert "persons?" in log.detail and "area=441302001" in log.detail
    assert log.scope_code == logged_scope  # the narrower of the filter and the exporter's scope


@pytest.mark.parametrize("username", ["worker", "leader"])
def test_readers_without_the_export_action_cannot_export_people(
    city: MiniCity, api: APIClient, person: Person, username: str
) -> None:
    response = as_user(api, city, username).get("/api/v1/persons/export.xlsx")
    assert response.status_code == 403
    assert not AccessLog.objects.exists()


def test_a_searched_number_is_masked_in_the_access_log(city: MiniCity, api: APIClient, person: Person) -> None:
    number = make_ric(seq=8)
    response = as_user(api, city, "community").get("/api/v1/persons/export.xlsx", {"q": number})
    assert len(data_rows(rows(response.content))) == 1
    detail = AccessLog.objects.get().detail
    assert number not in detail
    assert number[:4] + "**********" + number[-4:] in detail


def test_an_export_holds_only_what_the_exporter_may_see(city: MiniCity, api: APIClient, person: Person) -> None:
    response = as_user(api, city, "outsider").get("/api/v1/persons/export.xlsx")
    assert response.status_code == 200
    assert data_rows(rows(response.content)) == []
    assert AccessLog.objects.get().rows == 0


def test_a_bad_filter_is_a_field_error(city: MiniCity, api: APIClient, person: Person) -> None:
    response = as_user(api, city, "community").get("/api/v1/persons/export.xlsx", {"area": "abc"})
    assert response.status_code == 400
    assert "area" in response.json()
    assert not AccessLog.objects.exists()


def test_the_access_log_of_an_export_is_visible_to_administrators(
    city: MiniCity, api: APIClient, person: Person
) -> None:
    as_user(api, city, "district").get("/api/v1/persons/export.xlsx")
    log = as_user(api, city, "admin").get("/api/v1/access-log/", {"action": "export"}).json()["results"]
    assert [(e["user"], e["rows"]) for e in log] == [(city.users["district"].username, 1)]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_has_an_export(city: MiniCity, api: APIClient, person: Person, path: str) -> None:
    worker = city.users["worker"]
    services.create_household(by=worker, number="H1", head=person, on=dt.date(2025, 1, 1))
    services.tag_person(
        by=worker,
        person=person,
        kind=TagKind.RELEASED_PRISONER,
        on=dt.date(2025, 1, 1),
        details={"release_date": "2024-01-01"},
    )
    services.register_floating(by=worker, person=person, on=dt.date(2026, 1, 1), expires_on=dt.date(2027, 1, 1))
    house = city.buildings["441302001001001"].houses.first()
    services.register_rental(by=worker, house=house, on=dt.date(2026, 1, 1), landlord=person)
    services.register_organisation(
        by=worker,
        data={"kind": "enterprise", "name": "某企业", "contact_phone": "13900001111"},
        grid=city.grids["441302001001001"],
    )
    services.register_facility(
        by=worker,
        data={
            "code": "441302010100001",
            "major_class": "01",
            "minor_class": "01",
            "name": "井盖",
            "lon": 114.404,
            "lat": 23.105,
        },
    )
    response = as_user(api, city, "community").get(f"/api/v1/{path}/export.xlsx")
    assert response.status_code == 200
    table = rows(response.content)
    assert len(data_rows(table)) == 1
    text = repr(table)
    assert "13900001111" not in text and make_ric(seq=8) not in text
    logged = path in {"households", "tags", "floating-registrations", "rental-houses"}
    assert AccessLog.objects.filter(action=AccessAction.EXPORT).exists() == logged


def test_special_group_tags_are_not_exported_to_roles_that_may_not_see_them(
    city: MiniCity, api: APIClient, person: Person
) -> None:
    worker = city.users["worker"]
    services.tag_person(
        by=worker,
        person=person,
        kind=TagKind.RELEASED_PRISONER,
        on=dt.date(2025, 1, 1),
        details={"release_date": "2024-01-01"},
    )
    services.tag_person(by=worker, person=person, kind=TagKind.LOW_INCOME, on=dt.date(2025, 1, 1))
    table = rows(as_user(api, city, "admin").get("/api/v1/tags/export.xlsx").content)
    assert [r[0] for r in data_rows(table)] == ["低保对象"]


def test_residents_cannot_export(city: MiniCity, api: APIClient, person: Person) -> None:
    as_user(api, city, "resident")
    for path in ["persons", *LISTS]:
        assert api.get(f"/api/v1/{path}/export.xlsx").status_code == 403, path
