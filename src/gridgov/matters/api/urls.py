"""/api/v1/matter-categories/ and /api/v1/matter-changes/ (wired into config/api_urls.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import MatterCategoryViewSet, MatterChangeViewSet

router = SimpleRouter()
router.register("matter-categories", MatterCategoryViewSet, basename="mattercategory")
router.register("matter-changes", MatterChangeViewSet, basename="matterchange")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
