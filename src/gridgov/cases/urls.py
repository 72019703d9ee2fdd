"""Web pages of the case loop: the dispatcher workbench and case page, the unit inbox, the report form."""

from django.urls import include, path

app_name = "cases"
urlpatterns = [
    path("", include("gridgov.cases.views.urls_workbench")),
    path("", include("gridgov.cases.views.urls_field")),
]
