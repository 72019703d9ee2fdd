"""Log a user out after ``SESSION_IDLE_TIMEOUT`` seconds without a request (an office PC left unlocked)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

KEY = "gridgov_last_seen"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(KEY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            else:
                request.session[KEY] = now
        return self.get_response(request)
