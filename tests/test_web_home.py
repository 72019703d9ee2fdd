"""The home page shows one part per role the user holds."""

from __future__ import annotations

from django.test import Client

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role

from .factories import MiniCity


def page(client: Client, city: MiniCity, username: str) -> str:
    client.force_login(city.users[username])
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_grid_worker_sees_their_grid_with_households_buildings_and_a_map(city: MiniCity, client: Client) -> None:
    html = page(client, city, "worker")
    assert 'id="my-grids"' in html
    assert "/territory/grids/441302001001001/" in html
    assert 'id="home-map"' in html
    assert "441302001001002" not in html  # the neighbouring grid is not theirs
    assert 'id="my-regions"' not in html and 'id="admin"' not in html


def test_a_community_dispatcher_sees_counts_and_links_for_their_community(city: MiniCity, client: Client) -> None:
    html = page(client, city, "community")
    assert 'id="my-regions"' in html
    assert "/territory/?region=441302001001" in html
    assert "/territory/coverage/441302001001/" in html
    assert 'id="my-grids"' not in html


def test_a_district_dispatcher_sees_their_district_counted(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["district"])
    response = client.get("/")
    (stats,) = response.context["dispatch_regions"]
    assert stats.region.code == "441302"
    assert (stats.sub_regions, stats.grids, stats.buildings) == (2, 8, 8)


def test_the_leader_sees_the_city_totals_per_district(city: MiniCity, client: Client) -> None:
    city.grant("leader", Role.LEADER, region="441300")
    client.force_login(city.users["leader"])
    response = client.get("/")
    (summary,) = response.context["leader_cities"]
    rows = {row["region"].code: row for row in summary["rows"]}
    assert rows["441302"]["grids"] == 8 and rows["441302"]["communities"] == 4
    assert rows["441303"]["grids"] == 1 and rows["441303"]["subdistricts"] == 1
    assert summary["totals"]["grids"] == 9


def test_the_administrator_sees_links_to_the_admin(city: MiniCity, client: Client) -> None:
    html = page(client, city, "admin")
    assert 'id="admin"' in html
    assert "/admin/territory/grid/" in html


def test_a_resident_sees_a_short_page_without_the_territory(city: MiniCity, client: Client) -> None:
    html = page(client, city, "resident")
    assert 'id="resident"' in html
    assert "社区1-1" in html
    assert 'id="my-regions"' not in html and 'id="my-grids"' not in html


def test_a_user_with_several_roles_sees_each_part(city: MiniCity, client: Client) -> None:
    RoleAssignment.objects.create(
        user=city.users["worker"], role=Role.COMMUNITY_DISPATCHER, region=city.regions["441302001001"]
    )
    html = page(client, city, "worker")
    assert 'id="my-grids"' in html and 'id="my-regions"' in html


def test_a_user_without_roles_is_told_to_ask_for_one(city: MiniCity, client: Client) -> None:
    html = page(client, city, "nobody")
    assert "您还没有被分配角色" in html
