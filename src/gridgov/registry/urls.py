"""Web pages of the registry under /registry/: the lists and pages, and the import wizard."""

from django.urls import include, path

app_name = "registry"

urlpatterns = [
    path("", include("gridgov.registry.views.urls_pages")),
    path("import/", include("gridgov.registry.views.urls_imports")),
]
