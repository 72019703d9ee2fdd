"""The home page: one section per role the user holds (a user with several roles sees each)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridgov.accounts.roles import Role
from gridgov.accounts.scope import assignments_of, roles_of
from gridgov.core.regioncodes import Level, child_level
from gridgov.territory.models import TERRITORIAL_KINDS, Building, Grid, GridKind, Region
from gridgov.territory.views import grid_features, map_config, may_view_coverage, tile_crs

TOTAL_KEYS = ("subdistricts", "communities", "grids", "comprehensive", "households", "buildings")
DISPATCHER_ROLES = (Role.COMMUNITY_DISPATCHER, Role.SUBDISTRICT_DISPATCHER, Role.DISTRICT_DISPATCHER)


@dataclass
class RegionStats:
    region: Region
    role_label: str
    sub_regions: int
    grids: int
    buildings: int
    households: int
    coverage: bool


def region_stats(user: Any, region: Region, role_label: str = "") -> RegionStats:
    prefix = region.scope_prefix
    grids = Grid.objects.visible_to(user).current().filter(region_code__startswith=prefix)  # type: ignore[attr-defined]
    totals = grids.aggregate(n=Count("id"), hh=Sum("households_estimate", filter=Q(kind__in=TERRITORIAL_KINDS)))
    below = child_level(region.level)
    return RegionStats(
        region=region,
        role_label=role_label,
        sub_regions=Region.objects.visible_to(user).filter(parent=region).count() if below else 0,
        grids=totals["n"] or 0,
        buildings=Building.objects.visible_to(user).filter(code__startswith=prefix).count(),
        households=totals["hh"] or 0,
        coverage=may_view_coverage(user, region),
    )


def district_totals(user: Any, city: Region) -> list[dict[str, Any]]:
    """One row per district of ``city``: sub-districts, communities, grids, buildings, households — in a handful
    of grouped queries, not one per district."""
    prefix = city.scope_prefix
    regions = Region.objects.visible_to(user).filter(code__startswith=prefix)
    districts = list(regions.filter(level=Level.DISTRICT).order_by("code"))
    per_level = (
        regions.filter(level__in=[Level.SUBDISTRICT, Level.COMMUNITY])
        .annotate(d=Substr("code", 1, 6))
        .values("d", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = {(row["d"], row["level"]): row["n"] for row in per_level}
    grid_rows = (
        Grid.objects.visible_to(user)  # type: ignore[attr-defined]
        .current()
        .filter(region_code__startswith=prefix)
        .annotate(d=Substr("region_code", 1, 6))
        .values("d")
        .annotate(
            n=Count("id"),
            comprehensive=Count("id", filter=Q(kind=GridKind.COMPREHENSIVE)),
            hh=Sum("households_estimate", filter=Q(kind__in=TERRITORIAL_KINDS)),
        )
        .order_by()
    )
    grids = {row["d"]: row for row in grid_rows}
    building_rows = (
        Building.objects.visible_to(user)  # type: ignore[attr-defined]
        .filter(code__startswith=prefix)
        .annotate(d=Substr("code", 1, 6))
        .values("d")
        .annotate(n=Count("id"))
        .order_by()
    )
    buildings = {row["d"]: row["n"] for row in building_rows}
    rows = []
    for d in districts:
        g = grids.get(d.code, {})
        rows.append(
            {
                "region": d,
                "subdistricts": counts.get((d.code, Level.SUBDISTRICT), 0),
                "communities": counts.get((d.code, Level.COMMUNITY), 0),
                "grids": g.get("n", 0),
                "comprehensive": g.get("comprehensive", 0),
                "households": g.get("hh") or 0,
                "buildings": buildings.get(d.code, 0),
            }
        )
    return rows


def _sum(rows: list[dict[str, Any]], key: str) -> int:
    return sum(int(r[key]) for r in rows)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = roles_of(user)
    rows = assignments_of(user)
    context: dict[str, Any] = {"roles": [Role(r) for r in sorted(roles)]}

    grid_codes = sorted({g for role, _r, _l, g in rows if g and role in (Role.GRID_WORKER, Role.GRID_HEAD)})
    if grid_codes:
        my_grids = (
            Grid.objects.visible_to(user)  # type: ignore[attr-defined]
            .current()
            .filter(code__in=grid_codes)
            .select_related("region")
            .annotate(n_buildings=Count("buildings"), hh_buildings=Sum("buildings__households"))
        )
        context["my_grids"] = my_grids
        context["my_grids_map"] = map_config(
            grids_url=None, regions_url=None, extra={"grids": grid_features(my_grids, tile_crs()), "fitTo": "grids"}
        )

    region_codes = {r: role for role, r, _l, _g in rows if r and role in DISPATCHER_ROLES}
    if region_codes:
        regions = Region.objects.visible_to(user).filter(code__in=region_codes).order_by("code")
        context["dispatch_regions"] = [
            region_stats(user, region, str(Role(region_codes[region.code]).label)) for region in regions
        ]

    if Role.LEADER in roles or (user.is_superuser and not roles):
        leader_codes = [r for role, r, _l, _g in rows if r and role == Role.LEADER]
        cities = Region.objects.visible_to(user).filter(level=Level.CITY)
        if leader_codes:
            cities = cities.filter(code__in=leader_codes)
        context["leader_cities"] = []
        for city in cities.order_by("code"):
            table = district_totals(user, city)
            totals = {k: _sum(table, k) for k in TOTAL_KEYS}
            context["leader_cities"].append({"city": city, "rows": table, "totals": totals})

    context["is_admin"] = Role.ADMINISTRATOR in roles or user.is_superuser
    context["is_handler"] = Role.DEPARTMENT_HANDLER in roles
    # The case loop's field pages: the report form for those who report, the unit inbox for unit members.
    context["may_report"] = bool(roles & {Role.GRID_WORKER, Role.GRID_HEAD, Role.RESIDENT})
    if Role.RESIDENT in roles:
        # Residents do not see the territory; the community they are registered in is their own assignment.
        own = user.role_assignments.filter(role=Role.RESIDENT, region__isnull=False).select_related("region")  # type: ignore[union-attr]
        context["resident_regions"] = [a.region for a in own]
    return render(request, "web/home.html", context)
