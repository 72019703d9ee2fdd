"""Shared pieces of the REST API: field-level errors, scoped viewsets, pagination, query-parameter checks.

Every API error that is the client's fault is ``{"field": ["message", …]}`` (DRF's ValidationError shape), in the
language the client asked for (``Accept-Language``; zh-hans by default). A viewset built on
:class:`ScopedViewSetMixin` reads only through ``Model.objects.visible_to(user, action)`` (DESIGN rule 1), so an
object out of scope is 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView, get_object_or_404
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .crs import CRS, parse_crs
from .scoping import ScopedQuerySet

M = TypeVar("M", bound=models.Model)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: a Django ``ValidationError`` (from a model's ``clean`` or a service) becomes a 400
    with its field errors, and a bare list of errors is put under ``non_field_errors`` so that every 400 has
    the same shape."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: Any = {
                (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, list):
        exc.detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
    elif isinstance(exc, Http404):
        # The same words for "missing" and "not yours", in the client's language, naming no model.
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


class Pagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


class CRSField(serializers.ChoiceField):
    """A coordinate system name: wgs84 (default), gcj02 or bd09 (``WGS-84``, ``EPSG:4326`` … accepted)."""

    default_error_messages = {"invalid_choice": _("不支持的坐标系“{input}”,可选:wgs84、gcj02、bd09。")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", CRS.WGS84.value)
        kwargs.setdefault("help_text", _("坐标系:wgs84(默认)、gcj02(高德/腾讯)或 bd09(百度)"))
        super().__init__(choices=[c.value for c in CRS], **kwargs)

    def to_internal_value(self, data: Any) -> CRS:
        try:
            return parse_crs(str(data))
        except ValueError:
            self.fail("invalid_choice", input=data)
        raise AssertionError  # pragma: no cover - fail() raises


def validated_query(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    """Check query parameters with a serializer; bad ones are a 400 naming the parameter."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ScopedViewSetMixin(GenericAPIView[Any]):
    """For a viewset over a governed model: every queryset comes from ``visible_to``.

    Subclasses set ``scoped_model`` and may override :meth:`optimize` (select_related, annotations) so that a
    list costs a constant number of queries. A detail lookup is by scope alone: list filters (and their
    defaults) do not apply to it, so a visible object is always reachable at its URL.
    """

    scoped_model: ClassVar[type[models.Model]]
    scope_action: ClassVar[str] = "view"

    def scoped_queryset(self) -> ScopedQuerySet[Any]:
        manager: Any = self.scoped_model._default_manager
        queryset: ScopedQuerySet[Any] = manager.visible_to(self.request.user, self.scope_action)
        return queryset

    def optimize(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        return queryset

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.optimize(self.scoped_queryset())

    def detail_queryset(self) -> models.QuerySet[Any]:
        return self.get_queryset()

    def get_object(self) -> Any:
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        obj = get_object_or_404(self.detail_queryset(), **{self.lookup_field: self.kwargs[lookup_url_kwarg]})
        self.check_object_permissions(self.request, obj)
        return obj
