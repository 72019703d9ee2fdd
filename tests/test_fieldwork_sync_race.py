"""Two sends of the same record at once (two tabs, a retry racing the first send): the record's UUID is reserved in
the ledger inside the record's transaction, so the second send waits for the first and is answered as a replay (200,
the same result) — never by running the kind's service a second time (a task report's "already reported" 400, a
person edit's "stale version" 409, which would make the app offer to discard a record the server saved)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from gridgov.fieldwork import sync
from gridgov.fieldwork.models import ClientRecord, Task
from gridgov.fieldwork.services import assign_task

from .case_factories import CaseCity
from .fieldwork_sync_factories import WORKER_GRID, rec
from .registry_factories import make_person


def a_task(cc: CaseCity) -> Task:
    return assign_task(
        by=cc.users["community"],
        category=cc.categories["rubbish"],
        kind="inspection",
        title="清理楼道杂物",
        grid=cc.city.grids[WORKER_GRID],
        assignee=cc.users["worker"],
    )


def second_send_missing_the_first(monkeypatch: pytest.MonkeyPatch, user: Any, raw: dict[str, Any]) -> sync.Outcome:
    """The second send read the ledger before the first committed: its first look finds nothing."""
    real = sync._ledger_row
    looks = {"n": 0}

    def stale_first_look(pk: Any) -> ClientRecord | None:
        looks["n"] += 1
        return None if looks["n"] == 1 else real(pk)

    monkeypatch.setattr(sync, "_ledger_row", stale_first_look)
    return sync.handle_record(user, raw)


def test_a_task_report_sent_twice_at_once_is_a_replay_not_a_400(cc: CaseCity, monkeypatch: pytest.MonkeyPatch) -> None:
    task = a_task(cc)
    raw = rec("task_report", {"task": task.pk, "report": "已清理"})
    first = sync.handle_record(cc.users["worker"], raw)
    second = second_send_missing_the_first(monkeypatch, cc.users["worker"], raw)
    assert first.status == 201
    assert second.status == 200, second.as_dict()
    assert second.result == first.result == {"type": "task", "id": task.pk}
    task.refresh_from_db()
    assert task.status == "reported" and task.version == 2
    assert ClientRecord.objects.count() == 1


def test_a_person_edit_sent_twice_at_once_is_a_replay_not_a_409(cc: CaseCity, monkeypatch: pytest.MonkeyPatch) -> None:
    person = make_person(cc.city, occupation="教师")
    raw = rec(
        "person_edit",
        {"person": person.pk, "version": 1, "base": {"occupation": "教师"}, "changes": {"occupation": "医生"}},
    )
    first = sync.handle_record(cc.users["worker"], raw)
    second = second_send_missing_the_first(monkeypatch, cc.users["worker"], raw)
    assert first.status == 201
    assert second.status == 200, second.as_dict()
    assert second.result == first.result == {"type": "person", "id": person.pk, "version": 2}


def test_the_same_uuid_sent_at_once_with_other_content_is_still_a_409(
    cc: CaseCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = a_task(cc)
    raw = rec("task_report", {"task": task.pk, "report": "已清理"})
    assert sync.handle_record(cc.users["worker"], raw).status == 201
    other = {**raw, "data": {"task": task.pk, "report": "未清理"}}
    second = second_send_missing_the_first(monkeypatch, cc.users["worker"], other)
    assert second.status == 409 and second.fields == ["report"]


def test_a_record_whose_service_fails_leaves_no_ledger_row(cc: CaseCity) -> None:
    """The reservation is rolled back with the record: the same UUID may be sent again once it is put right."""
    raw = rec("task_report", {"task": 999999, "report": "已清理"})
    assert sync.handle_record(cc.users["worker"], raw).status == 404
    assert not ClientRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_sends_in_parallel_threads_one_stores_the_other_replays(
    cc: CaseCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real connections: A is inside its transaction (the task reported, not yet committed) when B looks in the
    ledger; B must wait for A and answer as a replay."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads on SQLite need a file database (GRIDGOV_TEST_FILE_DB=1): the in-memory one locks tables")
    task = a_task(cc)
    raw = rec("task_report", {"task": task.pk, "report": "已清理"})
    user = cc.users["worker"]
    a_inside, b_looked = threading.Event(), threading.Event()
    real_handler, real_look = sync.HANDLERS["task_report"], sync._ledger_row

    def handler(u: Any, r: sync.Record) -> dict[str, Any]:
        result = real_handler(u, r)
        if threading.current_thread().name == "A":
            a_inside.set()
            b_looked.wait(timeout=20)  # commit only after B's first look at the ledger
        return result

    def look(pk: Any) -> ClientRecord | None:
        row = real_look(pk)
        if threading.current_thread().name == "B":
            b_looked.set()
        return row

    monkeypatch.setitem(sync.HANDLERS, "task_report", handler)
    monkeypatch.setattr(sync, "_ledger_row", look)
    outcomes: dict[str, sync.Outcome] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            if name == "B":
                a_inside.wait(timeout=20)
            outcomes[name] = sync.handle_record(user, raw)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name,), name=name) for name in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert a_inside.is_set() and b_looked.is_set()
    assert outcomes["A"].status == 201
    assert outcomes["B"].status == 200, outcomes["B"].as_dict()
    assert outcomes["B"].result == outcomes["A"].result
    assert ClientRecord.objects.count() == 1
    task.refresh_from_db()
    assert task.status == "reported" and task.version == 2
