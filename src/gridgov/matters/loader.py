"""Load a matter list from a CSV file with Chinese headers (the default one is ``data/matter_list.csv``).

Idempotent: a category whose code exists is left as it is (its later changes go through the change workflow,
and loading the file again must not undo them); new ones are created with their first version. All or
nothing: one bad row and nothing is written, with every bad row named.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from gridgov.units.models import Tier, UnitKind

from .models import LimitUnit, MatterCategory, MatterKind, local_today
from .services import record_version

DEFAULT_LIST = Path(__file__).resolve().parent / "data" / "matter_list.csv"

#: CSV header → model field.
COLUMNS = {
    "编码": "code",
    "名称": "name",
    "大类编码": "parent",
    "性质": "kind",
    "责任单位类型": "owner_unit_kind",
    "默认处置层级": "default_tier",
    "可派网格员": "grid_assignable",
    "网格员可自行处置": "self_settle_allowed",
    "受理时限": "accept_limit",
    "受理时限单位": "accept_limit_unit",
    "签收时限": "sign_limit",
    "签收时限单位": "sign_limit_unit",
    "办理时限": "handle_limit",
    "办理时限单位": "handle_limit_unit",
    "核查时限": "verify_limit",
    "核查时限单位": "verify_limit_unit",
}
REQUIRED = ("编码", "名称")
CHOICES: dict[str, Any] = {
    "kind": MatterKind,
    "owner_unit_kind": UnitKind,
    "default_tier": Tier,
    "accept_limit_unit": LimitUnit,
    "sign_limit_unit": LimitUnit,
    "handle_limit_unit": LimitUnit,
    "verify_limit_unit": LimitUnit,
}
TRUE = {"是", "true", "1", "yes", "y"}
FALSE = {"否", "", "false", "0", "no", "n"}


class MatterListError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return str(_("新增 %(c)d 项,已存在 %(e)d 项(未改动)。") % {"c": len(self.created), "e": len(self.existing)})


@functools.cache
def _lookup(choices: Any) -> dict[str, str]:
    """Both the stored value and the Chinese label name a choice (the file is written for people)."""
    with translation.override("zh-hans"):
        table = {str(label): str(value) for value, label in choices.choices}
    table.update({str(value): str(value) for value in choices.values})
    return table


def _convert(name: str, raw: str) -> Any:
    text = (raw or "").strip()
    if name in CHOICES:
        if name == "owner_unit_kind" and not text:
            return ""
        table = _lookup(CHOICES[name])
        if text not in table:
            raise ValueError(
                _("“%(v)s”不是可选值(可选:%(o)s)")
                % {"v": text, "o": "、".join(sorted(set(table) - set(CHOICES[name].values)))}
            )
        return table[text]
    if name in ("grid_assignable", "self_settle_allowed"):
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise ValueError(_("应填“是”或“否”,而不是“%(v)s”") % {"v": text})
    if name.endswith("_limit"):
        try:
            return int(text)
        except ValueError:
            raise ValueError(_("应为正整数,而不是“%(v)s”") % {"v": text}) from None
    return text


def load_matter_list(source: Path | str | None = None, *, published_on: datetime.date | None = None) -> LoadResult:
    path = Path(source) if source is not None else DEFAULT_LIST
    text = path.read_text(encoding="utf-8-sig")
    return load_matter_list_text(text, published_on=published_on)


def load_matter_list_text(text: str, *, published_on: datetime.date | None = None) -> LoadResult:
    published_on = published_on or local_today()
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip() for h in (reader.fieldnames or [])]
    missing = [h for h in REQUIRED if h not in headers]
    unknown = [h for h in headers if h not in COLUMNS]
    if missing or unknown:
        header_errors = []
        if missing:
            header_errors.append(str(_("缺少列:%(c)s") % {"c": "、".join(missing)}))
        if unknown:
            header_errors.append(str(_("无法识别的列:%(c)s") % {"c": "、".join(unknown)}))
        raise MatterListError(header_errors)
    result = LoadResult()
    errors: list[str] = []
    with transaction.atomic():
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): v for k, v in row.items()}
            code = (row.get("编码") or "").strip()
            if not code:
                errors.append(str(_("第 %(n)d 行:编码不能为空") % {"n": line}))
                continue
            if MatterCategory.objects.filter(code=code).exists():
                result.existing.append(code)
                continue
            category = MatterCategory(published_on=published_on)
            bad = False
            for header, name in COLUMNS.items():
                if header not in row:
                    continue
                try:
                    value = _convert(name, row[header])
                except ValueError as exc:
                    errors.append(str(_("第 %(n)d 行 %(h)s:%(e)s") % {"n": line, "h": header, "e": exc}))
                    bad = True
                    continue
                if name == "parent":
                    if value:
                        parent = MatterCategory.objects.filter(code=value).first()
                        if parent is None:
                            errors.append(
                                str(
                                    _("第 %(n)d 行 大类编码:“%(c)s”不存在(大类须写在小类之前)")
                                    % {"n": line, "c": value}
                                )
                            )
                            bad = True
                        category.parent = parent
                else:
                    setattr(category, name, value)
            if bad:
                continue
            try:
                # The constraints' rules are checked in clean() (and held by the database): validating them again
                # here would cost a query each.
                category.full_clean(validate_constraints=False)
                category.save()
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    label = next((h for h, f in COLUMNS.items() if f == name), name)
                    errors.extend(str(_("第 %(n)d 行 %(h)s:%(e)s") % {"n": line, "h": label, "e": m}) for m in messages)
                continue
            record_version(category, published_on)
            result.created.append(code)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise MatterListError(errors)
    return result
