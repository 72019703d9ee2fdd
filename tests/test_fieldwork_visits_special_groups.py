"""GET /api/v1/visits/: a home visit about a special group or key youth (its tag is one, or its person has such a
tag) is shown only to the roles in settings.SPECIAL_GROUP_ROLES, within their scope — like the tags themselves.
Others (administrators, leaders by default) do not see it at all: not in the list, 404 on its detail."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from rest_framework.test import APIClient

from gridgov.fieldwork.models import Visit
from gridgov.fieldwork.services import record_visit
from gridgov.registry import services as registry

from .case_factories import CaseCity
from .fieldwork_sync_factories import T0
from .registry_factories import make_person

JAN_1 = dt.date(2026, 1, 1)
YOUTH = {"youth_type": "idle"}


def visit(cc: CaseCity, person: Any, tag: Any = None, situation: str = "尿检阴性,按时报到") -> Visit:
    return record_visit(
        by=cc.users["worker"], visit_id=uuid.uuid4(), made_at=T0, situation=situation, person=person, tag=tag
    )


def listed(api: APIClient, user: Any) -> set[str]:
    api.force_authenticate(user)
    response = api.get("/api/v1/visits/")
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_a_special_group_visit_is_hidden_from_roles_that_may_not_see_special_groups(
    cc: CaseCity, api: APIClient
) -> None:
    person = make_person(cc.city)
    tag = registry.tag_person(by=cc.users["worker"], person=person, kind="drug_user", on=JAN_1)
    special = visit(cc, person, tag)
    admin = cc.users["admin"]
    assert str(special.pk) not in listed(api, admin)
    assert api.get(f"/api/v1/visits/{special.pk}/").status_code == 404
    # The roles that handle special groups still read it, situation included.
    for name in ("worker", "community", "district"):
        assert str(special.pk) in listed(api, cc.users[name]), name
    body = api.get(f"/api/v1/visits/{special.pk}/").json()
    assert body["situation"] == "尿检阴性,按时报到" and body["tag"] == tag.pk


def test_an_untagged_visit_to_a_person_with_a_special_group_tag_is_hidden_too(cc: CaseCity, api: APIClient) -> None:
    """A visit without a tag moves every tag of the person, the restricted ones included: it is about them."""
    person = make_person(cc.city)
    registry.tag_person(
        by=cc.users["worker"], person=person, kind="released_prisoner", on=JAN_1, details={"release_date": "2025-06-01"}
    )
    untagged = visit(cc, person)
    assert str(untagged.pk) not in listed(api, cc.users["admin"])
    assert str(untagged.pk) in listed(api, cc.users["community"])


def test_care_group_and_ordinary_visits_stay_visible_to_staff_in_scope(cc: CaseCity, api: APIClient) -> None:
    elderly = make_person(cc.city, seq=2)
    care = visit(
        cc, elderly, registry.tag_person(by=cc.users["worker"], person=elderly, kind="elderly_alone", on=JAN_1)
    )
    plain = visit(cc, make_person(cc.city, seq=3), situation="身体尚好")
    assert {str(care.pk), str(plain.pk)} <= listed(api, cc.users["admin"])
    assert listed(api, cc.users["outsider"]) == set()  # another district: nothing, whatever the group


def test_the_special_group_roles_setting_decides(cc: CaseCity, api: APIClient, settings: Any) -> None:
    person = make_person(cc.city)
    special = visit(
        cc, person, registry.tag_person(by=cc.users["worker"], person=person, kind="key_youth", on=JAN_1, details=YOUTH)
    )
    settings.SPECIAL_GROUP_ROLES = ["grid_worker", "community_dispatcher"]
    assert str(special.pk) in listed(api, cc.users["community"])
    assert str(special.pk) not in listed(api, cc.users["district"])
    assert api.get(f"/api/v1/visits/{special.pk}/").status_code == 404


def test_the_list_keeps_its_query_count_with_the_check(
    cc: CaseCity, api: APIClient, django_assert_max_num_queries: Any
) -> None:
    for seq in range(4, 9):
        person = make_person(cc.city, seq=seq)
        visit(cc, person, registry.tag_person(by=cc.users["worker"], person=person, kind="drug_user", on=JAN_1))
    api.force_authenticate(cc.users["admin"])
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/visits/").json()["results"] == []
