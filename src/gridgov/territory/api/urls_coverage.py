"""Wired into territory/api/urls.py."""

from django.urls import URLPattern, URLResolver, path

from .coverage import CoverageView

urlpatterns: list[URLPattern | URLResolver] = [path("coverage/", CoverageView.as_view(), name="coverage")]
