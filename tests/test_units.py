"""Units (1+6+N): scoped visibility (subtree, the units above it, and one's own units), membership through
role assignments, and finding the unit of a kind whose jurisdiction covers a place."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.accounts.scope import scope_for
from gridgov.territory.models import Region
from gridgov.units.models import Tier, Unit, UnitKind
from gridgov.units.selectors import unit_for, units_for, units_of

from .factories import MiniCity, UserFactory, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(city: MiniCity) -> dict[str, Unit]:
    r = city.regions
    return {
        "city_mgmt": make_unit("U441300CM", "惠州市城市管理局", UnitKind.CITY_MANAGEMENT, Tier.CITY, r["441300"]),
        "district_police": make_unit("U441302PS", "惠城区公安分局", UnitKind.POLICE, Tier.DISTRICT, r["441302"]),
        "station1": make_unit(
            "U441302001PS", "街道1派出所", UnitKind.POLICE, Tier.SUBDISTRICT, r["441302001"], r["441302001"]
        ),
        "centre1": make_unit(
            "U441302001001GC", "社区1-1综治中心", UnitKind.GOVERNANCE_CENTRE, Tier.COMMUNITY, r["441302001001"]
        ),
        "huiyang_police": make_unit("U441303PS", "惠阳区公安分局", UnitKind.POLICE, Tier.DISTRICT, r["441303"]),
    }


def visible(user: object) -> set[str]:
    return set(Unit.objects.visible_to(user).values_list("code", flat=True))


def test_a_dispatcher_sees_the_units_in_their_subtree_and_above_it_but_not_elsewhere(
    city: MiniCity, units: dict[str, Unit]
) -> None:
    assert visible(city.users["subdistrict"]) == {"U441300CM", "U441302PS", "U441302001PS", "U441302001001GC"}
    assert visible(city.users["outsider"]) == {"U441300CM", "U441303PS"}
    assert visible(city.users["worker"]) == {"U441300CM", "U441302PS", "U441302001PS", "U441302001001GC"}
    assert visible(city.users["admin"]) == {u.code for u in units.values()}
    assert visible(city.users["nobody"]) == set()
    assert visible(city.users["resident"]) == set()


def test_a_member_sees_their_own_unit_even_outside_their_scope(city: MiniCity, units: dict[str, Unit]) -> None:
    handler = UserFactory(username="handler")
    RoleAssignment.objects.create(user=handler, role=Role.DEPARTMENT_HANDLER, unit=units["huiyang_police"])
    assert visible(handler) == {"U441300CM", "U441303PS"}
    assert units_of(handler) == [units["huiyang_police"]]
    assert set(units["huiyang_police"].members()) == {handler}


def test_a_unit_member_is_scoped_to_the_units_region_not_everywhere(city: MiniCity, units: dict[str, Unit]) -> None:
    handler = UserFactory(username="handler")
    RoleAssignment.objects.create(user=handler, role=Role.DEPARTMENT_HANDLER, unit=units["station1"])
    scope = scope_for(handler, "grid", "view")
    assert not scope.everything
    assert scope.region_prefixes == frozenset({"441302001"})
    assert not Region.objects.visible_to(handler).filter(code="441303").exists()


def test_a_role_is_held_on_at_most_one_of_region_grid_and_unit(city: MiniCity, units: dict[str, Unit]) -> None:
    user = UserFactory(username="twice")
    assignment = RoleAssignment(
        user=user, role=Role.DEPARTMENT_HANDLER, unit=units["station1"], region=city.regions["441302"]
    )
    with pytest.raises(ValidationError) as info:
        assignment.full_clean()
    assert "unit" in info.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        assignment.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(
            user=user, role=Role.DEPARTMENT_HANDLER, unit=units["station1"], grid=city.grids["441302001001001"]
        )


def test_units_for_finds_the_nearest_unit_whose_jurisdiction_covers_the_place(
    city: MiniCity, units: dict[str, Unit]
) -> None:
    assert units_for(city.regions["441302001001"], UnitKind.POLICE) == [units["station1"]]
    assert units_for("441302002001", UnitKind.POLICE) == [units["district_police"]]  # no station there: the bureau
    assert units_for("441303001001", UnitKind.POLICE) == [units["huiyang_police"]]
    assert unit_for("441302002001", UnitKind.CITY_MANAGEMENT) == units["city_mgmt"]  # the city's, above
    assert units_for("441302001001", UnitKind.FIRE) == []
    assert unit_for("441302001002", UnitKind.GOVERNANCE_CENTRE) is None  # the centre covers only its community


def test_an_inactive_unit_is_never_chosen(city: MiniCity, units: dict[str, Unit]) -> None:
    Unit.objects.filter(pk=units["station1"].pk).update(is_active=False)
    assert units_for("441302001001", UnitKind.POLICE) == [units["district_police"]]


def test_a_unit_covers_every_region_of_its_jurisdiction(city: MiniCity, units: dict[str, Unit]) -> None:
    units["station1"].jurisdiction.add(city.regions["441302002"])
    assert units_for("441302002001", UnitKind.POLICE) == [units["station1"]]


# --- the API ---------------------------------------------------------------------------------------------


def test_the_units_api_lists_units_in_scope_with_their_jurisdiction(
    city: MiniCity, api: APIClient, units: dict[str, Unit]
) -> None:
    api.force_authenticate(city.users["district"])
    response = api.get("/api/v1/units/")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()["results"]}
    assert set(rows) == {"U441300CM", "U441302PS", "U441302001PS", "U441302001001GC"}
    station = rows["U441302001PS"]
    assert station["kind"] == "police" and station["tier"] == "subdistrict" and station["region"] == "441302001"
    assert station["jurisdiction"] == [{"code": "441302001", "name": "街道1"}]


def test_an_out_of_scope_unit_is_404(city: MiniCity, api: APIClient, units: dict[str, Unit]) -> None:
    api.force_authenticate(city.users["outsider"])
    assert api.get("/api/v1/units/U441302PS/").status_code == 404
    assert api.get("/api/v1/units/U441303PS/").status_code == 200
    assert api.get("/api/v1/units/NOPE/").status_code == 404


def test_the_units_api_filters_by_kind_tier_region_and_coverage(
    city: MiniCity, api: APIClient, units: dict[str, Unit]
) -> None:
    api.force_authenticate(city.users["admin"])

    def codes(query: str) -> list[str]:
        response = api.get(f"/api/v1/units/?{query}")
        assert response.status_code == 200, response.json()
        return [row["code"] for row in response.json()["results"]]

    assert codes("kind=police") == ["U441302001PS", "U441302PS", "U441303PS"]
    assert codes("tier=district") == ["U441302PS", "U441303PS"]
    assert codes("region=441302") == ["U441302001001GC", "U441302001PS", "U441302PS"]
    assert codes("covers=441302001001&kind=police") == ["U441302001PS", "U441302PS"]
    bad = api.get("/api/v1/units/?kind=spaceship&region=abc")
    assert bad.status_code == 400 and {"kind", "region"} <= set(bad.json())


def test_the_units_api_needs_a_staff_role(city: MiniCity, api: APIClient, units: dict[str, Unit]) -> None:
    assert api.get("/api/v1/units/").status_code == 401
    api.force_authenticate(city.users["resident"])
    assert api.get("/api/v1/units/").json()["count"] == 0
