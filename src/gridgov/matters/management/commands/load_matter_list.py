"""``gridgov load-matter-list [FILE]``: load the default matter list (or a CSV with the same Chinese headers).
Idempotent: existing codes are left unchanged."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.matters.loader import MatterListError, load_matter_list


class Command(BaseCommand):
    help = "Load the matter list (事项清单) from a CSV file; the default list when no file is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="CSV (UTF-8) with Chinese headers; default: the built-in list")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_matter_list(options.get("file"))
        except MatterListError as exc:
            raise CommandError(_("事项清单未导入:") + "\n" + "\n".join(exc.errors)) from exc
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.summary())
