"""GET /api/v1/locate/: the grid of a point for any logged-in user; field-level errors in the user's language."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from gridgov.core.crs import CRS, from_wgs84
from gridgov.territory.locator import reset

from .factories import MiniCity

pytestmark = pytest.mark.django_db

URL = "/api/v1/locate/"


@pytest.fixture(autouse=True)
def fresh_locator() -> None:
    reset()


@pytest.fixture
def client(city: MiniCity, api: APIClient) -> APIClient:
    api.force_authenticate(city.users["nobody"])  # no role at all: territory names are not governed data
    return api


def test_the_route_is_named_locate() -> None:
    assert reverse("locate") == URL


def test_it_returns_the_grid_and_its_regions(client: APIClient) -> None:
    response = client.get(URL, {"lon": "114.405", "lat": "23.105"})
    assert response.status_code == 200
    body = response.json()
    assert body["grid"] == {
        "code": "441302001001001",
        "name": "网格1-1-1",
        "kind": "comprehensive",
        "kind_display": "综合网格",
    }
    assert body["community"] == {"code": "441302001001", "name": "社区1-1"}
    assert body["subdistrict"] == {"code": "441302001", "name": "街道1"}
    assert body["district"] == {"code": "441302", "name": "惠城区"}
    assert body["micro_grid"] is None
    assert body["specialized_grids"] == []
    assert body["input"] == {"lon": 114.405, "lat": 23.105, "crs": "wgs84"}
    assert body["wgs84"] == {"lon": 114.405, "lat": 23.105}


def test_it_answers_without_the_trailing_slash_too(client: APIClient) -> None:
    response = client.get("/api/v1/locate", {"lon": "114.405", "lat": "23.105"})
    assert response.status_code == 200
    assert response.json()["grid"]["code"] == "441302001001001"


def test_a_point_outside_every_grid_is_200_with_no_grid(client: APIClient) -> None:
    response = client.get(URL, {"lon": "113.0", "lat": "22.0"})
    assert response.status_code == 200
    body = response.json()
    assert body["grid"] is None
    assert body["community"] is None
    assert body["specialized_grids"] == []
    assert body["wgs84"] == {"lon": 113.0, "lat": 22.0}


@pytest.mark.parametrize("crs", [CRS.GCJ02, CRS.BD09])
def test_a_chinese_datum_point_gets_the_grid_of_the_equivalent_wgs84_point(client: APIClient, crs: CRS) -> None:
    lon, lat = 114.4352, 23.1348
    expected = client.get(URL, {"lon": lon, "lat": lat}).json()["grid"]["code"]
    assert expected == "441302002002002"
    shifted_lon, shifted_lat = from_wgs84(lon, lat, crs)
    # The shift is hundreds of metres: the raw shifted point lies in another grid.
    raw = client.get(URL, {"lon": shifted_lon, "lat": shifted_lat}).json()["grid"]
    assert (raw or {}).get("code") != expected
    body = client.get(URL, {"lon": shifted_lon, "lat": shifted_lat, "crs": crs.value}).json()
    assert body["grid"]["code"] == expected
    assert body["input"]["crs"] == crs.value
    assert abs(body["wgs84"]["lon"] - lon) < 1e-6
    assert abs(body["wgs84"]["lat"] - lat) < 1e-6


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"lon": "114.4"}, "lat", "请提供纬度(lat)。"),
        ({"lat": "23.1"}, "lon", "请提供经度(lon)。"),
        ({"lon": "east", "lat": "23.1"}, "lon", "经度(lon)必须是数字。"),
        ({"lon": "114.4", "lat": "north"}, "lat", "纬度(lat)必须是数字。"),
        ({"lon": "114.4", "lat": "91"}, "lat", "纬度(lat)必须在 -90 到 90 之间。"),
        ({"lon": "-180.5", "lat": "23.1"}, "lon", "经度(lon)必须在 -180 到 180 之间。"),
        ({"lon": "nan", "lat": "23.1"}, "lon", None),
        ({"lon": "114.4", "lat": "23.1", "crs": "mercator"}, "crs", None),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    client: APIClient, params: dict[str, str], field: str, message: str | None
) -> None:
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    if message is not None:
        assert body[field] == [message]


def test_errors_follow_the_users_language(client: APIClient) -> None:
    response = client.get(URL, {"lon": "114.4", "lat": "23.1", "crs": "mercator"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "mercator" in response.json()["crs"][0]
    assert "坐标系" in response.json()["crs"][0]


def test_an_anonymous_caller_is_refused(city: MiniCity, api: APIClient) -> None:
    response = api.get(URL, {"lon": "114.405", "lat": "23.105"})
    assert response.status_code == 401
    assert "grid" not in response.json()


def test_a_token_is_enough(city: MiniCity, api: APIClient) -> None:
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=city.users["worker"])
    response = api.get(URL, {"lon": "114.405", "lat": "23.105"}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_the_schema_describes_the_endpoint_and_its_parameters(client: APIClient) -> None:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"]["/api/v1/locate/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"lon", "lat", "crs"}
    assert "200" in operation["responses"]
    assert "/api/v1/locate" not in schema["paths"]
