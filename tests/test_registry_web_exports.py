"""Excel exports of the registry's lists: permission-checked (people need the ``export`` action), the same rows as
the page, personal fields masked, a header naming the exporting user and time, and an access-log row each."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.export import exporter_label
from gridgov.registry.models import AccessLog

from .factories import MiniCity
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db


def cells(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def data_rows(table: list[list]) -> list[list]:
    header = next(i for i, row in enumerate(table) if row[0] in ("姓名", "类别", "名称", "部件编码", "房屋"))
    return table[header + 1 :]


def test_people_export_is_masked_carries_the_exporter_and_is_logged(city: MiniCity, client: Client) -> None:
    make_person(city, seq=1)
    make_person(city, seq=2, name="王芳")
    make_person(city, by="admin", grid="441303001001001", seq=3)
    client.force_login(city.users["community"])
    table = cells(client.get("/registry/export/people.xlsx?q=居民"))
    flat = repr(table)
    assert make_ric(seq=1) not in flat and "13800000001" not in flat and "某路1号" not in flat
    assert table[1][:2] == ["导出人", exporter_label(city.users["community"])]
    assert table[2][0] == "导出时间(北京时间)" and str(timezone.localdate().year) in table[2][1]
    rows = data_rows(table)
    assert [r[0] for r in rows] == ["居民1"]  # the filter and the scope, as on the page
    assert rows[0][2].startswith("4413") and "*" in rows[0][2]
    (log,) = AccessLog.objects.all()
    assert (log.user, log.action, log.rows) == (city.users["community"], "export", 1)
    assert "q=居民" in log.detail


def test_an_id_number_filter_is_masked_in_the_log_and_the_file(city: MiniCity, client: Client) -> None:
    make_person(city, seq=1)
    client.force_login(city.users["community"])
    table = cells(client.post("/registry/export/people.xlsx", {"q": make_ric(seq=1)}))
    assert [r[0] for r in data_rows(table)] == ["居民1"]
    assert make_ric(seq=1) not in repr(table)
    log = AccessLog.objects.get()
    assert make_ric(seq=1) not in log.detail and "q=4413" in log.detail


def test_roles_without_export_are_refused_and_nothing_is_logged(city: MiniCity, client: Client) -> None:
    make_person(city, seq=1)
    city.grant("leader", Role.LEADER, region="441300")
    for username, status in (("worker", 403), ("leader", 403), ("outsider", 200), ("resident", 404)):
        client.force_login(city.users[username])
        assert client.get("/registry/export/people.xlsx").status_code == status, username
    # the outsider exported an empty list of their own district: logged with 0 rows
    assert list(AccessLog.objects.values_list("user__username", "rows")) == [("outsider", 0)]
    client.force_login(city.users["worker"])
    assert client.get("/registry/export/nothing.xlsx").status_code == 404


def test_special_group_export_follows_the_list(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=1)
    services.tag_person(
        by=city.users["worker"],
        person=person,
        kind="community_correction",
        on=dt.date(2026, 1, 1),
        details={"correction_start": "2026-01-01", "correction_end": "2027-01-01"},
    )
    client.force_login(city.users["community"])
    rows = data_rows(cells(client.get("/registry/export/special.xlsx")))
    assert [(r[0], r[1]) for r in rows] == [("社区矫正对象", "居民1")]
    assert AccessLog.objects.get().rows == 1
    assert data_rows(cells(client.get("/registry/export/care.xlsx"))) == []


def test_every_list_exports(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=1, residence_type="floating")
    today = timezone.localdate()
    services.register_floating(
        by=city.users["worker"], person=person, on=today, expires_on=today + dt.timedelta(days=5)
    )
    services.register_rental(by=city.users["worker"], house=person.house, on=today, landlord=person)
    services.register_organisation(
        by=city.users["worker"],
        data={"kind": "small_venue", "venue_kind": "shop", "name": '=HYPERLINK("x")', "contact_phone": "13711112222"},
        grid=city.grids["441302001001001"],
    )
    services.reveal(by=city.users["worker"], person=person, field="phone", reason="电话回访居民")
    expected = {"floating": 1, "rentals": 1, "organisations": 1, "facilities": 0}
    client.force_login(city.users["community"])
    for name, count in expected.items():
        assert len(data_rows(cells(client.get(f"/registry/export/{name}.xlsx")))) == count, name
    response = client.get("/registry/export/organisations.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    name_cell = next(row[0] for row in sheet.iter_rows() if row[0].value == '=HYPERLINK("x")')
    assert name_cell.data_type == "s"  # text, never a formula
    assert "13711112222" not in repr(cells(response))
    client.force_login(city.users["admin"])
    table = cells(client.get("/registry/export/access-log.xlsx"))
    assert any(row[5] == "电话回访居民" for row in table if row and len(row) > 5)
    client.force_login(city.users["community"])
    assert client.get("/registry/export/access-log.xlsx").status_code == 404
