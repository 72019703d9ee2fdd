"""The coverage report page: totals, pieces and their shapes, for dispatchers, the leader and administrators."""

from __future__ import annotations

from django.test import Client
from shapely.geometry import box

from gridgov.accounts.roles import Role
from gridgov.territory.models import Grid

from .factories import MiniCity, make_grid


def test_the_community_dispatcher_sees_their_community_with_no_gaps(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    response = client.get("/territory/coverage/441302001001/")
    assert response.status_code == 200
    assert response.context["report"]["ok"] is True
    assert 'id="coverage-ok"' in response.content.decode()


def test_gaps_and_overlaps_are_listed_with_their_grids_and_drawn(city: MiniCity, client: Client) -> None:
    # Shrink one grid to leave a gap, and add a grid that overlaps a neighbour.
    grid = city.grids["441302001001001"]
    grid.set_boundary(box(114.40, 23.10, 114.409, 23.12))
    grid.save()
    make_grid("441302001001003", "重叠网格", city.regions["441302001001"], box(114.412, 23.11, 114.415, 23.115))
    client.force_login(city.users["subdistrict"])
    response = client.get("/territory/coverage/441302001/")
    assert response.status_code == 200
    kinds = sorted(p["kind"] for p in response.context["pieces"])
    assert kinds == ["gap", "overlap"]
    overlap = next(p for p in response.context["pieces"] if p["kind"] == "overlap")
    assert overlap["grids"] == ["441302001001002", "441302001001003"]
    assert response.context["report"]["totals"]["overlaps_m2"] > 0
    html = response.content.decode()
    assert 'id="coverage-bad"' in html and "/territory/grids/441302001001003/" in html
    drawn = response.context["map_config"]["pieces"]["features"]
    assert sorted(f["properties"]["kind"] for f in drawn) == ["gap", "overlap"]


def test_a_grid_worker_may_not_see_coverage(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["worker"])
    assert client.get("/territory/coverage/441302001001/").status_code == 404


def test_coverage_out_of_scope_is_404(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    assert client.get("/territory/coverage/441302001/").status_code == 404  # the sub-district above
    assert client.get("/territory/coverage/441303/").status_code == 404
    client.force_login(city.users["outsider"])
    assert client.get("/territory/coverage/441302/").status_code == 404


def test_the_leader_sees_a_district_and_is_pointed_to_districts_from_the_city(city: MiniCity, client: Client) -> None:
    city.grant("leader", Role.LEADER, region="441300")
    client.force_login(city.users["leader"])
    assert client.get("/territory/coverage/441302/").status_code == 200
    response = client.get("/territory/coverage/441300/")
    assert response.status_code == 200
    assert response.context["error"]
    assert "/territory/coverage/441302/" in response.content.decode()


def test_the_coverage_link_leads_to_the_users_own_region(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["district"])
    response = client.get("/territory/coverage/")
    assert response.status_code == 302 and response["Location"] == "/territory/coverage/441302/"
    assert Grid.objects.count() == 9
