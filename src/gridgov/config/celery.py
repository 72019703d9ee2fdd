"""The Celery app. Broker from ``CELERY_BROKER_URL`` (Redis/RabbitMQ in production, the embedded filesystem
broker for the demo); tasks run eagerly in unit tests."""

from __future__ import annotations

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.config.settings")

app = Celery("gridgov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def keep_django_logging(**kwargs: object) -> None:
    """A receiver here tells the worker not to install its own log handlers (which would replace the root's
    and give task loggers handlers of their own): Django's LOGGING, whose handlers mask personal numbers
    (gridgov.core.logredact), stays in charge in workers too."""


def ensure_broker_dirs() -> None:
    """The filesystem transport needs its folders to exist before the first message."""
    from django.conf import settings

    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = options.get(key)
        if isinstance(folder, str):
            os.makedirs(folder, exist_ok=True)
