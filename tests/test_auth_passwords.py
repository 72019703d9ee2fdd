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
    # (Django 5.2's zh_Hans catalogue lacks the new "too short" wording; the numeric rule's message is there.)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as excinfo:
        validate_password("83920571946")
    assert "密码只包含数字" in " ".join(excinfo.value.messages)
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        validate_password("83920571946")
    assert "entirely numeric" in " ".join(excinfo.value.messages)
