"""Username/password login with lockout after repeated failures (counted in the database, so every app server
agrees). Used by the login page, the admin and the API token endpoint alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from .models import User


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = User.objects.filter(username=username).first()
        if user is not None and is_locked(user):
            if request is not None:
                request.gridgov_locked = True  # type: ignore[attr-defined]
            # Hash anyway so that a locked account answers no faster than a wrong password.
            User().set_password(password)
            return None
        result = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            if result is None:
                record_failure(user)
            elif user.failed_logins or user.locked_until:
                User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        return result


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > timezone.now()


def record_failure(user: User) -> None:
    # A conditional, atomic increment: concurrent failures on several servers all count.
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
