"""Every page names the site's icon, so browsers do not ask for a /favicon.ico that is not there (a 404 in every
console)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_login_page_names_an_icon_that_exists() -> None:
    html = Client().get("/accounts/login/").content.decode()
    match = re.search(r'<link rel="icon" href="/static/([^"]+)"', html)
    assert match, "no icon link"
    name = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", match.group(1))  # a hashed name → its source
    assert finders.find(name)
