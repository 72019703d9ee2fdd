"""Tasks of the shared kernel."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gridgov.core.ping")
def ping() -> str:
    """Answer "pong": lets an operator (and the tests) check that a worker is consuming from the broker."""
    return "pong"


@shared_task(name="gridgov.core.outbox.deliver", ignore_result=True)
def deliver(message_id: int) -> str:
    """Try to deliver one outbox message (queued on commit of the change that wrote it, and by the sweep)."""
    from .outbox import deliver_message

    return deliver_message(message_id)


@shared_task(name="gridgov.core.outbox.sweep", ignore_result=True)
def sweep_outbox() -> dict[str, int]:
    """Every minute (Celery beat): reclaim messages of dead workers and queue every due message."""
    from .outbox import sweep

    result = sweep()
    return {"reclaimed": result.reclaimed, "dead": result.dead, "queued": len(result.queued)}
