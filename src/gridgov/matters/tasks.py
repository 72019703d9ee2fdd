"""Periodic work of the matter list (Celery beat): publish approved changes whose day has come, and mark lapsed
temporary matters inactive. Neither is needed for correctness on the day itself: a lapsed matter is out of force
by its date alone, and a change effective today is published when approved."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gridgov.matters.publish_due", ignore_result=True)
def publish_due() -> dict[str, int]:
    from .services import lapse_expired_temporaries, publish_due_changes

    return {"published": len(publish_due_changes()), "lapsed": lapse_expired_temporaries()}
