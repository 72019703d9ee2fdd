from django.contrib import admin

from .models import Building, Grid, House, Region, TerritoryState


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "area_m2"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["area_m2"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
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
