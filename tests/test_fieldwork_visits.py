"""Home visits: a visit to a tagged person moves the tag's next visit due (by its frequency, or to the date the
worker sets); a visit to a person out of scope is refused; the visit keeps the phone's time."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from gridgov.fieldwork.models import Visit
from gridgov.fieldwork.services import record_visit
from gridgov.registry import services as registry

from .case_factories import CaseCity
from .fieldwork_sync_factories import NEIGHBOUR_GRID, T0, post, rec, statuses
from .registry_factories import make_person

JAN_1 = dt.date(2026, 1, 1)


def test_a_visit_moves_the_tags_next_visit_due(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    tag = registry.tag_person(by=cc.users["worker"], person=person, kind="elderly_alone", on=JAN_1)
    assert tag.next_visit_due == dt.date(2026, 1, 8)  # weekly
    visit = rec("visit", {"person": person.pk, "tag": tag.pk, "situation": "身体尚好"}, made_at=T0.isoformat())
    assert statuses(post(api, cc.users["worker"], [visit])) == [201]
    tag.refresh_from_db()
    assert tag.last_visit_on == dt.date(2026, 3, 4)
    assert tag.next_visit_due == dt.date(2026, 3, 11)
    assert Visit.objects.get().tag_id == tag.pk


def test_a_visit_without_a_tag_moves_every_current_tag_of_the_person(cc: CaseCity) -> None:
    person = make_person(cc.city)
    weekly = registry.tag_person(by=cc.users["worker"], person=person, kind="elderly_alone", on=JAN_1)
    monthly = registry.tag_person(by=cc.users["worker"], person=person, kind="disabled", on=JAN_1)
    record_visit(by=cc.users["worker"], visit_id=uuid.uuid4(), made_at=T0, situation="身体尚好", person=person)
    weekly.refresh_from_db()
    monthly.refresh_from_db()
    assert (weekly.next_visit_due, monthly.next_visit_due) == (dt.date(2026, 3, 11), dt.date(2026, 4, 3))


def test_the_worker_may_set_the_next_visit_date(cc: CaseCity) -> None:
    person = make_person(cc.city)
    tag = registry.tag_person(by=cc.users["worker"], person=person, kind="elderly_alone", on=JAN_1)
    record_visit(
        by=cc.users["worker"],
        visit_id=uuid.uuid4(),
        made_at=T0,
        situation="发烧,过几天再来",
        tag=tag,
        next_visit_on=dt.date(2026, 3, 7),
    )
    tag.refresh_from_db()
    assert tag.next_visit_due == dt.date(2026, 3, 7)  # sooner than the weekly cycle's 11 March
    with pytest.raises(ValidationError) as refused:
        record_visit(
            by=cc.users["worker"],
            visit_id=uuid.uuid4(),
            made_at=T0,
            situation="x",
            tag=tag,
            next_visit_on=dt.date(2026, 3, 4),
        )
    assert "next_visit_on" in refused.value.message_dict


def test_a_visit_to_a_person_out_of_scope_is_refused(cc: CaseCity, api: APIClient) -> None:
    neighbour = make_person(cc.city, by="community", grid=NEIGHBOUR_GRID, seq=9)
    tag = registry.tag_person(by=cc.users["community"], person=neighbour, kind="elderly_alone", on=JAN_1)
    # Through the service (the worker somehow holds the object): refused on scope.
    with pytest.raises(ValidationError) as refused:
        record_visit(by=cc.users["worker"], visit_id=uuid.uuid4(), made_at=T0, situation="x", person=neighbour)
    assert "person" in refused.value.message_dict
    # Through sync: the person and the tag are not found.
    results = post(
        api,
        cc.users["worker"],
        [
            rec("visit", {"person": neighbour.pk, "situation": "x"}),
            rec("visit", {"tag": tag.pk, "situation": "x"}),
        ],
    )
    assert statuses(results) == [404, 404]
    tag.refresh_from_db()
    assert tag.last_visit_on is None and not Visit.objects.exists()


def test_a_tag_of_another_person_is_refused(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city, seq=1)
    other = make_person(cc.city, seq=3)
    tag = registry.tag_person(by=cc.users["worker"], person=other, kind="elderly_alone", on=JAN_1)
    (result,) = post(api, cc.users["worker"], [rec("visit", {"person": person.pk, "tag": tag.pk, "situation": "x"})])
    assert result["status"] == 400 and "tag" in result["errors"]


def test_a_visit_to_a_household(cc: CaseCity, api: APIClient) -> None:
    head = make_person(cc.city)
    household = registry.create_household(by=cc.users["worker"], number="H1", head=head, on=JAN_1, house=head.house)
    (result,) = post(api, cc.users["worker"], [rec("visit", {"household": household.pk, "situation": "全家安好"})])
    assert result["status"] == 201
    visit = Visit.objects.get()
    assert visit.household_id == household.pk and visit.scope_code == "441302001001001"
