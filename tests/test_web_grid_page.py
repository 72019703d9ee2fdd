"""The grid page: its facts, workers, buildings (paginated) and a map; 404 out of scope."""

from __future__ import annotations

from django.test import Client

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.territory.models import Building

from .factories import MiniCity, UserFactory

GRID = "441302001001001"


def test_the_grid_worker_sees_their_grid_page(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["worker"])
    response = client.get(f"/territory/grids/{GRID}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "网格1-1-1" in html and "社区1-1" in html and "街道1" in html and "惠城区" in html
    assert f"{GRID}00001" in html  # its building
    assert response.context["map_config"]["buildings"][0]["code"] == f"{GRID}00001"


def test_workers_are_listed_with_part_time_marked_and_the_grid_head(city: MiniCity, client: Client) -> None:
    helper = UserFactory(username="helper", display_name="兼职甲")
    head = UserFactory(username="head", display_name="网格长乙")
    RoleAssignment.objects.create(user=helper, role=Role.GRID_WORKER, grid=city.grids[GRID], part_time=True)
    RoleAssignment.objects.create(user=head, role=Role.GRID_HEAD, grid=city.grids[GRID])
    client.force_login(city.users["community"])
    response = client.get(f"/territory/grids/{GRID}/")
    assert [a.user.username for a in response.context["workers"]] == ["worker", "helper"]
    assert [a.user.username for a in response.context["heads"]] == ["head"]
    assert "兼职甲" in response.content.decode() and "网格长乙" in response.content.decode()


def test_a_grid_out_of_scope_is_404(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["worker"])
    assert client.get("/territory/grids/441302001001002/").status_code == 404
    client.force_login(city.users["outsider"])
    assert client.get(f"/territory/grids/{GRID}/").status_code == 404
    client.force_login(city.users["resident"])
    assert client.get(f"/territory/grids/{GRID}/").status_code == 404


def test_a_missing_grid_is_404(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["admin"])
    assert client.get("/territory/grids/441302001001999/").status_code == 404


def test_buildings_are_paginated_and_htmx_gets_only_the_table(city: MiniCity, client: Client) -> None:
    grid = city.grids[GRID]
    Building.objects.bulk_create(
        Building(code=f"{GRID}{n:05d}", grid=grid, name=f"楼{n}", lon=114.405, lat=23.11, households=3)
        for n in range(2, 31)
    )
    client.force_login(city.users["worker"])
    first = client.get(f"/territory/grids/{GRID}/")
    assert first.context["building_count"] == 30
    listed = [b.code for b in first.context["page"]]
    assert listed[0] == f"{GRID}00001" and listed[-1] == f"{GRID}00025"
    assert len(first.context["map_config"]["buildings"]) == 30  # the map shows all of them
    second = client.get(f"/territory/grids/{GRID}/?page=2", headers={"HX-Request": "true"})
    html = second.content.decode()
    assert f"{GRID}00026" in html and f"{GRID}00001" not in html
    assert "<html" not in html  # a fragment for htmx to swap in
