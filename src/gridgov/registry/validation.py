"""Validation of identity documents, phones and codes, with messages that name the rule (DESIGN rule 8).

ID numbers (GB 11643) go through ``stdnum.cn.ric``: check character and birth date; the sex and birth date
derived from the number are checked against what was entered. A legacy 15-digit number (6 address + 6 birth date
``YYMMDD`` + 3 sequence, no check character) is converted to 18 digits (``19`` century, computed check character).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from gridgov.core.sensitive import normalize_phone

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def upgrade_15(number: str) -> str:
    """A legacy 15-digit number as 18 digits (born in the 1900s: 15-digit cards were issued until 1999)."""
    body = number[:6] + "19" + number[6:15]
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


def clean_ric(value: str) -> str:
    """The 18-character normalised ID number, or a ValidationError saying what is wrong.

    Length, digits, check character and birth date as ``stdnum.cn.ric``; the address code must be one that has
    existed (stdnum's table). stdnum also insists that it existed in the birth year, which rejects real numbers
    issued later by a district created after the holder's birth (惠城区 dates from 1988), so that part is not
    applied."""
    number = value.strip().replace(" ", "").upper()
    if len(number) == 15 and number.isdigit():
        number = upgrade_15(number)
    if len(number) != 18:
        raise ValidationError(_("身份证号码应为18位(或旧版15位)。"), code="length")
    if not number[:-1].isdigit() or number[-1] not in "0123456789X":
        raise ValidationError(_("身份证号码只能由数字和末位X组成。"), code="format")
    # stdnum's own check (it ignores the last character); its compact() is skipped: the number is compact here,
    # and compact() was most of the cost of a row in a large import.
    if number[-1] != ric.calc_check_digit(number):
        raise ValidationError(_("身份证号码校验码不正确。"), code="checksum")
    try:
        ric_birth_date(number)
    except ValueError as exc:
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="birth_date") from exc
    if not _known_area(number[:6]):
        raise ValidationError(_("身份证号码前6位不是有效的行政区划代码。"), code="area")
    return number


@lru_cache(maxsize=4096)
def _known_area(code: str) -> bool:
    from stdnum import numdb

    return any(props for _part, props in numdb.get("cn/loc").info(code))


def ric_birth_date(number: str) -> dt.date:
    """The birth date in a (compact, 18-character) ID number; ValueError when it is not a real date."""
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def ric_sex(number: str) -> str:
    return "male" if int(number[16]) % 2 == 1 else "female"


def check_ric_consistency(number: str, birth_date: dt.date | None, sex: str | None) -> dict[str, str]:
    """Field → message for what contradicts the ID number (empty when consistent)."""
    errors: dict[str, str] = {}
    derived = ric_birth_date(number)
    if birth_date is not None and birth_date != derived:
        errors["birth_date"] = _("出生日期与身份证号码不一致(证件显示 %(d)s)。") % {"d": derived.isoformat()}
    if sex and sex != ric_sex(number):
        errors["sex"] = _("性别与身份证号码不一致(第17位奇数为男,偶数为女)。")
    return errors


def clean_document(doc_type: str, value: str) -> str:
    """Normalise and validate a document number by type; only the resident ID card has a checksum."""
    if doc_type == "ric":
        return clean_ric(value)
    number = value.strip().replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z0-9]{5,20}", number):
        raise ValidationError(_("证件号码应为5到20位字母或数字。"), code="format")
    return number


def clean_phone(value: str) -> str:
    number = normalize_phone(value)
    if not (MOBILE.match(number) or LANDLINE.match(number)):
        raise ValidationError(
            _("电话号码格式不正确:手机号为1开头的11位数字,固定电话为区号加号码(如0752-2345678)。"), code="phone"
        )
    return number


def clean_uscc(value: str) -> str:
    code = value.strip().replace(" ", "").upper()
    try:
        return uscc.validate(code)
    except InvalidLength as exc:
        raise ValidationError(_("统一社会信用代码应为18位。"), code="length") from exc
    except InvalidChecksum as exc:
        raise ValidationError(_("统一社会信用代码校验码不正确。"), code="checksum") from exc
    except (InvalidFormat, InvalidComponent) as exc:
        raise ValidationError(_("统一社会信用代码格式不正确。"), code="format") from exc
