"""The columns of each import kind: the Chinese header as it appears in the file, the model field it fills, whether
it is required, how its cell is read, and the text of the template's explanation sheet.

Headers are a file format shared with offices' spreadsheets, so they are Chinese in every language (like a CSV
dialect) and never translated; the explanations and every error reason are translated. A header may carry a
trailing ``*`` (the template marks required columns with it) and surrounding spaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..models import (
    DocType,
    Education,
    FireSafety,
    HouseholdKind,
    ImportKind,
    MaritalStatus,
    Occupancy,
    OrganisationKind,
    PoliticalStatus,
    ResidenceType,
    Sex,
    VenueKind,
)


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    help: Promise | str
    required: bool = False
    #: text | idno | phone | date | int | decimal | code
    kind: str = "text"
    choices: type[models.TextChoices] | None = None
    example: str = ""
    max_length: int = 0

    @property
    def masked(self) -> bool:
        """Values of this column are personal: error lists show them masked."""
        return self.kind in ("idno", "phone")

    def choice_labels(self) -> list[str]:
        """The Chinese labels a cell may hold (the source language of the labels is Chinese)."""
        if self.choices is None:
            return []
        with translation.override("zh-hans"):
            return [str(label) for label in self.choices.labels]


def choice_map(choices: type[models.TextChoices]) -> dict[str, str]:
    """Cell text → stored value: the Chinese label, the English label and the stored value are all accepted."""
    out: dict[str, str] = {}
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            for value, label in choices.choices:
                out[str(label).strip().lower()] = str(value)
    for value in choices.values:
        out[str(value).lower()] = str(value)
    return out


GRID = Column("网格编码", "grid", _("所在网格的编码(15位);填写楼栋编码时可不填。"), kind="code", example="")
BUILDING = Column("楼栋编码", "building", _("所在楼栋的编码(网格编码加5位顺序号)。"), kind="code", example="")
HOUSE_NUMBER = Column("房号", "house_number", _("楼栋中的门牌/房号;填写时须同时填写楼栋编码。"), example="101")

PERSON_COLUMNS = [
    Column("证件类型", "doc_type", _("不填默认为居民身份证。"), choices=DocType),
    Column(
        "证件号码",
        "id_number",
        _("居民身份证为18位(旧版15位自动升为18位);同一文件中不能重复;重复导入时按此号码更新。"),
        required=True,
        kind="idno",
    ),
    Column("姓名", "name", _("姓名。"), required=True, example="张三", max_length=60),
    Column("曾用名", "former_name", _("曾用名。"), max_length=60),
    Column("性别", "sex", _("身份证号码可带出,填写时须与号码一致。"), choices=Sex),
    Column("出生日期", "birth_date", _("格式 YYYY-MM-DD;须与身份证号码一致。"), kind="date"),
    Column("民族", "ethnicity", _("如 汉族。"), example="汉族", max_length=20),
    Column("籍贯", "native_place", _("籍贯。"), example="广东惠州", max_length=60),
    Column("婚姻状况", "marital_status", _("婚姻状况。"), choices=MaritalStatus),
    Column("政治面貌", "political_status", _("政治面貌。"), choices=PoliticalStatus),
    Column("学历", "education", _("学历。"), choices=Education),
    Column("宗教信仰", "religion", _("宗教信仰。"), max_length=30),
    Column("职业", "occupation", _("职业。"), max_length=60),
    Column("服务处所", "workplace", _("工作单位或就读学校。"), max_length=120),
    Column("联系电话", "phone", _("手机号11位,或区号加固定电话号码。"), kind="phone"),
    Column("户籍地详址", "registered_address", _("户籍地详细地址(加密保存)。")),
    Column("现住址详址", "current_address", _("现住址详细地址(加密保存)。")),
    Column("人口类型", "residence_type", _("户籍人口、流动人口或境外人员。"), required=True, choices=ResidenceType),
    Column("居住方式", "occupancy", _("不填默认为自住。"), choices=Occupancy),
    GRID,
    BUILDING,
    HOUSE_NUMBER,
]

HOUSEHOLD_COLUMNS = [
    Column("户号", "number", _("户口簿上的户号;重复导入时按户号更新。"), required=True, example="H0001", max_length=32),
    Column("户别", "kind", _("不填默认为家庭户。"), choices=HouseholdKind),
    Column(
        "户主证件号码",
        "head_id_number",
        _("户主须已登记在人员中(先导入人员),且不是另一户的在册成员。"),
        required=True,
        kind="idno",
    ),
    Column("立户日期", "valid_from", _("格式 YYYY-MM-DD;不填为导入当天。"), kind="date"),
    GRID,
    BUILDING,
    HOUSE_NUMBER,
]

HOUSE_COLUMNS = [
    Column(
        "楼栋编码", "building", _("房屋所在楼栋的编码;重复导入时按楼栋编码和房号更新。"), required=True, kind="code"
    ),
    Column("房号", "house_number", _("门牌/房号,在楼栋内唯一。"), required=True, example="101", max_length=32),
    Column("楼层", "floor", _("整数,不填为1。"), kind="int", example="1"),
    Column("建筑面积", "area_m2", _("单位平方米。"), kind="decimal", example="89.5"),
]

ORGANISATION_COLUMNS = [
    Column("名称", "name", _("组织或场所名称。"), required=True, example="惠城区某某便利店", max_length=120),
    Column("类别", "kind", _("组织类别。"), required=True, choices=OrganisationKind),
    Column("场所类型", "venue_kind", _("类别为三小场所时必填。"), choices=VenueKind),
    Column(
        "统一社会信用代码",
        "uscc",
        _("18位;重复导入时按此代码更新(无代码的按名称和所在网格更新)。"),
        kind="code",
    ),
    Column("负责人", "legal_representative", _("法定代表人或负责人。"), max_length=60),
    Column("联系电话", "contact_phone", _("手机号11位,或区号加固定电话号码。"), kind="phone"),
    Column("地址", "address", _("经营或办公地址。"), max_length=200),
    Column("从业人数", "employees", _("整数。"), kind="int", example="3"),
    Column("消防检查", "fire_safety", _("不填默认为未检查。"), choices=FireSafety),
    GRID,
    BUILDING,
]

COLUMNS: dict[str, list[Column]] = {
    ImportKind.PERSON: PERSON_COLUMNS,
    ImportKind.HOUSEHOLD: HOUSEHOLD_COLUMNS,
    ImportKind.HOUSE: HOUSE_COLUMNS,
    ImportKind.ORGANISATION: ORGANISATION_COLUMNS,
}

_CHOICE_MAPS: dict[Any, dict[str, str]] = {}


def choice_value(column: Column, text: str) -> str | None:
    """The stored value for a cell's text, or None when it is not one of the column's choices."""
    assert column.choices is not None
    mapping = _CHOICE_MAPS.get(column.choices)
    if mapping is None:
        mapping = _CHOICE_MAPS[column.choices] = choice_map(column.choices)
    return mapping.get(text.strip().lower())


def normalize_header(text: Any) -> str:
    return str(text or "").strip().rstrip("*＊").strip()
