"""The ``gridgov`` console command: Django's management commands under a shorter name.

``gridgov demo build``  → ``manage.py demo build``
``gridgov import-boundaries FILE`` → ``manage.py import_boundaries FILE``
Any other Django command works too (``gridgov migrate``, ``gridgov createsuperuser``…).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.config.settings")
    if len(args) > 1:
        args[1] = args[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
