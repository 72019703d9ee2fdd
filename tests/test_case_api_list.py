"""GET /api/v1/cases/, /cases/{number}/, /cases/{number}/timeline/ and /inbox/: scoped to the user, filtered,
paginated, a constant number of queries; the reporter shown only to the reporter and the centres."""

from __future__ import annotations

from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from gridgov.accounts.models import User
from gridgov.cases import services
from gridgov.cases.models import Case

from .case_factories import CaseCity


def numbers(api: APIClient, cc: CaseCity, user: str, query: str = "") -> set[str]:
    api.force_authenticate(cc.users[user])
    response = api.get(f"/api/v1/cases/{query}")
    assert response.status_code == 200, response.json()
    return {row["number"] for row in response.json()["results"]}


def test_the_list_shows_each_user_only_the_cases_in_their_scope(cc: CaseCity, api: APIClient) -> None:
    mine = cc.report(by="resident", source="resident")
    elsewhere = cc.report(by="district", source="hotline", point=(114.435, 23.135))
    far = cc.report(by="outsider", source="hotline", point=(114.47, 23.12))
    assert numbers(api, cc, "community") == {mine.number}
    assert numbers(api, cc, "worker") == {mine.number}
    assert numbers(api, cc, "district") == {mine.number, elsewhere.number}
    assert numbers(api, cc, "outsider") == {far.number}
    assert numbers(api, cc, "resident") == {mine.number}
    assert numbers(api, cc, "admin") == {mine.number, elsewhere.number, far.number}
    assert numbers(api, cc, "cm") == set()
    assert numbers(api, cc, "nobody") == set()
    services.accept_case(mine, by=cc.users["community"])
    services.dispatch_case(mine, to=cc.units["cm"], by=cc.users["community"])
    assert numbers(api, cc, "cm") == {mine.number}


def test_filters_narrow_the_scoped_list_and_bad_values_are_400(cc: CaseCity, api: APIClient) -> None:
    rubbish = cc.report()
    building = cc.report(category="building", description="违章搭建", address="幸福里3栋")
    services.accept_case(building, by=cc.users["community"])
    far = cc.report(by="outsider", source="hotline", point=(114.47, 23.12))
    assert numbers(api, cc, "admin", "?status=accepted") == {building.number}
    assert numbers(api, cc, "admin", "?status=accepted&status=reported") >= {building.number, rubbish.number}
    assert numbers(api, cc, "admin", "?category=0101") == {rubbish.number, far.number}
    assert numbers(api, cc, "admin", "?under=441302") == {rubbish.number, building.number}
    assert numbers(api, cc, "admin", "?grid=441302001001001") == {rubbish.number, building.number}
    assert numbers(api, cc, "admin", "?q=幸福里") == {building.number}
    assert numbers(api, cc, "admin", f"?q={rubbish.number}") == {rubbish.number}
    assert numbers(api, cc, "admin", "?source=hotline") == {far.number}
    # Filters never widen scope.
    assert numbers(api, cc, "community", "?under=4413") == {rubbish.number, building.number}
    api.force_authenticate(cc.users["admin"])
    response = api.get("/api/v1/cases/?overdue=maybe&status=nonsense")
    assert response.status_code == 400
    assert {"overdue", "status"} <= set(response.json())


def test_overdue_and_ordering_by_deadline(cc: CaseCity, api: APIClient) -> None:
    first = cc.report()
    with time_machine.travel("2026-03-04 11:00 +0800", tick=False):
        second = cc.report(category="building", description="违章搭建")
        services.accept_case(second, by=cc.users["community"])
    assert numbers(api, cc, "community", "?overdue=true") == set()
    with time_machine.travel("2026-03-09 10:00 +0800", tick=False):
        assert numbers(api, cc, "community", "?overdue=true") == {first.number, second.number}
        api.force_authenticate(cc.users["community"])
        rows = api.get("/api/v1/cases/?ordering=due_at").json()["results"]
        assert [r["number"] for r in rows] == [first.number, second.number]
        assert all(r["overdue"] for r in rows)
        rows = api.get("/api/v1/cases/?ordering=-due_at").json()["results"]
        assert [r["number"] for r in rows] == [second.number, first.number]


