"""The language switch in the header changes the page's language; Chinese is the default."""

from __future__ import annotations

from django.test import Client
from django.utils import translation

from .factories import MiniCity


def test_pages_are_in_chinese_by_default(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    html = client.get("/territory/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "辖区地图" in html


def test_switching_to_english_changes_the_page_language(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/territory/"})
    assert response.status_code == 302 and response["Location"] == "/territory/"
    html = client.get("/territory/").content.decode()
    assert '<html lang="en">' in html
    with translation.override("en"):
        assert translation.gettext("辖区地图") in html
    assert '<option value="en" selected>' in html


def test_switching_back_to_chinese(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()
