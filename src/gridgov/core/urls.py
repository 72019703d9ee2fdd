from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "core"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox, name="notifications"),
    path("<int:pk>/read/", views.mark_read, name="notification-read"),
    path("read-all/", views.mark_all_read, name="notifications-read-all"),
]
