"""/api/v1/matter-categories/ and /api/v1/matter-changes/: the list with its filters, proposing over the API,
and review for administrators only."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gridgov.matters.loader import load_matter_list
from gridgov.matters.models import ChangeStatus, MatterCategory, MatterChange

from .factories import MiniCity

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(city: MiniCity) -> MiniCity:
    load_matter_list(published_on=datetime.date(2025, 1, 1))
    return city


def codes(response: object) -> list[str]:
    data = response.json()  # type: ignore[attr-defined]
    return [row["code"] for row in data["results"]]


def test_the_list_shows_limits_and_filters_by_grid_assignable_kind_and_parent(listed: MiniCity, api: APIClient) -> None:
    api.force_authenticate(listed.users["worker"])
    response = api.get("/api/v1/matter-categories/0101/")
    assert response.status_code == 200
    body = response.json()
    assert body["parent"] == "01" and body["grid_assignable"] is True and body["in_force"] is True
    assert body["limits"]["handle"] == {"amount": 4, "unit": "hours"}
    assignable = codes(api.get("/api/v1/matter-categories/?grid_assignable=true&limit=1000"))
    assert "0101" in assignable and "0901" not in assignable
    penalties = codes(api.get("/api/v1/matter-categories/?kind=penalty"))
    assert penalties == ["0902"]
    majors = codes(api.get("/api/v1/matter-categories/?parent=none"))
    assert majors == [f"0{i}" for i in range(1, 10)]
    assert codes(api.get("/api/v1/matter-categories/?parent=03"))[0] == "0301"


def test_in_force_filters_out_inactive_and_lapsed_matters(listed: MiniCity, api: APIClient) -> None:
    MatterCategory.objects.filter(code="0102").update(is_active=False)
    MatterCategory.objects.filter(code="0103").update(
        is_temporary=True, approved_by=listed.users["admin"], ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    api.force_authenticate(listed.users["worker"])
    in_force = codes(api.get("/api/v1/matter-categories/?in_force=true&limit=1000"))
    out = codes(api.get("/api/v1/matter-categories/?in_force=false&limit=1000"))
    assert "0101" in in_force and "0102" not in in_force and "0103" not in in_force
    assert out == ["0102", "0103"]
    earlier = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert "0103" in codes(api.get(f"/api/v1/matter-categories/?in_force=true&on={earlier}&limit=1000"))


def test_a_bad_filter_value_is_a_400_naming_it(listed: MiniCity, api: APIClient) -> None:
    api.force_authenticate(listed.users["worker"])
    response = api.get("/api/v1/matter-categories/?grid_assignable=maybe&kind=nonsense")
    assert response.status_code == 400
    assert {"grid_assignable", "kind"} <= set(response.json())


def test_the_list_needs_a_login_and_a_role(listed: MiniCity, api: APIClient) -> None:
    assert api.get("/api/v1/matter-categories/").status_code == 401
    api.force_authenticate(listed.users["nobody"])
    assert api.get("/api/v1/matter-categories/").status_code == 403
    api.force_authenticate(listed.users["resident"])
    assert api.get("/api/v1/matter-categories/").status_code == 200


def propose(api: APIClient, **overrides: object) -> object:
    body: dict[str, object] = {
        "category": "0101",
        "fields": {"handle_limit": 2},
        "reason": "夏季缩短时限",
        "effective_on": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
    }
    body.update(overrides)
    return api.post("/api/v1/matter-changes/", body, format="json")


def test_a_dispatcher_proposes_and_an_administrator_approves_over_the_api(listed: MiniCity, api: APIClient) -> None:
    api.force_authenticate(listed.users["district"])
    response = propose(api)
    assert response.status_code == 201, response.json()  # type: ignore[attr-defined]
    change = response.json()  # type: ignore[attr-defined]
    assert change["status"] == "proposed" and change["proposer"] == "district" and change["category"] == "0101"

    api.force_authenticate(listed.users["worker"])
    assert api.get("/api/v1/matter-changes/").json()["count"] == 1
    denied = api.post(f"/api/v1/matter-changes/{change['id']}/approve/", {}, format="json")
    assert denied.status_code == 403
    assert MatterChange.objects.get().status == ChangeStatus.PROPOSED

    api.force_authenticate(listed.users["admin"])
    approved = api.post(f"/api/v1/matter-changes/{change['id']}/approve/", {"review_note": "同意"}, format="json")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved" and approved.json()["reviewer"] == "admin"
    again = api.post(f"/api/v1/matter-changes/{change['id']}/reject/", {"review_note": "不同意"}, format="json")
    assert again.status_code == 400 and "status" in again.json()


def test_rejecting_over_the_api_needs_a_note(listed: MiniCity, api: APIClient) -> None:
    api.force_authenticate(listed.users["district"])
    change = propose(api).json()  # type: ignore[attr-defined]
    api.force_authenticate(listed.users["admin"])
    response = api.post(f"/api/v1/matter-changes/{change['id']}/reject/", {}, format="json")
    assert response.status_code == 400 and "review_note" in response.json()
    response = api.post(f"/api/v1/matter-changes/{change['id']}/reject/", {"review_note": "依据不足"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"


def test_a_grid_worker_cannot_propose(listed: MiniCity, api: APIClient) -> None:
    api.force_authenticate(listed.users["worker"])
    assert propose(api).status_code == 403  # type: ignore[attr-defined]
    assert not MatterChange.objects.exists()


def test_proposal_errors_name_the_field(listed: MiniCity, api: APIClient) -> None:
    api.force_authenticate(listed.users["district"])
    response = propose(api, category="9999", effective_on="soon")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert {"category", "effective_on"} <= set(response.json())  # type: ignore[attr-defined]
    response = propose(api, fields={"handle_limit": 0})
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "handle_limit" in response.json()  # type: ignore[attr-defined]


def test_someone_without_a_staff_role_sees_only_their_own_proposals(listed: MiniCity, api: APIClient) -> None:
    api.force_authenticate(listed.users["district"])
    change = propose(api).json()  # type: ignore[attr-defined]
    api.force_authenticate(listed.users["resident"])
    assert api.get("/api/v1/matter-changes/").json()["count"] == 0
    assert api.get(f"/api/v1/matter-changes/{change['id']}/").status_code == 404
