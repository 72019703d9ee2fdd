from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "territory"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.territory_map, name="map"),
    path("grids/<str:code>/", views.grid_detail, name="grid"),
    path("grids/<str:code>/card/", views.grid_card, name="grid-card"),
    path("coverage/", views.coverage_index, name="coverage-index"),
    path("coverage/<str:code>/", views.coverage_report, name="coverage"),
]
