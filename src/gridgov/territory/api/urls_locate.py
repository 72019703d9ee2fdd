"""Wired into territory/api/urls.py: ``/api/v1/locate/`` (and ``/api/v1/locate`` without the slash)."""

from django.urls import URLPattern, URLResolver, path

from .locate import LocateNoSlashView, LocateView

urlpatterns: list[URLPattern | URLResolver] = [
    path("locate/", LocateView.as_view(), name="locate"),
    path("locate", LocateNoSlashView.as_view(), name="locate-no-slash"),
]
