"""GET /api/v1/patrol-figures/ follows the field-work pages' role check (residents and department handlers: 403,
figures name grids and household totals) and looks its ``worker`` up in the asker's scope: a worker who does not
exist and one out of scope get the same 400, so the parameter tells nothing about other users."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from .case_factories import CaseCity
from .fieldwork_sync_factories import NEIGHBOUR_GRID

URL = "/api/v1/patrol-figures/?month=2026-03"


def get(api: APIClient, user: Any, url: str = URL) -> Any:
    api.force_authenticate(user)
    return api.get(url)


def test_roles_without_field_work_are_refused(cc: CaseCity, api: APIClient) -> None:
    for name in ("cm", "resident", "nobody"):
        response = get(api, cc.users[name])
        assert response.status_code == 403, name
        assert "外勤" in response.json()["detail"]
    assert get(api, cc.users["community"]).status_code == 200


def test_the_worker_is_looked_up_in_scope(cc: CaseCity, api: APIClient) -> None:
    worker = cc.users["worker"]
    neighbour = cc.city.grant("worker2", "grid_worker", grid=NEIGHBOUR_GRID)
    ok = get(api, cc.users["community"], f"{URL}&worker={worker.pk}")
    assert ok.status_code == 200
    missing = get(api, cc.users["outsider"], f"{URL}&worker=999999")
    out_of_scope = get(api, cc.users["outsider"], f"{URL}&worker={worker.pk}")  # another district
    not_a_worker = get(api, cc.users["community"], f"{URL}&worker={cc.users['district'].pk}")
    for response in (missing, out_of_scope, not_a_worker):
        assert response.status_code == 400
        assert response.json() == missing.json()
    # A grid worker asks about themselves only.
    assert get(api, worker, f"{URL}&worker={worker.pk}").status_code == 200
    assert get(api, worker, f"{URL}&worker={neighbour.pk}").json() == missing.json()
