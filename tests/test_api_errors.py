"""Bad query parameters get a 400 naming each bad field, in the client's language (zh-hans by default)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.test import APIClient

from gridgov.core.api import exception_handler

from .factories import MiniCity


@pytest.fixture
def admin(city: MiniCity, api: APIClient) -> APIClient:
    api.force_authenticate(city.users["admin"])
    return api


def test_every_bad_parameter_is_named_in_one_answer(admin: APIClient) -> None:
    response = admin.get("/api/v1/grids/", {"kind": "castle", "under": "44x", "crs": "mars", "bbox": "1,2,3"})
    assert response.status_code == 400
    assert set(response.json()) == {"kind", "under", "crs", "bbox"}
    assert all(isinstance(messages, list) and messages for messages in response.json().values())


def test_errors_are_in_chinese_by_default(admin: APIClient) -> None:
    body = admin.get("/api/v1/grids/", {"kind": "castle"}).json()
    assert "castle" in body["kind"][0]
    assert "选择" in body["kind"][0]  # Django's own "Select a valid choice", in zh-hans


def test_errors_follow_accept_language(admin: APIClient) -> None:
    body = admin.get("/api/v1/grids/", {"kind": "castle"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["kind"][0].startswith("Select a valid choice")
    body = admin.get("/api/v1/grids/", {"geometry": "maybe"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body == {"geometry": ["Must be a valid boolean."]}


def test_not_found_names_no_model_and_is_translated(admin: APIClient) -> None:
    assert admin.get("/api/v1/grids/441302009009009/", HTTP_ACCEPT_LANGUAGE="en").json() == {"detail": "Not found."}
    assert admin.get("/api/v1/grids/441302009009009/").json() == {"detail": "未找到。"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "114.5,23,114.4,24"}, "bbox"),  # min > max
        ({"bbox": "190,23,191,24"}, "bbox"),  # out of range
        ({"simplify": "-1"}, "simplify"),
        ({"simplify": "fine"}, "simplify"),
        ({"active": "perhaps"}, "active"),
        ({"current": "sometimes"}, "current"),
        ({"special_kind": "volcano"}, "special_kind"),
        ({"limit": "many"}, None),
    ],
)
def test_each_kind_of_bad_grid_parameter(admin: APIClient, params: dict[str, str], field: str | None) -> None:
    response = admin.get("/api/v1/grids/", params)
    if field is None:  # DRF's pagination ignores a bad limit and uses the default
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/regions/", {"level": "planet"}, "level"),
        ("/api/v1/regions/", {"parent": "abc"}, "parent"),
        ("/api/v1/buildings/", {"kind": "igloo"}, "kind"),
        ("/api/v1/buildings/", {"crs": "utm"}, "crs"),
        ("/api/v1/houses/", {"floor": "ground"}, "floor"),
        ("/api/v1/grids/geojson/", {"crs": "utm"}, "crs"),
        ("/api/v1/regions/geojson/", {"bbox": "1"}, "bbox"),
        ("/api/v1/grids/441302001001001/", {"crs": "utm"}, "crs"),
    ],
)
def test_bad_parameters_on_every_endpoint(admin: APIClient, path: str, params: dict[str, str], field: str) -> None:
    response = admin.get(path, params)
    assert response.status_code == 400
    assert field in response.json()


def test_crs_accepts_common_spellings(admin: APIClient) -> None:
    for spelling in ("WGS-84", "wgs84", "GCJ-02", "gcj_02", "BD09"):
        assert admin.get("/api/v1/grids/", {"crs": spelling}).status_code == 200


def test_django_validation_errors_become_field_errors() -> None:
    response = exception_handler(DjangoValidationError({"code": ["坏代码"]}), {})
    assert response is not None
    assert response.status_code == 400
    assert response.data == {"code": ["坏代码"]}
    response = exception_handler(DjangoValidationError("整体错误"), {})
    assert response is not None
    assert response.data == {"non_field_errors": ["整体错误"]}