def test_the_list_is_paginated(cc: CaseCity, api: APIClient) -> None:
    for _ in range(3):
        cc.report()
    api.force_authenticate(cc.users["community"])
    page = api.get("/api/v1/cases/?limit=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]


def fresh(cc: CaseCity, username: str) -> User:
    return User.objects.get(pk=cc.users[username].pk)


def list_queries(api: APIClient, user: User, path: str = "/api/v1/cases/") -> int:
    api.force_authenticate(user)
    with CaptureQueriesContext(connection) as context:
        response = api.get(path)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_list_costs_the_same_number_of_queries_for_two_cases_or_twelve(cc: CaseCity, api: APIClient) -> None:
    for i in range(2):
        case = cc.report(description=f"垃圾{i}", by="resident" if i else "worker", source="resident")
        services.accept_case(case, by=cc.users["community"])
        services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
    small = {name: list_queries(api, fresh(cc, name)) for name in ("community", "cm", "admin", "resident")}
    for i in range(10):
        case = cc.report(description=f"更多垃圾{i}", by="resident" if i % 2 else "worker", source="resident")
        services.accept_case(case, by=cc.users["community"])
        services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
        services.summon_units(case, by=cc.users["community"], units=[cc.units["police"]])
    for name, count in small.items():
        assert list_queries(api, fresh(cc, name)) == count, name
    assert list_queries(api, fresh(cc, "police"), "/api/v1/inbox/") == list_queries(
        api, fresh(cc, "cm"), "/api/v1/inbox/"
    )


def detail(api: APIClient, cc: CaseCity, user: str, case: Case) -> dict[str, Any]:
    api.force_authenticate(cc.users[user])
    response = api.get(f"/api/v1/cases/{case.number}/")
    assert response.status_code == 200, response.json()
    body: dict[str, Any] = response.json()
    return body


def test_the_reporter_is_shown_to_the_reporter_and_the_centres_only(cc: CaseCity, api: APIClient) -> None:
    reporter = cc.users["resident"]
    reporter.display_name = "王小明"
    reporter.save()
    case = cc.report(by="resident", source="resident")
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
    assert detail(api, cc, "resident", case)["reporter"] == "王小明"
    assert detail(api, cc, "community", case)["reporter"] == "王小明"
    assert detail(api, cc, "district", case)["reporter"] == "王小明"
    hidden = detail(api, cc, "cm", case)
    assert hidden["reporter"] == "已隐藏"
    assert "王小明" not in str(hidden)
    assert hidden["timeline"][0]["actor"] == "已隐藏"
    assert "王小明" not in str(detail(api, cc, "worker", case))
    api.force_authenticate(cc.users["cm"])
    assert "王小明" not in str(api.get("/api/v1/cases/").json())
    assert "王小明" not in str(api.get(f"/api/v1/cases/{case.number}/timeline/").json())


def test_the_detail_carries_deadlines_summonses_and_the_timeline(cc: CaseCity, api: APIClient) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    services.summon_units(case, by=cc.users["community"], units=[cc.units["police"]])
    body = detail(api, cc, "community", case)
    assert body["deadlines"]["stage"] == "dispatch" and body["deadlines"]["due_at"]
    assert body["deadlines"]["overdue"] is False
    assert [s["unit"]["code"] for s in body["summonses"]] == ["U441302001PS"]
    assert [e["action"] for e in body["timeline"]] == ["report", "accept", "summon"]
    assert body["mediation"] is None
    timeline = api.get(f"/api/v1/cases/{case.number}/timeline/").json()
    assert [e["action"] for e in timeline] == ["report", "accept", "summon"]


def test_coordinates_come_back_in_the_datum_asked_for(cc: CaseCity, api: APIClient) -> None:
    case = cc.report()
    wgs = detail(api, cc, "community", case)
    gcj = api.get(f"/api/v1/cases/{case.number}/?crs=gcj02").json()
    assert abs(wgs["lon"] - 114.405) < 1e-6
    assert 0.001 < abs(gcj["lon"] - wgs["lon"]) < 0.01
    assert api.get(f"/api/v1/cases/{case.number}/?crs=mars").status_code == 400


def test_the_unit_inbox_lists_cases_to_sign_in_progress_overdue_and_summoned(cc: CaseCity, api: APIClient) -> None:
    to_sign = cc.report(description="待签收")
    services.accept_case(to_sign, by=cc.users["community"])
    services.dispatch_case(to_sign, to=cc.units["cm"], by=cc.users["community"])
    working = cc.report(description="办理中")
    services.accept_case(working, by=cc.users["community"])
    services.dispatch_case(working, to=cc.units["cm"], by=cc.users["community"])
    services.sign_case(working, by=cc.users["cm"])
    services.summon_units(working, by=cc.users["community"], units=[cc.units["police"]])
    api.force_authenticate(cc.users["cm"])
    inbox = api.get("/api/v1/inbox/").json()
    assert [c["number"] for c in inbox["to_sign"]] == [to_sign.number]
    assert [c["number"] for c in inbox["in_progress"]] == [working.number]
    assert inbox["overdue"] == [] and inbox["summoned"] == []
    api.force_authenticate(cc.users["police"])
    police = api.get("/api/v1/inbox/").json()
    assert [c["number"] for c in police["summoned"]] == [working.number]
    assert police["to_sign_count"] == 0
    with time_machine.travel("2026-03-09 10:00 +0800", tick=False):
        api.force_authenticate(cc.users["cm"])
        late = api.get("/api/v1/inbox/").json()
        assert {c["number"] for c in late["overdue"]} == {to_sign.number, working.number}
    api.force_authenticate(cc.users["community"])
    assert api.get("/api/v1/inbox/").json()["to_sign_count"] == 0
