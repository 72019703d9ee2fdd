"""An intake request costs a fixed, small number of queries: it does not grow with the centre's dispatchers, the
cases nearby or the matter list, and the case number is taken in one statement."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from gridgov.accounts.models import User
from gridgov.accounts.roles import Role

from .case_factories import POINT, CaseCity

#: Matter-list version, roles, territory version, duplicates, number, case, timeline row, the centre's dispatchers,
#: their notifications — and the savepoint pair of the intake's transaction (inside the test's own).
INTAKE_QUERIES = 11


def fresh(user: User) -> User:
    """The user as a new request loads it (roles are cached on the user object)."""
    return User.objects.get(pk=user.pk)


def intake(api: APIClient, user: User, **overrides: Any) -> list[str]:
    api.force_authenticate(fresh(user))
    body = {"category": "0101", "lon": POINT[0], "lat": POINT[1], "description": "垃圾暴露堆放", **overrides}
    with CaptureQueriesContext(connection) as context:
        response = api.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.json()
    return [q["sql"] for q in context.captured_queries]


def test_an_intake_request_uses_a_fixed_handful_of_queries(cc: CaseCity, api: APIClient) -> None:
    intake(api, cc.users["worker"])  # the process's caches (locator, grid ids, categories in force) fill here
    queries = intake(api, cc.users["worker"])
    assert len(queries) <= INTAKE_QUERIES, "\n".join(queries)


def test_the_count_does_not_grow_with_dispatchers_or_duplicates(cc: CaseCity, api: APIClient) -> None:
    intake(api, cc.users["worker"])
    small = len(intake(api, cc.users["worker"]))
    for i in range(5):
        cc.city.grant(f"dispatcher{i}", Role.COMMUNITY_DISPATCHER, region="441302001001")
    for _ in range(5):
        intake(api, cc.users["worker"])
    queries = intake(api, cc.users["worker"])
    assert len(queries) == small


def test_the_number_is_taken_in_one_statement(cc: CaseCity, api: APIClient) -> None:
    intake(api, cc.users["worker"])
    queries = intake(api, cc.users["worker"])
    sequence = [q for q in queries if "cases_casesequence" in q]
    assert len(sequence) == 1 and "RETURNING" in sequence[0]
