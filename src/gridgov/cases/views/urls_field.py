"""Wired into cases/urls.py or config/api_urls.py; its owner fills it in."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
