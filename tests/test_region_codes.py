from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gridgov.core.regioncodes import Level, scope_prefix, validate_region_code


@pytest.mark.parametrize(
    ("code", "level", "parent", "parent_level"),
    [
        ("440000", Level.PROVINCE, None, None),
        ("441300", Level.CITY, "440000", Level.PROVINCE),
        ("441302", Level.DISTRICT, "441300", Level.CITY),
        ("441302003", Level.SUBDISTRICT, "441302", Level.DISTRICT),
        ("441302101", Level.SUBDISTRICT, "441302", Level.DISTRICT),
        ("441302003001", Level.COMMUNITY, "441302003", Level.SUBDISTRICT),
        ("441302003201", Level.COMMUNITY, "441302003", Level.SUBDISTRICT),
    ],
)
def test_it_accepts_valid_codes(code: str, level: str, parent: str | None, parent_level: str | None) -> None:
    validate_region_code(code, level, parent, parent_level)


@pytest.mark.parametrize(
    ("code", "level", "parent", "parent_level", "field"),
    [
        ("44000", Level.PROVINCE, None, None, "code"),
        ("441300", Level.PROVINCE, None, None, "code"),
        ("441302", Level.CITY, "440000", Level.PROVINCE, "code"),
        ("451300", Level.CITY, "440000", Level.PROVINCE, "code"),
        ("441200", Level.DISTRICT, "441300", Level.CITY, "code"),
        ("441402", Level.DISTRICT, "441300", Level.CITY, "code"),
        ("441302000", Level.SUBDISTRICT, "441302", Level.DISTRICT, "code"),
        ("441302600", Level.SUBDISTRICT, "441302", Level.DISTRICT, "code"),
        ("441303003", Level.SUBDISTRICT, "441302", Level.DISTRICT, "code"),
        ("441302003001", Level.COMMUNITY, "441302004", Level.SUBDISTRICT, "code"),
        ("441302003001", Level.COMMUNITY, "441302", Level.DISTRICT, "parent"),
        ("441302003", Level.SUBDISTRICT, None, None, "parent"),
        ("44130200300a", Level.COMMUNITY, "441302003", Level.SUBDISTRICT, "code"),
    ],
)
def test_it_rejects_invalid_codes(
    code: str, level: str, parent: str | None, parent_level: str | None, field: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_region_code(code, level, parent, parent_level)
    assert field in excinfo.value.message_dict


def test_scope_prefix_is_the_part_every_descendant_shares() -> None:
    assert scope_prefix("440000", Level.PROVINCE) == "44"
    assert scope_prefix("441300", Level.CITY) == "4413"
    assert scope_prefix("441302", Level.DISTRICT) == "441302"
    assert "441302003001".startswith(scope_prefix("441302003", Level.SUBDISTRICT))
