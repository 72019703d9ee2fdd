"""Password validators are on: short, common, all-digit and username-like passwords are rejected."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from gridgov.accounts.models import User

from .factories import PASSWORD


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Sh0rt!", "password_too_short"),
        ("password123", "password_too_common"),
        ("83920571946", "password_entirely_numeric"),
        ("wangxiaoming1", "password_too_similar"),
    ],
)
def test_weak_passwords_are_rejected(db: None, password: str, code: str) -> None:
    user = User(username="wangxiaoming", display_name="王小明")
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user)
    assert code in {error.code for error in excinfo.value.error_list}


def test_a_strong_password_is_accepted(db: None) -> None:
    validate_password(PASSWORD, User(username="wangxiaoming"))


def test_the_message_is_in_the_users_language(db: None) -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as excinfo:
        validate_password("83920571946")
    assert "密码只包含数字" in " ".join(excinfo.value.messages)
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        validate_password("83920571946")
    assert "entirely numeric" in " ".join(excinfo.value.messages)


def test_the_too_short_message_is_chinese_too(db: None) -> None:
    # Django 5.2.19's own zh_Hans catalogue lacks this wording; gridgov's locale/zh_Hans fills the hole.
    with translation.override("zh-hans"), pytest.raises(ValidationError) as excinfo:
        validate_password("Qx7#kz")
    assert "密码太短,至少需要 10 个字符。" in excinfo.value.messages
