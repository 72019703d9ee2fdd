"""/api/v1/ routes of the registry: people, households, tags, places, organisations, facilities, the access log,
and import jobs."""

from django.urls import include, path

urlpatterns = [
    path("", include("gridgov.registry.api.urls_resources")),
    path("", include("gridgov.registry.api.urls_imports")),
]
