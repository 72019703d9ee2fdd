"""``gridgov coverage REGION_CODE [--crs gcj02] [--json]``: the coverage check from the command line.

Exit status, so that a pipeline can gate on it: 0 when the region has no gap, overlap or grid outside its
community (nor among any parent grid's micro-grids); 1 when it has; 2 when the check cannot run (unknown region,
a level above district, no boundary). Pieces smaller than ``GRIDGOV_COVERAGE_MIN_AREA_M2`` (default 1 m²) are
floating-point slivers and are ignored; ``--min-area`` overrides it for one run.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from gridgov.core.crs import CRS_CHOICES
from gridgov.territory.coverage import CoverageError, CoverageResult, Piece, check_coverage
from gridgov.territory.models import Region

EXIT_PROBLEMS = 1
EXIT_CANNOT_CHECK = 2

KIND_LABELS = {"gap": gettext_noop("缺口"), "overlap": gettext_noop("重叠"), "outside": gettext_noop("超出")}


class Command(BaseCommand):
    help = "检查社区/村、街道/乡镇或区县的网格覆盖:缺口、重叠、超出所属社区的网格(含微网格)。有问题时退出码为 1。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region_code", help="区划代码(社区/村、街道/乡镇或区县)")
        parser.add_argument(
            "--crs", choices=[c for c, _label in CRS_CHOICES], default="wgs84", help="--json 输出的坐标系"
        )
        parser.add_argument("--json", action="store_true", help="输出 GeoJSON 结果而不是文字报告")
        parser.add_argument("--min-area", type=float, default=None, help="忽略小于该面积(平方米)的碎片")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["region_code"].strip()
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise CommandError(_("没有代码为 %(code)s 的区划。") % {"code": code}, returncode=EXIT_CANNOT_CHECK)
        try:
            result = check_coverage(region, min_area_m2=options["min_area"])
        except CoverageError as exc:
            raise CommandError(str(exc), returncode=EXIT_CANNOT_CHECK) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.to_geojson(options["crs"]), ensure_ascii=False))
        else:
            self.stdout.write(report_text(result))
        if not result.ok:
            raise SystemExit(EXIT_PROBLEMS)


def _m2(value: float) -> str:
    return f"{value:,.1f}"


def _piece_line(n: int, piece: Piece) -> str:
    where = "、".join(piece.region_codes) or "—"
    grids = "、".join(piece.grid_codes) or "—"
    return _("  %(n)d. %(kind)s %(area)s 平方米  位置:%(where)s  网格:%(grids)s") % {
        "n": n,
        "kind": _(KIND_LABELS[piece.kind]),
        "area": _m2(piece.area_m2),
        "where": where,
        "grids": grids,
    }


def report_text(result: CoverageResult) -> str:
    lines = [
        _("覆盖检查:%(name)s(%(code)s)") % {"name": result.region_name, "code": result.region_code},
        _("辖区面积 %(area)s 平方米,社区/村 %(c)d 个,综合/专属网格 %(g)d 个;小于 %(min)s 平方米的碎片不计。")
        % {
            "area": _m2(result.region_area_m2),
            "c": result.community_count,
            "g": result.grid_count,
            "min": result.min_area_m2,
        },
        ngettext("缺口 %(n)d 处,共 %(a)s 平方米", "缺口 %(n)d 处,共 %(a)s 平方米", len(result.gaps))
        % {"n": len(result.gaps), "a": _m2(result.gaps_m2)},
        ngettext("重叠 %(n)d 处,共 %(a)s 平方米", "重叠 %(n)d 处,共 %(a)s 平方米", len(result.overlaps))
        % {"n": len(result.overlaps), "a": _m2(result.overlaps_m2)},
        ngettext("超出所属社区 %(n)d 处,共 %(a)s 平方米", "超出所属社区 %(n)d 处,共 %(a)s 平方米", len(result.outside))
        % {"n": len(result.outside), "a": _m2(result.outside_m2)},
    ]
    for n, piece in enumerate([*result.gaps, *result.overlaps, *result.outside], start=1):
        lines.append(_piece_line(n, piece))
    # Per community: where to send the fix.
    per_region: dict[str, list[float]] = {}
    for piece in [*result.gaps, *result.overlaps]:
        for code in piece.region_codes or ("—",):
            row = per_region.setdefault(code, [0, 0.0, 0, 0.0])
            k = 0 if piece.kind == "gap" else 2
            row[k] += 1
            row[k + 1] += piece.area_m2
    if len(per_region) > 1 or (per_region and result.level != "community"):
        lines.append(_("按社区/村:"))
        for code, (gn, ga, on, oa) in sorted(per_region.items()):
            lines.append(
                _("  %(code)s 缺口 %(gn)d 处 %(ga)s 平方米,重叠 %(on)d 处 %(oa)s 平方米")
                % {"code": code, "gn": gn, "ga": _m2(ga), "on": on, "oa": _m2(oa)}
            )
    bad_micro = [m for m in result.micro if not m.ok]
    lines.append(
        _("微网格:检查了 %(n)d 个上级网格,%(bad)d 个有问题。") % {"n": len(result.micro), "bad": len(bad_micro)}
    )
    for m in bad_micro:
        lines.append(
            _(
                "  网格 %(code)s(%(name)s):缺口 %(gn)d 处 %(ga)s 平方米,重叠 %(on)d 处 %(oa)s 平方米,超出 %(xn)d 处 %(xa)s 平方米"  # noqa: E501
            )
            % {
                "code": m.parent_code,
                "name": m.parent_name,
                "gn": len(m.gaps),
                "ga": _m2(m.gaps_m2),
                "on": len(m.overlaps),
                "oa": _m2(m.overlaps_m2),
                "xn": len(m.outside),
                "xa": _m2(m.outside_m2),
            }
        )
        for n, piece in enumerate([*m.gaps, *m.overlaps, *m.outside], start=1):
            lines.append("  " + _piece_line(n, piece))
    lines.append(_("结论:无缺口、无重叠。") if result.ok else _("结论:发现问题(退出码 1)。"))
    return "\n".join(lines)
