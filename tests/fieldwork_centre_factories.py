"""Constructed field work with known figures, for the figures, centre page and API tests.

March 2026 in the worker's grid (441302001001001), five households: H1 and H2 in building B1 (the mini city's
building), H3, H4 and H5 in a second building B2.

- worker: patrols on 2 March 07:00 (2 h, 3 km; still 1 March in UTC), 2 March 15:00 (1 h, 1.5 km), 4 March 09:00
  (30 min, 0.5 km) → 3.5 h, 5 km, 3 patrols, 2 days; a flagged patrol on 5 March (5 h, 9 km) counted apart; one
  on 28 February and one on 1 April 00:30 (Beijing) outside the month. Check-ins: B1 near (H1, H2), B2 far (not
  counted), B2 in the flagged patrol (not counted). Visits: person P4 (→ H4) and household H2 (already covered).
  Covered 3 of 5: 60 %.
- worker2 (same grid): 3 March 10:00, 1 h, 2 km; a check-in near B2 (H3, H4, H5): covered 3 of 5.
- The grid: 4.5 h, 7 km, 4 patrols, 3 days, 2 buildings, 5 of 5 households covered, 1 flagged.
- neighbour (grid 441302001001002): one patrol, 1 h, in another grid.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from gridgov.accounts.roles import Role
from gridgov.fieldwork.models import CheckIn, Patrol, PatrolStatus, TrackPoint, Visit
from gridgov.registry.models import Household
from gridgov.registry.services.households import create_household
from gridgov.territory.models import Building, House

from .case_factories import CaseCity
from .registry_factories import make_person

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
G1 = "441302001001001"
G2 = "441302001001002"
MARCH = dt.date(2026, 3, 1)


def bj(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class FieldData:
    patrols: dict[str, Patrol] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    b2: Building | None = None


def make_patrol(
    worker: Any,
    grid: Any,
    started: dt.datetime,
    *,
    minutes: int,
    metres: float,
    flagged: bool = False,
    track: list[tuple[float, float]] | None = None,
) -> Patrol:
    patrol = Patrol.objects.create(
        id=uuid.uuid4(),
        worker=worker,
        grid=grid,
        scope_code=grid.code,
        status=PatrolStatus.ENDED,
        started_at=started,
        ended_at=started + dt.timedelta(minutes=minutes),
        distance_m=metres,
        duration_s=minutes * 60,
        flagged=flagged,
        flags=[{"kind": "speed", "at": started.isoformat(), "metres": 4000, "seconds": 30}] if flagged else [],
    )
    if track:
        step = dt.timedelta(minutes=minutes) / max(1, len(track) - 1)
        TrackPoint.objects.bulk_create(
            [TrackPoint(patrol=patrol, t=started + i * step, lon=lon, lat=lat) for i, (lon, lat) in enumerate(track)]
        )
        patrol.points = len(track)
        patrol.save(update_fields=["points"])
    return patrol


def make_checkin(
    worker: Any, building: Building, at: dt.datetime, *, patrol: Patrol | None, distance: float
) -> CheckIn:
    return CheckIn.objects.create(
        id=uuid.uuid4(),
        patrol=patrol,
        worker=worker,
        building=building,
        scope_code=building.grid.code,
        made_at=at,
        lon=building.lon,
        lat=building.lat,
        distance_m=distance,
    )


def build_field_data(cc: CaseCity) -> FieldData:
    city = cc.city
    data = FieldData()
    g1, g2 = city.grids[G1], city.grids[G2]
    worker = cc.users["worker"]
    worker2 = city.grant("worker2", Role.GRID_WORKER, grid=G1)
    neighbour = city.grant("neighbour", Role.GRID_WORKER, grid=G2)
    city.grant("head", Role.GRID_HEAD, grid=G1)
    b1 = city.buildings[G1]
    b2 = Building.objects.create(
        code=f"{G1}00002", grid=g1, name="网格1-1-1 2栋", lon=b1.lon + 0.002, lat=b1.lat + 0.002, floors=6
    )
    data.b2 = b2
    House.objects.bulk_create([House(building=b2, number=f"{n}01", floor=n) for n in (1, 2, 3)])
    houses = list(b1.houses.order_by("number")) + list(b2.houses.order_by("number"))
    people = []
    for i, house in enumerate(houses, start=1):
        person = make_person(city, seq=i, house=house)
        people.append(person)
        data.households[f"H{i}"] = create_household(
            by=worker, number=f"HH{i}", head=person, on=dt.date(2025, 1, 1), house=house
        )
    track = [(b1.lon - 0.001 + 0.0002 * i, b1.lat) for i in range(11)]
    p = data.patrols
    p["a"] = make_patrol(worker, g1, bj(2, 7), minutes=120, metres=3000, track=track)
    p["b"] = make_patrol(worker, g1, bj(2, 15), minutes=60, metres=1500)
    p["c"] = make_patrol(worker, g1, bj(4, 9), minutes=30, metres=500)
    p["flagged"] = make_patrol(worker, g1, bj(5, 9), minutes=300, metres=9000, flagged=True)
    p["february"] = make_patrol(worker, g1, bj(28, 9, month=2), minutes=60, metres=1000)
    p["april"] = make_patrol(worker, g1, bj(1, 0, 30, month=4), minutes=60, metres=1000)
    p["worker2"] = make_patrol(worker2, g1, bj(3, 10), minutes=60, metres=2000)
    p["neighbour"] = make_patrol(neighbour, g2, bj(3, 10), minutes=60, metres=1000)
    make_checkin(worker, b1, bj(2, 7, 30), patrol=p["a"], distance=12)
    make_checkin(worker, b2, bj(2, 16), patrol=p["b"], distance=900)  # far from the building: not a check
    make_checkin(worker, b2, bj(5, 10), patrol=p["flagged"], distance=5)  # in a flagged patrol
    make_checkin(worker2, b2, bj(3, 10, 20), patrol=p["worker2"], distance=20)
    Visit.objects.create(
        id=uuid.uuid4(), worker=worker, person=people[3], scope_code=G1, made_at=bj(4, 9, 10), situation="身体尚好"
    )
    Visit.objects.create(
        id=uuid.uuid4(),
        worker=worker,
        household=data.households["H2"],
        scope_code=G1,
        made_at=bj(4, 9, 20),
        situation="一切正常",
    )
    return data
