from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from .boundary_import import import_boundaries
from .forms import BoundaryImportForm
from .models import Building, Grid, House, Region, TerritoryState


class ImportBoundariesMixin(admin.ModelAdmin):
    """An "导入边界" page beside the change list: the same all-or-nothing import as ``manage.py
    import_boundaries``, from an upload. Needs both add and change permission on the model."""

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_import_boundaries"
        view = self.admin_site.admin_view(self.import_boundaries_view)
        return [path("import-boundaries/", view, name=name), *super().get_urls()]  # type: ignore[list-item]

    def import_boundaries_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        import_errors: list[str] = []
        form = BoundaryImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            result = import_boundaries(form.cleaned_data["file"].read(), form.cleaned_data["crs"])
            if result.ok:
                self.message_user(request, _("导入完成。") + result.summary(), messages.SUCCESS)
                opts = self.model._meta
                return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            import_errors = [str(e) for e in result.errors]
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("导入边界"),
            "form": form,
            "import_errors": import_errors,
        }
        return TemplateResponse(request, "admin/territory/import_boundaries.html", context)


@admin.register(Region)
class RegionAdmin(ImportBoundariesMixin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "area_m2"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["area_m2"]


@admin.register(Grid)
class GridAdmin(ImportBoundariesMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "special_kind", "region", "households_estimate", "is_active", "valid_to"]
    list_filter = ["kind", "special_kind", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["region", "parent"]
    readonly_fields = ["area_m2"]


class HouseInline(admin.TabularInline):
    model = House
    extra = 0


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "grid", "floors", "households"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["grid"]
    list_select_related = ["grid"]


@admin.register(House)
class HouseAdmin(admin.ModelAdmin):
    list_display = ["building", "number", "floor", "area_m2"]
    search_fields = ["building__code", "number"]
    autocomplete_fields = ["building"]
    list_select_related = ["building"]


@admin.register(TerritoryState)
class TerritoryStateAdmin(admin.ModelAdmin):
    list_display = ["version", "changed_at"]

    def has_add_permission(self, request: object) -> bool:
        return False
