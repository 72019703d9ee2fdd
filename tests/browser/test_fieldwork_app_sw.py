"""In Chromium at phone size: the field app's service worker (docs/fieldwork-app.md "Installability and the service
worker") keeps no API answer — they are one user's data, and the pull is kept in that user's IndexedDB — and drops
the shared cache of API answers an earlier version left; the app still opens offline with its data."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import test_fieldwork_attention as attention
from tests.browser.field_server import FieldServer
from tests.browser.test_fieldwork_attention import until
from tests.browser.test_fieldwork_offline import BUILDING
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]

phone = attention.phone
server = attention.server

API_ENTRIES = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) {
      if (new URL(request.url).pathname.startsWith('/api/')) { out.push(name + ' ' + request.url); }
    }
  }
  return out;
}"""


def test_no_api_answer_is_cached_and_the_app_opens_offline_with_its_data(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    _srv, _ids = server
    context, page = phone
    # The phone's pulls (the first, full one, and those since) went through the worker: none was kept.
    page.click("#sync-now")
    page.wait_for_function("gridgovField.outbox.status.lastSync !== null")
    assert page.evaluate(API_ENTRIES) == []
    assert "fieldwork-api" not in page.evaluate("caches.keys()")

    # Offline, the app opens with the pulled data from IndexedDB (the grid's building to check in at).
    pulled_at = page.evaluate("gridgovField.db.get('pulledAt')")
    context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_selector(f"#checkin-building option[value='{BUILDING}']", state="attached")
        page.click("#sync-now")
        page.wait_for_timeout(500)
        # A pull that failed offline did not pass for a fresh one.
        assert page.evaluate("gridgovField.db.get('pulledAt')") == pulled_at
    finally:
        context.set_offline(False)


def test_the_api_answers_an_earlier_version_cached_are_dropped(
    chromium: Any, server: tuple[FieldServer, dict[str, Any]]
) -> None:
    """A phone whose earlier worker kept API answers (in one cache for every user): the new worker deletes them."""
    srv, _ids = server
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{srv.url}/accounts/login/?next=/field/app/")
        page.evaluate(
            "caches.open('fieldwork-api').then(c => c.put('/api/v1/sync/pull/', new Response('{\"people\": []}')))"
        )
        assert page.evaluate(API_ENTRIES) != []
        page.fill("input[name=username]", "worker")
        page.fill("input[name=password]", PASSWORD)
        page.click("form:has(input[name=password]) button[type=submit]")
        page.wait_for_url(f"{srv.url}/field/app/")
        page.wait_for_selector("body[data-ready='1'][data-sw='ready']")
        until(page, "caches.keys().then(k => !k.includes('fieldwork-api'))")
        assert page.evaluate(API_ENTRIES) == []
    finally:
        context.close()
