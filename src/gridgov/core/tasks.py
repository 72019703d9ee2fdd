"""Tasks of the shared kernel."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gridgov.core.ping")
def ping() -> str:
    """Answer "pong": lets an operator (and the tests) check that a worker is consuming from the broker."""
    return "pong"
