"""Statistical division codes (GB/T 2260 + GB/T 10114) and the materialized path used for scope.

A region's *scope prefix* is the part of its code that every code below it starts with:
province ``44`` (440000), city ``4413`` (441300), district ``441302``, sub-district ``441302003``,
community ``441302003001``. Grid codes extend the community code, building codes extend the grid code, so one
``startswith`` answers "is this under that node" for all of them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    SUBDISTRICT = "subdistrict", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")


LEVEL_ORDER = [Level.PROVINCE, Level.CITY, Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY]
CODE_LENGTH = {Level.PROVINCE: 6, Level.CITY: 6, Level.DISTRICT: 6, Level.SUBDISTRICT: 9, Level.COMMUNITY: 12}
PREFIX_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.DISTRICT: 6,
    Level.SUBDISTRICT: 9,
    Level.COMMUNITY: 12,
}


def scope_prefix(code: str, level: str) -> str:
    return code[: PREFIX_LENGTH[Level(level)]]


def child_level(level: str) -> Level | None:
    index = LEVEL_ORDER.index(Level(level))
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


def level_for_code(code: str) -> Level:
    """Infer the level from the shape of a code (used by imports that do not say it)."""
    if len(code) == 12:
        return Level.COMMUNITY
    if len(code) == 9:
        return Level.SUBDISTRICT
    if len(code) == 6 and code[2:] == "0000":
        return Level.PROVINCE
    if len(code) == 6 and code[4:] == "00":
        return Level.CITY
    return Level.DISTRICT


def township_kind(code: str) -> str:
    """GB/T 10114: 001–099 街道, 100–199 镇, 200–399 乡, 400–599 乡级类似单位 (farms, development zones)."""
    seq = int(code[6:9])
    if seq < 100:
        return "街道"
    if seq < 200:
        return "镇"
    if seq < 400:
        return "乡"
    return "乡级单位"


def village_kind(code: str) -> str:
    """GB/T 10114 practice: 0xx–1xx 居民委员会, 2xx–3xx 村民委员会, 4xx–5xx 类似单位."""
    seq = int(code[9:12])
    if seq < 200:
        return "居委会"
    if seq < 400:
        return "村委会"
    return "类似单位"


def validate_region_code(code: str, level: str, parent_code: str | None, parent_level: str | None) -> None:
    """Raise ``ValidationError`` (on the field ``code``) unless ``code`` is a valid code at ``level`` under
    the given parent."""
    lvl = Level(level)
    if not code.isdigit() or len(code) != CODE_LENGTH[lvl]:
        raise ValidationError(
            {"code": _("%(level)s代码必须是%(n)d位数字。") % {"level": lvl.label, "n": CODE_LENGTH[lvl]}}
        )
    if lvl == Level.PROVINCE:
        if code[2:] != "0000" or code[:2] == "00":
            raise ValidationError({"code": _("省级代码形如 440000。")})
    elif lvl == Level.CITY:
        if code[2:4] == "00" or code[4:] != "00":
            raise ValidationError({"code": _("市级代码形如 441300:第3–4位非00,第5–6位为00。")})
    elif lvl == Level.DISTRICT:
        if code[4:] == "00" or code[2:4] == "00":
            raise ValidationError({"code": _("区县代码的第3–4位和第5–6位都不能是00。")})
    elif lvl == Level.SUBDISTRICT:
        seq = int(code[6:])
        if not 1 <= seq <= 599:
            raise ValidationError({"code": _("街道/乡镇代码的第7–9位必须在001–599之间(GB/T 10114)。")})
    elif lvl == Level.COMMUNITY:
        seq = int(code[9:])
        if not 1 <= seq <= 599:
            raise ValidationError({"code": _("社区/村代码的第10–12位必须在001–599之间(GB/T 10114)。")})

    if lvl == Level.PROVINCE:
        if parent_code is not None:
            raise ValidationError({"parent": _("省级区划没有上级。")})
        return
    if parent_code is None or parent_level is None:
        raise ValidationError({"parent": _("%(level)s必须有上级区划。") % {"level": lvl.label}})
    expected_parent = LEVEL_ORDER[LEVEL_ORDER.index(lvl) - 1]
    if Level(parent_level) != expected_parent:
        raise ValidationError(
            {"parent": _("%(level)s的上级必须是%(parent)s。") % {"level": lvl.label, "parent": expected_parent.label}}
        )
    prefix = scope_prefix(parent_code, parent_level)
    if not code.startswith(prefix):
        raise ValidationError(
            {
                "code": _("代码 %(code)s 不在上级 %(parent)s 之下(应以 %(prefix)s 开头)。")
                % {"code": code, "parent": parent_code, "prefix": prefix}
            }
        )
