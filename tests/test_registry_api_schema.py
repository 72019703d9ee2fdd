"""The OpenAPI schema describes every registry endpoint and its errors, and says that personal fields are masked."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

PATHS: dict[str, dict[str, set[str]]] = {
    "/api/v1/persons/": {"get": {"200"}, "post": {"201", "400", "403"}},
    "/api/v1/persons/{id}/": {"get": {"200", "404"}, "patch": {"200", "400", "403", "404", "409"}},
    "/api/v1/persons/search/": {"post": {"200", "400"}},
    "/api/v1/persons/{id}/reveal/": {"post": {"200", "400", "403", "404"}},
    "/api/v1/persons/{id}/deregister/": {"post": {"200", "400", "403", "404"}},
    "/api/v1/persons/export.xlsx": {"get": {"200", "400", "403"}},
    "/api/v1/households/": {"get": {"200"}, "post": {"201", "400", "403"}},
    "/api/v1/households/{id}/": {"get": {"200", "404"}},
    "/api/v1/households/{id}/members/": {"get": {"200", "404"}},
    "/api/v1/households/{id}/add-member/": {"post": {"200", "400", "403", "404"}},
    "/api/v1/households/{id}/change-head/": {"post": {"200", "400", "403", "404", "409"}},
    "/api/v1/households/{id}/end-membership/": {"post": {"200", "400", "403", "404"}},
    "/api/v1/households/export.xlsx": {"get": {"200", "400", "403"}},
    "/api/v1/tags/": {"get": {"200"}, "post": {"201", "400", "403"}},
    "/api/v1/tags/{id}/": {"get": {"200", "404"}},
    "/api/v1/tags/{id}/visit/": {"post": {"200", "400", "403", "404"}},
    "/api/v1/tags/{id}/end/": {"post": {"200", "400", "403", "404"}},
    "/api/v1/tags/export.xlsx": {"get": {"200", "400", "403"}},
    "/api/v1/floating-registrations/": {"get": {"200"}, "post": {"201", "400", "403"}},
    "/api/v1/floating-registrations/{id}/": {"get": {"200", "404"}},
    "/api/v1/floating-registrations/expiring/": {"get": {"200", "400"}},
    "/api/v1/floating-registrations/export.xlsx": {"get": {"200", "400", "403"}},
    "/api/v1/rental-houses/": {"get": {"200"}, "post": {"201", "400", "403"}},
    "/api/v1/rental-houses/{id}/": {"get": {"200", "404"}},
    "/api/v1/rental-houses/export.xlsx": {"get": {"200", "400", "403"}},
    "/api/v1/organisations/": {"get": {"200"}, "post": {"201", "400", "403"}},
    "/api/v1/organisations/{id}/": {"get": {"200", "400", "404"}},
    "/api/v1/organisations/small-venues/": {"get": {"200", "400"}},
    "/api/v1/organisations/{id}/fire-inspection/": {"post": {"200", "400", "403", "404"}},
    "/api/v1/organisations/export.xlsx": {"get": {"200", "400", "403"}},
    "/api/v1/facilities/": {"get": {"200"}, "post": {"201", "400", "403"}},
    "/api/v1/facilities/{id}/": {"get": {"200", "400", "404"}},
    "/api/v1/facilities/geojson/": {"get": {"200", "400"}},
    "/api/v1/facilities/export.xlsx": {"get": {"200", "400", "403"}},
    "/api/v1/access-log/": {"get": {"200", "403"}},
    "/api/v1/access-log/{id}/": {"get": {"200", "403", "404"}},
}


@pytest.fixture
def schema(client: Client, db: None) -> dict[str, Any]:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_every_registry_endpoint_is_described_with_its_errors(schema: dict[str, Any]) -> None:
    for path, methods in PATHS.items():
        assert path in schema["paths"], path
        for method, codes in methods.items():
            operation = schema["paths"][path][method]
            assert codes <= set(operation["responses"]), (path, method, set(operation["responses"]))
            assert operation.get("summary"), (path, method)


def test_the_person_list_documents_its_filters(schema: dict[str, Any]) -> None:
    names = {p["name"] for p in schema["paths"]["/api/v1/persons/"]["get"]["parameters"]}
    assert {"q", "area", "tag", "residence_type", "age_min", "limit", "offset"} <= names
    export = {p["name"] for p in schema["paths"]["/api/v1/persons/export.xlsx"]["get"]["parameters"]}
    assert {"q", "area"} <= export


def test_personal_fields_are_documented_as_masked(schema: dict[str, Any]) -> None:
    person = schema["components"]["schemas"]["Person"]["properties"]
    for field in ("id_number", "phone", "registered_address", "current_address"):
        assert person[field]["readOnly"] is True
        assert "脱敏" in person[field]["description"]


def test_the_stale_edit_conflict_names_fields_and_version(schema: dict[str, Any]) -> None:
    conflict = schema["paths"]["/api/v1/persons/{id}/"]["patch"]["responses"]["409"]
    ref = conflict["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"fields", "current_version"} <= set(schema["components"]["schemas"][ref]["properties"])
