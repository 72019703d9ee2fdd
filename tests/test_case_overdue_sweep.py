"""The overdue sweep flags a late stage once, escalates once, and notifies — even when it runs twice, or (on
PostgreSQL) in two threads at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.cases.services import CaseConflict
from gridgov.cases.tasks import sweep_overdue, sweep_overdue_cases
from gridgov.units.models import Tier

from .case_factories import CaseCity


def test_the_sweep_escalates_a_late_case_once_when_run_twice(cc: CaseCity) -> None:
    from gridgov.core.models import Notification

    case = cc.report()
    assert case.current_tier == Tier.COMMUNITY
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        first = sweep_overdue_cases()
        second = sweep_overdue_cases()
    assert (first["flagged"], first["escalated"]) == (1, 1)
    assert (second["flagged"], second["escalated"]) == (0, 0)
    case.refresh_from_db()
    assert case.current_tier == Tier.SUBDISTRICT
    assert case.escalation_count == 1
    assert case.due_flagged
    assert case.overdue_stages == {"accept": True}
    assert case.events.filter(action="overdue").count() == 1
    assert Notification.objects.filter(recipient=cc.users["subdistrict"], verb="case_overdue").count() == 1


def test_a_case_within_its_deadline_is_left_alone(cc: CaseCity) -> None:
    case = cc.report()
    assert sweep_overdue_cases()["flagged"] == 0
    case.refresh_from_db()
    assert not case.due_flagged and case.version == 0


def test_the_next_stage_starts_unflagged(cc: CaseCity) -> None:
    case = cc.report()
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        sweep_overdue_cases()
        case.refresh_from_db()
        services.accept_case(case, by=cc.users["subdistrict"])
    assert not case.due_flagged
    assert case.overdue_stages == {"accept": True}


def test_a_transition_holding_a_copy_read_before_the_sweep_gets_a_conflict(cc: CaseCity) -> None:
    case = cc.report()
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        sweep_overdue_cases()
        with pytest.raises(CaseConflict):
            services.accept_case(case, by=cc.users["community"])


def test_the_celery_task_runs_the_sweep(cc: CaseCity) -> None:
    cc.report()
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        assert sweep_overdue.delay().get()["flagged"] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent sweeps need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_in_parallel_threads_escalate_once(cc: CaseCity) -> None:
    case = cc.report()
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(sweep_overdue_cases())
        finally:
            connection.close()

    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(r["escalated"] for r in results) == [0, 1]
    case = Case.objects.get(pk=case.pk)
    assert case.escalation_count == 1
    assert case.events.filter(action="overdue").count() == 1
