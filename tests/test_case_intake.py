"""Intake: idempotent on the client's UUID, duplicate suggestions, "me too"."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.selectors import possible_duplicates
from gridgov.cases.services import IdempotencyConflict, TransitionNotAllowed, report_case

from .case_factories import POINT, CaseCity

# ~0.0009° of latitude is 100 m; 0.0027° is 300 m.
NEAR = (POINT[0], POINT[1] + 0.0009)
FAR = (POINT[0], POINT[1] + 0.0027)


def test_the_same_client_uuid_and_content_twice_gives_one_case(cc: CaseCity) -> None:
    key = uuid.uuid4()
    first = report_case(
        by=cc.users["worker"],
        source="patrol",
        category=cc.categories["rubbish"],
        lon=POINT[0],
        lat=POINT[1],
        description="垃圾",
        client_uuid=key,
    )
    again = report_case(
        by=cc.users["worker"],
        source="patrol",
        category=cc.categories["rubbish"],
        lon=POINT[0],
        lat=POINT[1],
        description="垃圾",
        client_uuid=str(key),
    )
    assert first.created and not again.created
    assert again.case.pk == first.case.pk
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1


def test_the_same_client_uuid_with_different_content_is_a_conflict_naming_the_fields(cc: CaseCity) -> None:
    key = uuid.uuid4()
    cc.report(client_uuid=key)
    with pytest.raises(IdempotencyConflict) as info:
        cc.report(client_uuid=key, description="另一件事", urgency="urgent")
    assert info.value.fields == ["description", "urgency"]
    assert Case.objects.count() == 1


def test_gcj02_input_is_stored_as_wgs84(cc: CaseCity) -> None:
    from gridgov.core.crs import from_wgs84

    lon, lat = from_wgs84(POINT[0], POINT[1], "gcj02")
    case = cc.report(point=(lon, lat), crs="gcj02")
    assert case.lon == pytest.approx(POINT[0], abs=1e-6)
    assert case.lat == pytest.approx(POINT[1], abs=1e-6)


def test_open_cases_of_the_same_category_within_250_m_are_suggested(cc: CaseCity) -> None:
    near = cc.report(point=NEAR)
    cc.report(point=FAR)
    cc.report(point=POINT, category="building", description="违建")
    result = report_case(
        by=cc.users["resident"],
        source="resident",
        category=cc.categories["rubbish"],
        lon=POINT[0],
        lat=POINT[1],
        description="这里也有垃圾",
    )
    assert [c.pk for c, _m in result.duplicates] == [near.pk]
    assert result.duplicates[0][1] == pytest.approx(100, abs=2)


def test_closed_and_old_cases_are_not_suggested(cc: CaseCity) -> None:
    old = cc.report(point=NEAR)
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        assert possible_duplicates(cc.categories["rubbish"], *POINT) == []
    services.reject_case(old, by=cc.users["community"], reason="重复")
    assert possible_duplicates(cc.categories["rubbish"], *POINT) == []


def test_me_too_counts_once_per_user(cc: CaseCity) -> None:
    case = cc.report()
    assert services.me_too(case, by=cc.users["resident"])
    assert not services.me_too(case, by=cc.users["resident"])
    assert services.me_too(case, by=cc.users["community"])
    case.refresh_from_db()
    assert case.me_too_count == 2


def test_a_user_without_any_role_cannot_report(cc: CaseCity) -> None:
    with pytest.raises(TransitionNotAllowed):
        cc.report(by="nobody")


def test_a_report_needs_a_description(cc: CaseCity) -> None:
    with pytest.raises(ValidationError):
        cc.report(description="  ")


def test_case_numbers_are_the_year_and_a_sequence(cc: CaseCity) -> None:
    assert [cc.report().number for _ in range(3)] == ["20260000001", "20260000002", "20260000003"]
