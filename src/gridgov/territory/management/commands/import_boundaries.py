"""``gridgov import-boundaries FILE --crs gcj02|wgs84|bd09``: regions or grids from a GeoJSON FeatureCollection.

All or nothing: every feature is checked first; if any is bad, each is reported (index in ``features`` and the
reason, in Chinese), nothing is written and the exit status is 1. See
:mod:`gridgov.territory.boundary_import` for the properties each feature needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gridgov.core.crs import CRS_CHOICES
from gridgov.territory.boundary_import import import_boundaries


class Command(BaseCommand):
    help = "从 GeoJSON FeatureCollection 导入区划或网格边界(全部成功才写入;否则逐个列出有问题的要素)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="GeoJSON 文件路径")
        parser.add_argument(
            "--crs",
            choices=[c for c, _label in CRS_CHOICES],
            required=True,
            help="文件坐标所用的坐标系(高德等国内地图为 gcj02,百度为 bd09)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取文件 %(f)s:%(e)s") % {"f": path, "e": exc.strerror}) from exc
        result = import_boundaries(data, options["crs"])
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                ngettext("%(n)d 处错误,未导入任何内容。", "%(n)d 处错误,未导入任何内容。", len(result.errors))
                % {"n": len(result.errors)},
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(_("导入完成。") + result.summary()))
