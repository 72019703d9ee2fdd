"""factory_boy factories and a small constructed city for tests.

``build_mini_city()`` makes province 440000 → city 441300 → two districts. District 441302 is the square
lon 114.40–114.44, lat 23.10–23.14, split into two sub-districts (west/east), each split into two communities
(south/north), each split into two comprehensive grids (west/east) — eight grids, one building with two houses
in each. District 441303 has one sub-district, one community and one grid: somewhere the first district's users
must not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import factory
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.roles import Role
from gridgov.core.regioncodes import Level
from gridgov.territory.models import Building, Grid, GridKind, House, Region

PASSWORD = "Correct-Horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


def make_region(code: str, name: str, level: str, parent: Region | None, geom: BaseGeometry | None) -> Region:
    region = Region(code=code, name=name, level=level, parent=parent)
    region.set_boundary(geom)
    region.full_clean()
    region.save()
    return region


def make_grid(
    code: str,
    name: str,
    community: Region,
    geom: BaseGeometry,
    kind: str = GridKind.COMPREHENSIVE,
    parent: Grid | None = None,
    households: int = 300,
) -> Grid:
    grid = Grid(code=code, name=name, kind=kind, region=community, parent=parent, households_estimate=households)
    grid.set_boundary(geom)
    grid.full_clean()
    grid.save()
    return grid


@dataclass
class MiniCity:
    regions: dict[str, Region] = field(default_factory=dict)
    grids: dict[str, Grid] = field(default_factory=dict)
    buildings: dict[str, Building] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def grant(self, username: str, role: str, *, region: str | None = None, grid: str | None = None) -> User:
        user = UserFactory(username=username)
        RoleAssignment.objects.create(
            user=user,
            role=role,
            region=self.regions[region] if region else None,
            grid=self.grids[grid] if grid else None,
        )
        self.users[username] = user
        return user


def build_mini_city(with_users: bool = True) -> MiniCity:
    city = MiniCity()
    r = city.regions
    r["440000"] = make_region("440000", "广东省", Level.PROVINCE, None, None)
    r["441300"] = make_region("441300", "惠州市", Level.CITY, r["440000"], box(114.40, 23.10, 114.50, 23.14))
    r["441302"] = make_region("441302", "惠城区", Level.DISTRICT, r["441300"], box(114.40, 23.10, 114.44, 23.14))
    for s, (x0, x1) in enumerate([(114.40, 114.42), (114.42, 114.44)], start=1):
        sub = f"441302{s:03d}"
        r[sub] = make_region(sub, f"街道{s}", Level.SUBDISTRICT, r["441302"], box(x0, 23.10, x1, 23.14))
        for c, (y0, y1) in enumerate([(23.10, 23.12), (23.12, 23.14)], start=1):
            com = f"{sub}{c:03d}"
            r[com] = make_region(com, f"社区{s}-{c}", Level.COMMUNITY, r[sub], box(x0, y0, x1, y1))
            xm = (x0 + x1) / 2
            for g, (gx0, gx1) in enumerate([(x0, xm), (xm, x1)], start=1):
                code = f"{com}{g:03d}"
                city.grids[code] = make_grid(code, f"网格{s}-{c}-{g}", r[com], box(gx0, y0, gx1, y1))
    r["441303"] = make_region("441303", "惠阳区", Level.DISTRICT, r["441300"], box(114.44, 23.10, 114.50, 23.14))
    r["441303001"] = make_region(
        "441303001", "淡水街道", Level.SUBDISTRICT, r["441303"], box(114.44, 23.10, 114.50, 23.14)
    )
    r["441303001001"] = make_region(
        "441303001001", "某社区", Level.COMMUNITY, r["441303001"], box(114.44, 23.10, 114.50, 23.14)
    )
    city.grids["441303001001001"] = make_grid(
        "441303001001001", "惠阳网格", r["441303001001"], box(114.44, 23.10, 114.50, 23.14)
    )
    for code, grid in city.grids.items():
        minx, miny, maxx, maxy = grid.boundary.bounds  # type: ignore[union-attr]
        b = Building.objects.create(
            code=f"{code}00001",
            grid=grid,
            name=f"{grid.name}1栋",
            lon=(minx + maxx) / 2,
            lat=(miny + maxy) / 2,
            floors=6,
            households=2,
        )
        House.objects.bulk_create([House(building=b, number=f"{n}01", floor=n) for n in (1, 2)])
        city.buildings[code] = b
    if with_users:
        city.grant("worker", Role.GRID_WORKER, grid="441302001001001")
        city.grant("community", Role.COMMUNITY_DISPATCHER, region="441302001001")
        city.grant("subdistrict", Role.SUBDISTRICT_DISPATCHER, region="441302001")
        city.grant("district", Role.DISTRICT_DISPATCHER, region="441302")
        city.grant("outsider", Role.DISTRICT_DISPATCHER, region="441303")
        city.grant("admin", Role.ADMINISTRATOR, region="441300")
        city.grant("resident", Role.RESIDENT, region="441302001001")
        city.users["nobody"] = UserFactory(username="nobody")
    return city


def make_unit(code: str, name: str, kind: str, tier: str, region: Region, *jurisdiction: Region) -> Any:
    """A unit seated in ``region`` with the given jurisdiction (default: its own region)."""
    from gridgov.units.models import Unit

    unit = Unit.objects.create(code=code, name=name, kind=kind, tier=tier, region=region)
    unit.jurisdiction.set(jurisdiction or [region])
    return unit
