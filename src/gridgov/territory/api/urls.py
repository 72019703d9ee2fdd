"""/api/v1/ routes of the territory: resources (regions, grids, buildings, houses), locate, coverage."""

from django.urls import include, path

urlpatterns = [
    path("", include("gridgov.territory.api.urls_resources")),
    path("", include("gridgov.territory.api.urls_locate")),
    path("", include("gridgov.territory.api.urls_coverage")),
]
