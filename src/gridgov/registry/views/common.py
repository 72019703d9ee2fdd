"""What the registry pages share: the filter query without empty values, pagination, service errors onto forms,
the client's address for the access log, and who may do what (for showing buttons; the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from gridgov.accounts.scope import scope_for

PER_PAGE = 25


def request_data(request: HttpRequest) -> QueryDict:
    """The filters: the query string, or the posted form. The person search posts when it holds an ID or phone
    number, so that the number never sits in a URL (browser history, proxy and server access logs)."""
    return request.POST if request.method == "POST" else request.GET


def filter_params(request: HttpRequest) -> QueryDict:
    """The filters without empty values (an empty "全部" choice would fail a multiple-choice filter), the page or
    the CSRF token."""
    params = QueryDict(mutable=True)
    for key, values in request_data(request).lists():
        kept = [v for v in values if v.strip()]
        if kept and key not in ("page", "csrfmiddlewaretoken"):
            params.setlist(key, kept)
    return params


def is_number_search(text: str) -> bool:
    """An ID or phone number (searched exactly through the blind index, and never echoed or put in a URL)."""
    from ..filters import ID_LIKE, PHONE_LIKE

    text = (text or "").strip().replace(" ", "")
    return bool(ID_LIKE.match(text) or PHONE_LIKE.match(text.replace("-", "")))


def filtered(request: HttpRequest, filterset_class: Any, base: QuerySet[Any]) -> tuple[Any, QuerySet[Any]]:
    """The filterset over ``base`` (already ``visible_to``) and its result; invalid filters list nothing."""
    params = filter_params(request)
    filterset = filterset_class(params or None, queryset=base, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    return filterset, (filterset.qs if valid else base.none())


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PER_PAGE) -> Page[Any]:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def list_context(request: HttpRequest, filterset: Any, qs: QuerySet[Any]) -> dict[str, Any]:
    page = paginate(request, qs)
    params = filter_params(request)
    if is_number_search(params.get("q", "")):
        params.pop("q")  # at most one row: no pages, and the number stays out of links
    return {"filterset": filterset, "page": page, "total": page.paginator.count, "query": params.urlencode()}


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: per field where the form has the field, else non-field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            if field == "house" and "building_code" in form.fields:
                target = "building_code"
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def may(user: Any, model_name: str, action: str, code: str | None = None) -> bool:
    """Whether ``user`` holds ``action`` on ``model_name`` somewhere (or at ``code``)."""
    scope = scope_for(user, model_name, action)
    return scope.covers_code(code) if code is not None else not scope.empty


def scope_label(user: Any, model_name: str, action: str) -> str:
    """The common prefix of a user's scope, for the access log's scope code of a bulk export."""
    scope = scope_for(user, model_name, action)
    if scope.everything:
        return ""
    prefixes = scope.code_prefixes()
    if not prefixes:
        return ""
    first, last = prefixes[0], prefixes[-1]
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def nav_flags(user: Any) -> dict[str, bool]:
    """Which registry tabs this user sees (the pages check again)."""
    return {
        "special": may(user, "specialgroup", "view"),
        "care": may(user, "persontag", "view"),
        "floating": may(user, "floatingregistration", "view"),
        "rentals": may(user, "rentalhouse", "view"),
        "accesslog": may(user, "accesslog", "view"),
        "import": may(user, "importjob", "add"),
    }


def render_page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context.setdefault("reg_nav", nav_flags(request.user))
    return render(request, template, context, status=status)
