"""/api/v1/cases/ (intake, list, detail, timeline, one route per workflow action, the Excel export) and
/api/v1/inbox/ (wired into config/api_urls.py)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .views import CaseViewSet, InboxView

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")

urlpatterns: list[URLPattern | URLResolver] = [
    # Before the router's routes, so that "export.xlsx" is never read as a case number.
    path("cases/export.xlsx", CaseViewSet.as_view({"get": "export"}), name="case-export"),
    path("inbox/", InboxView.as_view(), name="case-inbox"),
    *router.urls,
]
