"""Validation of ID numbers, phones, social credit codes and other documents (GB 11643, ``stdnum``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.registry.models import DocType, ResidenceType
from gridgov.registry.services import clean_person
from gridgov.registry.validation import (
    clean_document,
    clean_phone,
    clean_ric,
    clean_uscc,
    ric_birth_date,
    ric_sex,
    upgrade_15,
)

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"  # remainder 0..10 → check character (DOMAIN.md)
AREAS = ["441302", "441303", "110105", "310104", "440304", "510104"]


def check_character(body17: str) -> str:
    """Computed here from the standard, not by the code under test."""
    return CHECK[sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True)) % 11]


def code_of(callable_: Any, value: str) -> str:
    with pytest.raises(ValidationError) as info:
        callable_(value)
    return str(info.value.code)


# No deadline: the machine is shared, and a slow example is not a wrong one.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
sequences = st.integers(min_value=0, max_value=999)
areas = st.sampled_from(AREAS)


@st.composite
def valid_rics(draw: Any) -> str:
    body = f"{draw(areas)}{draw(births):%Y%m%d}{draw(sequences):03d}"
    return body + check_character(body)


# --- resident ID numbers ------------------------------------------------------------------------------------


@relaxed
@given(valid_rics())
def test_valid_id_numbers_pass_unchanged(number: str) -> None:
    assert clean_ric(number) == number
    assert clean_ric(f" {number[:6]} {number[6:14]} {number[14:].lower()} ") == number  # spaces, lower-case x


@relaxed
@given(valid_rics(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_any_digit_is_caught_by_the_check_character(number: str, position: int, shift: int) -> None:
    digit = str((int(number[position]) + shift) % 10)
    corrupted = number[:position] + digit + number[position + 1 :]
    with pytest.raises(ValidationError) as info:
        clean_ric(corrupted)
    assert info.value.code == "checksum"
    assert info.value.messages == ["身份证号码校验码不正确。"]


@relaxed
@given(valid_rics(), st.sampled_from(list("0123456789X")))
def test_a_wrong_check_character_is_rejected(number: str, check: str) -> None:
    if check == number[-1]:
        return
    assert code_of(clean_ric, number[:-1] + check) == "checksum"


def test_the_standard_example_with_check_character_x() -> None:
    assert check_character("11010519491231002") == "X"
    assert clean_ric("11010519491231002x") == "11010519491231002X"
    assert ric_birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert ric_sex("11010519491231002X") == "female"  # 17th digit 2: even


@relaxed
@given(areas, st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)), sequences)
def test_legacy_15_digit_numbers_become_the_18_digit_number(area: str, birth: dt.date, seq: int) -> None:
    legacy = f"{area}{birth:%y%m%d}{seq:03d}"
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    assert clean_ric(legacy) == body + check_character(body)
    assert upgrade_15(legacy) == body + check_character(body)


def test_a_legacy_number_by_hand() -> None:
    # 110105 491231 002 → 110105 19 491231 002 + check character:
    # 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → "X".
    assert clean_ric("110105491231002") == "11010519491231002X"
    # 441302 800517 001: 4·7+4·9+1·10+3·5+0·8+2·4+1·2+9·1+8·6+0·3+0·7+5·9+1·10+7·5+0·8+0·4+1·2 = 248;
    # 248 mod 11 = 6 → "6".
    assert clean_ric("441302800517001") == "441302198005170016"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("44130219800517001", "length"),  # 17
        ("4413021980051700111", "length"),  # 19
        ("", "length"),
        ("44130219800517A013", "format"),
        ("44130219800517001Y", "format"),
    ],
)
def test_malformed_numbers_say_what_is_wrong(value: str, code: str) -> None:
    assert code_of(clean_ric, value) == code


def test_an_impossible_birth_date_with_a_right_check_character_is_rejected() -> None:
    body = "44130219800230001"  # 30 February
    assert code_of(clean_ric, body + check_character(body)) == "birth_date"


def test_an_unknown_area_code_with_a_right_check_character_is_rejected() -> None:
    body = "99999919800517001"
    assert code_of(clean_ric, body + check_character(body)) == "area"


def test_an_area_code_newer_than_the_holder_is_accepted() -> None:
    body = "44130219700101001"  # 惠城区 dates from 1988; people born before then hold such numbers
    assert clean_ric(body + check_character(body)) == body + check_character(body)


# --- sex and birth date against the number (clean_person) ---------------------------------------------------

MALE_1980 = "44130219800517001" + check_character("44130219800517001")


def test_sex_and_birth_date_are_derived_when_not_given() -> None:
    out = clean_person({"id_number": MALE_1980, "name": " 张三 "})
    assert (out["sex"], out["birth_date"], out["name"]) == ("male", dt.date(1980, 5, 17), "张三")


def test_each_mismatch_is_reported_on_its_own_field() -> None:
    with pytest.raises(ValidationError) as info:
        clean_person({"id_number": MALE_1980, "name": "张三", "sex": "female", "birth_date": dt.date(1980, 5, 18)})
    errors = info.value.message_dict
    assert set(errors) == {"sex", "birth_date"}
    assert "1980-05-17" in errors["birth_date"][0]
    assert "第17位" in errors["sex"][0]


def test_only_the_contradicting_field_is_reported() -> None:
    with pytest.raises(ValidationError) as info:
        clean_person({"id_number": MALE_1980, "name": "张三", "sex": "male", "birth_date": dt.date(1981, 5, 17)})
    assert set(info.value.message_dict) == {"birth_date"}


def test_a_consistent_entry_passes() -> None:
    out = clean_person({"id_number": MALE_1980, "name": "张三", "sex": "male", "birth_date": dt.date(1980, 5, 17)})
    assert out["id_number"] == MALE_1980


def test_every_bad_field_is_reported_and_no_mismatch_is_guessed_from_a_bad_number() -> None:
    with pytest.raises(ValidationError) as info:
        clean_person({"id_number": MALE_1980[:-1] + "0", "name": "", "sex": "female", "phone": "12345"})
    # the birth date cannot be derived from a rejected number, so it is asked for; the sex was given
    assert set(info.value.message_dict) == {"id_number", "name", "phone", "birth_date"}


# --- phones -------------------------------------------------------------------------------------------------


@relaxed
@given(st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_mainland_mobile_is_accepted(second: str, rest: str) -> None:
    number = f"1{second}{rest}"
    assert clean_phone(number) == number
    assert clean_phone(f"+86 {number[:3]}-{number[3:7]}-{number[7:]}") == number


@pytest.mark.parametrize("value", ["0752-2345678", "075512345678", "010 8765 4321"])
def test_landlines_with_their_area_code_are_accepted(value: str) -> None:
    assert clean_phone(value) == value.replace("-", "").replace(" ", "")


@pytest.mark.parametrize("value", ["12345678901", "1381234567", "138123456789", "2345678", "abc", "1381234567x"])
def test_other_phones_are_rejected_with_the_rule(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_phone(value)
    assert info.value.code == "phone" and "1开头的11位数字" in info.value.messages[0]


# --- unified social credit codes ----------------------------------------------------------------------------

USCC = "91350100M000100Y43"


def test_a_valid_social_credit_code_passes() -> None:
    assert clean_uscc(" 91350100m000100y43 ") == USCC


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (USCC[:-1] + "4", "checksum"),
        (USCC[:5] + "2" + USCC[6:], "checksum"),
        (USCC[:-1], "length"),
        ("91350100I000100Y43", "format"),  # I is not in the alphabet
    ],
)
def test_a_bad_social_credit_code_says_why(value: str, code: str) -> None:
    assert code_of(clean_uscc, value) == code


# --- foreign and other documents ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc_type", "value", "expected"),
    [
        (DocType.PASSPORT, " e1234 5678 ", "E12345678"),
        (DocType.HK_MACAU, "H12345678", "H12345678"),
        (DocType.TAIWAN, "12345678", "12345678"),
        (DocType.FOREIGN_PERMANENT, "USA123456789012", "USA123456789012"),
    ],
)
def test_other_documents_are_normalised(doc_type: str, value: str, expected: str) -> None:
    assert clean_document(doc_type, value) == expected


@pytest.mark.parametrize("value", ["E12", "E1234-5678", "护照12345", "A" * 21])
def test_other_documents_must_be_5_to_20_letters_or_digits(value: str) -> None:
    assert code_of(lambda v: clean_document(DocType.PASSPORT, v), value) == "format"


def test_a_foreigner_needs_a_foreign_document_and_gives_sex_and_birth_date() -> None:
    with pytest.raises(ValidationError) as info:
        clean_person({"id_number": MALE_1980, "name": "John", "residence_type": ResidenceType.FOREIGN})
    assert "doc_type" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        clean_person(
            {"doc_type": DocType.PASSPORT, "id_number": "E12345678", "name": "John", "residence_type": "foreign"}
        )
    assert set(info.value.message_dict) == {"sex", "birth_date"}  # nothing to derive them from
    out = clean_person(
        {
            "doc_type": DocType.PASSPORT,
            "id_number": "e12345678",
            "name": "John",
            "residence_type": ResidenceType.FOREIGN,
            "sex": "male",
            "birth_date": dt.date(1990, 1, 2),
        }
    )
    assert out["id_number"] == "E12345678"


@relaxed
@given(valid_rics())
def test_a_valid_number_as_a_passport_is_not_checksummed(number: str) -> None:
    assert clean_document(DocType.PASSPORT, number) == number
