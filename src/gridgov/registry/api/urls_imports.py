"""/api/v1/import-jobs/ (the registry import) and the templates at /api/v1/import-jobs/templates/{kind}.xlsx."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .imports import ImportJobViewSet, ImportTemplateView

router = SimpleRouter()
router.register("import-jobs", ImportJobViewSet, basename="import-job")

urlpatterns: list[URLPattern | URLResolver] = [
    path("import-jobs/templates/<str:kind>.xlsx", ImportTemplateView.as_view(), name="import-template"),
    path(
        "import-jobs/<uuid:pk>/errors.xlsx",
        ImportJobViewSet.as_view({"get": "error_file"}),
        name="import-job-error-file",
    ),
    *router.urls,
]
