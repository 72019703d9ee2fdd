"""The access log of personal data, for administrators: read-only, filtered, exportable."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ..models import AccessAction
from .common import list_context, render_page
from .lists import LISTS
from .people import FIELD_LABELS


@require_GET
@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    spec = LISTS["access-log"]
    filterset, qs = spec.filter(request)
    context = list_context(request, filterset, qs)
    for row in context["page"]:
        row.field_label = FIELD_LABELS.get(row.field, row.field)
    context.update(
        {
            "actions": AccessAction.choices,
            "selected": {k: request.GET.get(k, "") for k in ("action", "user", "person", "since", "until")},
        }
    )
    return render_page(request, "registry/access_log.html", context)
