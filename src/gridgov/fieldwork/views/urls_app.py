"""/field/app/: the grid worker's phone app (a PWA): the shell page, its manifest and its service worker.

The service worker is served from here (not from /static/) so that its scope is /field/app/."""

from django.urls import URLPattern, URLResolver, path

from . import app

urlpatterns: list[URLPattern | URLResolver] = [
    path("", app.shell, name="app"),
    path("manifest.webmanifest", app.manifest, name="app-manifest"),
    path("sw.js", app.service_worker, name="app-sw"),
]
