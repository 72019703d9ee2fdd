"""Web pages of field work: the phone app (PWA) under /field/app/ and the centre's pages under /field/."""

from django.urls import include, path

app_name = "fieldwork"

urlpatterns = [
    path("app/", include("gridgov.fieldwork.views.urls_app")),
    path("", include("gridgov.fieldwork.views.urls_centre")),
]
