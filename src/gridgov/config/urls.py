from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = _("gridgov 网格化基层治理")
admin.site.site_title = _("gridgov 管理")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("gridgov.config.api_urls")),
    path("accounts/", include("gridgov.accounts.urls")),
    path("territory/", include("gridgov.territory.urls")),
    path("notifications/", include("gridgov.core.urls")),
    path("cases/", include("gridgov.cases.urls")),
    path("registry/", include("gridgov.registry.urls")),
    path("field/", include("gridgov.fieldwork.urls")),
    path("", include("gridgov.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
