"""Everything under /api/v1/: each app contributes its own ``api/urls.py``."""

from django.urls import include, path

urlpatterns = [
    path("", include("gridgov.accounts.api.urls")),
    path("", include("gridgov.territory.api.urls")),
    path("", include("gridgov.units.api.urls")),
    path("", include("gridgov.matters.api.urls")),
    path("", include("gridgov.core.notifications_api")),
    path("", include("gridgov.cases.api.urls")),
    path("", include("gridgov.registry.api.urls")),
    path("", include("gridgov.fieldwork.api.urls")),
]
