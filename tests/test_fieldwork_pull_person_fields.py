"""The pull carries what the phone's person edit shows (docs/fieldwork-app.md): the fields a grid worker keeps
current on a visit, the protected ones (phone, current address) masked, each person's version for the edit."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.test import APIClient

from gridgov.fieldwork.api.sync_pull import EDITABLE
from gridgov.registry import services as registry

from .case_factories import CaseCity
from .registry_factories import make_person


def pull(api: APIClient, user: Any) -> dict[str, Any]:
    api.force_authenticate(user)
    response = api.get("/api/v1/sync/pull/")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_the_pull_holds_the_editable_fields_with_the_protected_ones_masked(cc: CaseCity, api: APIClient) -> None:
    make_person(
        cc.city,
        seq=7,
        phone="13912345678",
        current_address="惠城区河南岸街道演达路88号",
        occupation="个体经营",
        workplace="演达路小卖部",
        education="senior",
        marital_status="married",
        political_status="masses",
        occupancy="tenant",
    )
    body = pull(api, cc.users["worker"])
    text = json.dumps(body, ensure_ascii=False)
    assert "13912345678" not in text and "演达路88号" not in text
    person = body["people"][0]
    assert set(EDITABLE) <= set(person)
    assert person["phone"] == "139****5678"
    assert person["current_address"].endswith("****") and person["current_address"].startswith("惠城区")
    assert (person["occupation"], person["workplace"], person["education"]) == ("个体经营", "演达路小卖部", "senior")
    assert (person["marital_status"], person["political_status"], person["occupancy"]) == (
        "married",
        "masses",
        "tenant",
    )


def test_a_change_on_the_server_comes_with_the_next_pull_and_a_new_version(cc: CaseCity, api: APIClient) -> None:
    p = make_person(cc.city, seq=8, occupation="教师")
    before = pull(api, cc.users["worker"])["people"][0]
    registry.update_person(by=cc.users["worker"], person=p, changes={"occupation": "退休"})
    after = pull(api, cc.users["worker"])["people"][0]
    assert (after["occupation"], after["version"]) == ("退休", before["version"] + 1)
