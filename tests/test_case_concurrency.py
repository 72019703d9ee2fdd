"""Two dispatchers act on the same case at once: one succeeds, the other gets a conflict, one timeline row."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.services import CaseConflict

from .case_factories import CaseCity


def accepted(cc: CaseCity) -> Case:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    return case


def test_the_second_of_two_stale_copies_gets_a_conflict(cc: CaseCity) -> None:
    case = accepted(cc)
    mine, theirs = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    services.dispatch_case(mine, to=cc.units["cm"], by=cc.users["community"])
    with pytest.raises(CaseConflict):
        services.dispatch_case(theirs, to=cc.units["police"], by=cc.users["subdistrict"])
    case.refresh_from_db()
    assert case.current_unit == cc.units["cm"]
    assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 1


def test_the_version_check_holds_even_when_the_row_was_read_after_the_change(cc: CaseCity) -> None:
    """The conditional UPDATE is the last line: a stale expected version changes nothing."""
    case = accepted(cc)
    stale_version = case.version
    services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
    assert Case.objects.filter(pk=case.pk, version=stale_version).update(status="accepted") == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_in_parallel_threads_one_wins(cc: CaseCity) -> None:
    case = accepted(cc)
    copies = [Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)]
    units = [cc.units["cm"], cc.units["police"]]
    users = [cc.users["community"], cc.users["subdistrict"]]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            services.dispatch_case(copies[i], to=units[i], by=users[i])
            outcomes.append("ok")
        except CaseConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 1


@pytest.mark.django_db(transaction=True)
def test_reports_in_parallel_threads_get_distinct_consecutive_numbers() -> None:
    """The number is one upsert … RETURNING: no two transactions read the same counter (PostgreSQL locks the row,
    SQLite serialises writers)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads on SQLite need a file database (GRIDGOV_TEST_FILE_DB=1): the in-memory one locks tables")
    from django.db import transaction
    from django.utils import timezone

    from gridgov.cases.services.intake import next_number

    threads_n, each = 4, 10
    barrier = threading.Barrier(threads_n)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            for _ in range(each):
                with transaction.atomic():
                    numbers.append(next_number(timezone.now()))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(numbers)) == threads_n * each
    assert sorted(int(n[4:]) for n in numbers) == list(range(1, threads_n * each + 1))


def test_a_rolled_back_report_gives_its_number_back(cc: CaseCity) -> None:
    from django.db import transaction
    from django.utils import timezone

    from gridgov.cases.services.intake import next_number

    first = next_number(timezone.now())
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(timezone.now())
        raise RuntimeError
    assert int(next_number(timezone.now())) == int(first) + 1
