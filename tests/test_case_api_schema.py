"""The OpenAPI schema describes every case action with its request and its errors (400, 403, 404, 409), the
intake's idempotency answers, the export and the inbox."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from gridgov.cases.api.actions import SPECS
from gridgov.cases.workflow import TRANSITIONS


@pytest.fixture
def paths(db: None, api: APIClient) -> dict[str, Any]:
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()["paths"]
    return result


def test_every_workflow_transition_is_an_action_with_its_errors(paths: dict[str, Any]) -> None:
    names = {spec.name for spec in SPECS}
    assert {t.replace("_", "-") for t in TRANSITIONS} <= names
    for name in names:
        operation = paths[f"/api/v1/cases/{{number}}/{name}/"]["post"]
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"]), name
        assert "requestBody" in operation, name


def test_actions_document_their_inputs(paths: dict[str, Any]) -> None:
    dispatch = paths["/api/v1/cases/{number}/dispatch/"]["post"]["requestBody"]["content"]["application/json"]
    assert dispatch["schema"]["$ref"].endswith("/DispatchRequest")
    handle = paths["/api/v1/cases/{number}/handle/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in handle


def test_intake_list_export_timeline_and_inbox_are_described(paths: dict[str, Any]) -> None:
    create = paths["/api/v1/cases/"]["post"]
    assert {"200", "201", "400", "409"} <= set(create["responses"])
    listing = {p["name"] for p in paths["/api/v1/cases/"]["get"]["parameters"]}
    assert {"status", "tier", "category", "overdue", "source", "grid", "under", "q", "ordering", "limit"} <= listing
    export = paths["/api/v1/cases/export.xlsx"]["get"]["responses"]["200"]["content"]
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in export
    assert "/api/v1/cases/{number}/timeline/" in paths
    assert "/api/v1/inbox/" in paths


def test_the_intake_answer_is_described_as_the_slim_body_it_is(db: None, api: APIClient) -> None:
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    created = schema["paths"]["/api/v1/cases/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    name = created["$ref"].rsplit("/", 1)[1]
    properties = schema["components"]["schemas"][name]["properties"]
    assert set(properties) == {"id", "number", "status", "version", "due_at", "grid_code", "duplicates", "url"}
    assert properties["url"]["type"] == "string" and properties["duplicates"]["type"] == "array"
