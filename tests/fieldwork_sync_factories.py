"""Helpers for the field-work sync tests: records as the phone makes them, and a batch poster.

The ``cc`` fixture's clock is Wednesday 4 March 2026, 10:00 in Shanghai; records are made a little before.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from rest_framework.test import APIClient

WORKER_GRID = "441302001001001"
NEIGHBOUR_GRID = "441302001001002"  # same community, another worker's grid
WORKER_BUILDING = f"{WORKER_GRID}00001"  # at the grid's centre (114.405, 23.11)
NEIGHBOUR_BUILDING = f"{NEIGHBOUR_GRID}00001"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 4, 8, 0, tzinfo=SHANGHAI)


def at(minutes: float = 0) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


def rec(
    kind: str,
    data: dict[str, Any],
    *,
    made_at: str | None = None,
    photos: list[str] | None = None,
    uid: str | None = None,
) -> dict[str, Any]:
    return {
        "uuid": uid or str(uuid.uuid4()),
        "kind": kind,
        "made_at": made_at or at(90),
        "data": data,
        "photos": photos or [],
    }


def post(api: APIClient, user: Any, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    api.force_authenticate(user)
    response = api.post("/api/v1/sync/records/", {"records": records}, format="json")
    assert response.status_code == 200, response.content
    results: list[dict[str, Any]] = response.json()["results"]
    assert [r["uuid"] for r in results] == [r.get("uuid") for r in records]
    return results


def statuses(results: list[dict[str, Any]]) -> list[int]:
    return [r["status"] for r in results]
