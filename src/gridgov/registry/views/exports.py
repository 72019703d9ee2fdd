"""Excel export of every registry list: the same rows as the page (``lists.LISTS``), the columns of
:data:`gridgov.registry.export.TABLES` (shared with the API's exports), permission-checked (people need the
``export`` action), logged with ``services.log_bulk_access`` (who, how many rows, which filters)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gridgov.core.logredact import mask_digit_runs
from gridgov.core.sensitive import mask_idno, mask_phone

from .. import services
from ..export import TABLES, XLSX_CONTENT_TYPE, export_filename, write_xlsx
from ..filters import ID_LIKE, PHONE_LIKE, search_phone
from ..models import AccessAction
from .common import request_data, scope_label
from .lists import LISTS

#: Filters whose values are codes of places or organisations, not anything a person typed about a person.
CODE_PARAMS = frozenset({"area", "building", "code", "uscc"})


def describe_filters(params: QueryDict) -> str:
    """The filters for the file's header and the access log, with an ID or phone number in the search masked
    as the UI masks it, and any other run of 7 or more digits in a filter's value masked too — part of a number,
    or a name and a number typed together (the log must not become a copy of the personal data it protects)."""
    params = params.copy()
    text = params.get("q", "").strip().replace(" ", "")
    if ID_LIKE.match(text):
        params["q"] = mask_idno(text)
    elif PHONE_LIKE.match(text.replace("-", "")):
        params["q"] = mask_phone(search_phone(text))
    return "&".join(
        f"{k}={v if k in CODE_PARAMS else mask_digit_runs(v)}" for k, values in params.lists() for v in values
    )


@require_http_methods(["GET", "POST"])
@login_required
def export_list(request: HttpRequest, name: str) -> HttpResponse:
    spec = LISTS.get(name)
    if spec is None:
        raise Http404
    if not spec.allowed(request.user):
        raise Http404
    if not spec.allowed(request.user, spec.export_action):
        raise PermissionDenied(_("您的角色不能导出此列表。"))
    _filterset, qs = spec.filter(request, spec.export_action)
    responsible = request_data(request).get("responsible", "")
    if name in ("special", "care") and responsible:
        qs = (
            qs.filter(responsible=request.user) if responsible == "me" else qs.filter(responsible__username=responsible)
        )
    filters = describe_filters(spec.params(request))
    table = TABLES[name]
    data, rows = write_xlsx(table=table, rows=table.rows(qs), user=request.user, filters=filters)
    # The log row is filed under the exporter's scope (where their administrators read it), narrowed to the area
    # filter only when that lies inside it — as the API does; a request cannot file it elsewhere.
    scope_code = scope_label(request.user, spec.permission, spec.export_action)
    area = request_data(request).get("area", "").strip()
    if area.isdigit() and area.startswith(scope_code):
        scope_code = area
    services.log_bulk_access(
        by=request.user,
        action=AccessAction.EXPORT,
        rows=rows,
        detail=f"{name}?{filters}" if filters else name,
        reason=str(spec.title),
        scope_code=scope_code,
    )
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(name)}"'
    response["Cache-Control"] = "no-store, private"
    return response
