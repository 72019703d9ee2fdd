"""An export's access-log row is filed under the exporter's own scope; the area filter narrows it only when the
area lies inside that scope (a request cannot file the row where the exporter's administrators never look)."""

from __future__ import annotations

import pytest
from django.test import Client

from gridgov.accounts.roles import Role
from gridgov.registry.models import AccessLog

from .factories import MiniCity
from .registry_factories import make_person

pytestmark = pytest.mark.django_db

COMMUNITY = "441302001001"
GRID = "441302001001001"


@pytest.mark.parametrize("area", ["44", "9", "441303", "441302001002", "4413020x"])
def test_an_area_outside_the_exporters_scope_does_not_move_the_log_row(
    city: MiniCity, client: Client, area: str
) -> None:
    make_person(city, seq=1)
    city.grant("admin2", Role.ADMINISTRATOR, region="441302")
    client.force_login(city.users["community"])
    assert client.get(f"/registry/export/people.xlsx?area={area}").status_code == 200
    log = AccessLog.objects.get()
    assert log.scope_code == COMMUNITY
    assert AccessLog.objects.visible_to(city.users["admin2"]).filter(pk=log.pk).exists()


def test_an_area_inside_the_scope_narrows_the_log_row(city: MiniCity, client: Client) -> None:
    make_person(city, seq=1)
    client.force_login(city.users["community"])
    assert client.get(f"/registry/export/people.xlsx?area={GRID}").status_code == 200
    log = AccessLog.objects.get()
    assert (log.scope_code, log.rows) == (GRID, 1)


def test_a_posted_export_reads_its_area_from_the_form(city: MiniCity, client: Client) -> None:
    make_person(city, seq=1)
    client.force_login(city.users["community"])
    assert client.post("/registry/export/people.xlsx", {"area": GRID}).status_code == 200
    assert AccessLog.objects.get().scope_code == GRID
    assert client.post("/registry/export/people.xlsx", {"area": "44"}).status_code == 200
    assert AccessLog.objects.order_by("-pk").first().scope_code == COMMUNITY  # type: ignore[union-attr]
