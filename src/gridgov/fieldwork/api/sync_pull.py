"""GET /api/v1/sync/pull/: the worker's grid data for offline use (docs/fieldwork-sync.md).

The grids are those the user holds a grid-level field-work role on (grid worker, grid head); everything else is
read through ``visible_to`` and limited to those grids. People carry masked values only (DESIGN rule 4). A fixed
number of queries whatever the size of the grid (no N+1): one per part.

The cursor is the server's time when the pull began, less a margin (a transaction that committed just after the
read still has its rows sent next time: sending a row twice is harmless, missing it is not). With ``since``, people
and households changed after it are sent — changed themselves, or their house or building renamed or renumbered
(``updated_at`` of House and Building), since their rows show those labels — with the ids of all of them in scope
so that the phone can drop the ones that left; buildings, rental houses, visits due, open tasks and categories are
small and always sent whole.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from shapely.geometry import mapping

from gridgov.accounts.scope import scope_for
from gridgov.core.crs import CRS, from_wgs84, transform_geometry
from gridgov.core.scoping import prefix_q
from gridgov.matters.inforce import in_force_by_code
from gridgov.matters.services import is_grid_assignable
from gridgov.registry.models import Household, Membership, Person, PersonTag, RentalHouse
from gridgov.territory.models import Building, Grid

from ..models import OPEN_TASK_STATUSES, Task

#: The people's fields a grid worker keeps current on a visit (the phone's person edit, ``person_edit``).
EDITABLE = (
    "phone",
    "current_address",
    "occupation",
    "workplace",
    "education",
    "marital_status",
    "political_status",
    "occupancy",
)

#: The cursor goes back this far, so that rows committed while the pull was read are sent again next time.
CURSOR_MARGIN = dt.timedelta(seconds=60)


def pull_grids(user: Any) -> list[Grid]:
    codes = scope_for(user, "patrol", "add").grid_codes
    return list(Grid.objects.current().filter(code__in=sorted(codes)).order_by("code"))


def parse_since(since: str | None) -> dt.datetime | None:
    if not since:
        return None
    at = parse_datetime(since)
    if at is None or at.tzinfo is None:
        raise ValidationError({"since": [_("cursor 无效,请不带 since 重新完整下载。")]})
    return at


def pull(user: Any, *, since: str | None, crs: CRS = CRS.WGS84) -> dict[str, Any]:
    after = parse_since(since)
    started = timezone.now()
    grids = pull_grids(user)
    codes = [g.code for g in grids]
    in_grids = prefix_q("scope_code", codes) if codes else None
    today = timezone.localdate()

    def point(lon: float, lat: float) -> tuple[float, float]:
        if crs == CRS.WGS84:
            return lon, lat
        x, y = from_wgs84(lon, lat, crs)
        return round(x, 7), round(y, 7)

    body: dict[str, Any] = {
        "full": after is None,
        "cursor": (started - CURSOR_MARGIN).isoformat(),
        "grids": [_grid(g, crs) for g in grids],
        "buildings": [],
        "households": [],
        "household_ids": [],
        "people": [],
        "person_ids": [],
        "rentals": [],
        "visits_due": [],
        "tasks": _tasks(user),
        "categories": _categories(),
    }
    if in_grids is None:
        return body

    buildings = (
        Building.objects.visible_to(user, "view")
        .filter(grid__code__in=codes)
        .order_by("code")
        .values_list("code", "name", "grid__code", "lon", "lat", "households")
    )
    body["buildings"] = [
        {"code": c, "name": n, "grid": g, "lon": point(x, y)[0], "lat": point(x, y)[1], "households": h}
        for c, n, g, x, y, h in buildings
    ]

    households = Household.objects.visible_to(user, "view").filter(in_grids)
    body["household_ids"] = sorted(households.values_list("pk", flat=True))
    # A household's row shows its house's number and building's name and code: renaming or renumbering them
    # changes it too, so they count as its change (an OR over the joins: still one query).
    changed_households = (
        households.filter(
            Q(updated_at__gt=after) | Q(house__updated_at__gt=after) | Q(house__building__updated_at__gt=after)
        )
        if after
        else households
    )
    body["households"] = [
        {
            "id": pk,
            "number": number,
            "house": f"{bname} {hnumber}" if hnumber else None,
            "building": bcode,
            "version": version,
        }
        for pk, number, bname, hnumber, bcode, version in changed_households.order_by("pk").values_list(
            "pk", "number", "house__building__name", "house__number", "house__building__code", "version"
        )
    ]

    people = Person.objects.visible_to(user, "view").filter(in_grids, is_active=True)
    body["person_ids"] = sorted(people.values_list("pk", flat=True))
    # Likewise a person's: their house's label (building name and number) and their building's code.
    changed_people = (
        people.filter(
            Q(updated_at__gt=after)
            | Q(building__updated_at__gt=after)
            | Q(house__updated_at__gt=after)
            | Q(house__building__updated_at__gt=after)
        )
        if after
        else people
    )
    household = Membership.objects.filter(person=OuterRef("pk"), valid_to__isnull=True).values("household_id")[:1]
    rows = (
        changed_people.annotate(
            current_household=Subquery(household),
            house_label=Concat(F("house__building__name"), Value(" "), F("house__number"), output_field=CharField()),
        )
        .select_related("building")
        .only("pk", "name", "sex", "birth_date", "id_number", "phone", "house", "building__code", "version", *EDITABLE)
        .order_by("pk")
    )
    body["people"] = [
        {
            "id": p.pk,
            "name": p.name,
            "sex": p.sex,
            "age": p.age,
            "id_number": p.id_number.masked if p.id_number else "",
            "phone": p.phone.masked if p.phone else "",
            "house": p.house_label if p.house_id else None,
            "building": p.building.code if p.building_id and p.building else None,
            "household": p.current_household,
            "is_active": True,
            "version": p.version,
            # What the phone's person edit shows and sends as its base (the address masked like the phone).
            **{f: getattr(p, f) for f in EDITABLE if f not in ("phone", "current_address")},
            "current_address": p.current_address.masked if p.current_address else "",
        }
        for p in rows
    ]

    rentals = RentalHouse.objects.visible_to(user, "view").filter(in_grids)
    body["rentals"] = [
        {
            "id": pk,
            "house": house,
            "building": bcode,
            "label": f"{bname} {hnumber}",
            "landlord": landlord or "",
            "rooms": rooms,
            "safety_checked_on": checked.isoformat() if checked else None,
            "is_active": active,
            "registered_on": registered.isoformat(),
            "version": version,
        }
        for pk, house, bcode, bname, hnumber, landlord, rooms, checked, active, registered, version in rentals.order_by(
            "house__building__code", "house__number", "pk"
        ).values_list(
            "pk",
            "house_id",
            "house__building__code",
            "house__building__name",
            "house__number",
            "landlord__name",
            "rooms",
            "safety_checked_on",
            "is_active",
            "registered_on",
            "version",
        )
    ]

    tags = PersonTag.objects.visible_to(user, "view").current().filter(in_grids, person__is_active=True)
    body["visits_due"] = [
        {
            "tag": pk,
            "person": person_id,
            "kind": kind,
            "kind_display": str(PersonTag(kind=kind).get_kind_display()),
            "next_visit_due": due.isoformat(),
            "overdue": due < today,
        }
        for pk, person_id, kind, due in tags.order_by("next_visit_due", "pk").values_list(
            "pk", "person_id", "kind", "next_visit_due"
        )
    ]
    return body


def _grid(grid: Grid, crs: CRS) -> dict[str, Any]:
    geom = grid.boundary
    if geom is not None and crs != CRS.WGS84:
        geom = transform_geometry(geom, CRS.WGS84, crs)
    return {"code": grid.code, "name": grid.name, "boundary": mapping(geom) if geom is not None else None}


def _tasks(user: Any) -> list[dict[str, Any]]:
    tasks = (
        Task.objects.visible_to(user, "view")
        .filter(assignee=user, status__in=OPEN_TASK_STATUSES)
        .select_related("category")
        .order_by("due_at", "pk")
    )
    return [
        {
            "id": t.pk,
            "title": t.title,
            "kind": t.kind,
            "description": t.description,
            "category": t.category.code,
            "status": t.status,
            "due_at": t.due_at.isoformat(),
            "overdue": t.overdue,
            "version": t.version,
        }
        for t in tasks
    ]


def _categories() -> list[dict[str, Any]]:
    """The categories in force (what the worker may report), each saying whether it may be a task."""
    out = []
    for code, c in sorted(in_force_by_code().items()):
        major = c.parent if c.parent_id and c.parent else c
        out.append(
            {
                "code": code,
                "name": c.name,
                "major_code": major.code,
                "major_name": major.name,
                "grid_assignable": is_grid_assignable(c),
            }
        )
    return out
