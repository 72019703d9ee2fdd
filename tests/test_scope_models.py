"""visible_to on the territory models: each role sees its subtree, and nothing beyond."""

from __future__ import annotations

from gridgov.territory.models import Building, Grid, House, Region

from .factories import MiniCity


def grid_codes(city: MiniCity, username: str) -> set[str]:
    return set(Grid.objects.visible_to(city.users[username]).values_list("code", flat=True))


def test_grid_worker_sees_only_their_grid(city: MiniCity) -> None:
    assert grid_codes(city, "worker") == {"441302001001001"}
    assert set(Building.objects.visible_to(city.users["worker"]).values_list("code", flat=True)) == {
        "44130200100100100001"
    }
    assert House.objects.visible_to(city.users["worker"]).count() == 2


def test_community_dispatcher_sees_their_community(city: MiniCity) -> None:
    assert grid_codes(city, "community") == {"441302001001001", "441302001001002"}


def test_district_dispatcher_sees_the_district_and_not_the_next(city: MiniCity) -> None:
    assert len(grid_codes(city, "district")) == 8
    assert "441303001001001" not in grid_codes(city, "district")
    assert grid_codes(city, "outsider") == {"441303001001001"}


def test_administrator_on_the_city_sees_all(city: MiniCity) -> None:
    assert len(grid_codes(city, "admin")) == 9


def test_resident_and_user_without_roles_see_nothing(city: MiniCity) -> None:
    assert grid_codes(city, "resident") == set()
    assert grid_codes(city, "nobody") == set()
    assert not Region.objects.visible_to(city.users["nobody"]).exists()


def test_regions_visible_are_the_subtree_and_the_way_up(city: MiniCity) -> None:
    codes = set(Region.objects.visible_to(city.users["community"]).values_list("code", flat=True))
    assert codes == {"440000", "441300", "441302", "441302001", "441302001001"}
    worker_codes = set(Region.objects.visible_to(city.users["worker"]).values_list("code", flat=True))
    assert worker_codes == {"440000", "441300", "441302", "441302001", "441302001001"}


def test_only_administrators_may_change_grids(city: MiniCity) -> None:
    assert not Grid.objects.visible_to(city.users["district"], "change").exists()
    assert Grid.objects.visible_to(city.users["admin"], "change").count() == 9
