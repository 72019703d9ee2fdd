"""/api/v1/ routes of field work: the phone app's sync (upload of queued records, photos, download of the
worker's grid data) and the centre's resources (patrols, visits, tasks)."""

from django.urls import include, path

urlpatterns = [
    path("", include("gridgov.fieldwork.api.urls_sync")),
    path("", include("gridgov.fieldwork.api.urls_resources")),
]
