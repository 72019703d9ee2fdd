"""The field pages: the report form (with its duplicate check and "me too") and the unit inbox."""

from django.urls import URLPattern, URLResolver, path

from . import inbox, report

urlpatterns: list[URLPattern | URLResolver] = [
    path("report/", report.report, name="report"),
    path("report/duplicates/", report.report_duplicates, name="report-duplicates"),
    path("report/me-too/", report.report_me_too, name="report-me-too"),
    path("inbox/", inbox.inbox, name="inbox"),
]
