"""A case's client UUID belongs to its reporter: another user sending the same UUID — same content or not — gets a
409 on the UUID that names nothing of the first case (not a replay handing over someone else's case), through the
cases API and the phone's sync alike."""

from __future__ import annotations

import uuid

from rest_framework.test import APIClient

from gridgov.cases.models import Case

from .case_factories import CaseCity
from .fieldwork_sync_factories import post, rec, statuses
from .test_case_api_intake import body


def test_the_same_uuid_from_another_user_is_a_409_naming_nothing(cc: CaseCity, api: APIClient) -> None:
    client_uuid = str(uuid.uuid4())
    api.force_authenticate(cc.users["community"])
    first = api.post("/api/v1/cases/", body(client_uuid=client_uuid), format="json")
    assert first.status_code == 201
    api.force_authenticate(cc.users["worker"])
    for content in (body(client_uuid=client_uuid), body(client_uuid=client_uuid, description="别的内容")):
        response = api.post("/api/v1/cases/", content, format="json")
        assert response.status_code == 409, response.json()
        assert response.json()["fields"] == ["client_uuid"]
        assert response.json()["case"] == ""
        assert first.json()["number"] not in str(response.json())
    assert Case.objects.count() == 1
    # The reporter's own replay is unchanged.
    api.force_authenticate(cc.users["community"])
    assert api.post("/api/v1/cases/", body(client_uuid=client_uuid), format="json").status_code == 200


def test_a_phone_record_with_another_users_case_uuid_is_a_409_on_uuid(cc: CaseCity, api: APIClient) -> None:
    client_uuid = str(uuid.uuid4())
    api.force_authenticate(cc.users["community"])
    first = api.post("/api/v1/cases/", body(client_uuid=client_uuid), format="json")
    assert first.status_code == 201
    report = {k: v for k, v in body().items() if k != "source"}
    (result,) = post(api, cc.users["worker"], [rec("case_report", report, uid=client_uuid)])
    assert statuses([result]) == [409]
    assert result["fields"] == ["uuid"] and "result" not in result
    assert first.json()["number"] not in str(result)
