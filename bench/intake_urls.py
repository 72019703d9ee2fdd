"""The project's URLs plus ``/bench/bare/``: a bare Django JSON view (parse the body, answer JSON) — the yardstick
``bench/intake.py`` compares the case intake API against, under the same server and middleware."""

import json

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body or b"{}")
    return JsonResponse({"ok": True, "fields": len(body)}, status=201)


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/bare/", bare),
    path("", include("gridgov.config.urls")),
]
