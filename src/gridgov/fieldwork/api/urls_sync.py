"""/api/v1/sync/…: the phone app's upload of records, photos and download (docs/fieldwork-sync.md)."""

from django.urls import URLPattern, URLResolver, path

from .sync import PhotoView, PullView, RecordsView

urlpatterns: list[URLPattern | URLResolver] = [
    path("sync/records/", RecordsView.as_view(), name="sync-records"),
    path("sync/photos/<uuid:photo_uuid>/", PhotoView.as_view(), name="sync-photo"),
    path("sync/pull/", PullView.as_view(), name="sync-pull"),
]
