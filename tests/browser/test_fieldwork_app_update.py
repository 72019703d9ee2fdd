"""In Chromium at phone size: after a new version of one of the app's modules (and so a new service worker) the page
runs the new module, never the new page with the old modules (docs/fieldwork-app.md "Installability and the service
worker"). The new worker precaches past the browser's HTTP cache (``cache: "reload"``: a plain-name module is
served with max-age), and the page reloads itself once when the new worker takes control.

The server's static files are changed under it: a copy of ``outbox.js`` with a mark in a directory searched before
the app's own (tests/browser/static_override_settings.py); the server is restarted to see the new version (it keeps
the files' digest, the worker's version, in memory)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser import test_fieldwork_offline as offline
from tests.browser.field_server import REPO, FieldServer

pytestmark = [pytest.mark.browser]

phone = offline.phone

SETUP = """
import json
from tests.case_factories import build_case_city
build_case_city()
print(json.dumps({}))
"""

OUTBOX = REPO / "src/gridgov/fieldwork/static/fieldwork/app/outbox.js"


def write_outbox(override: Path, mark: str) -> None:
    target = override / "fieldwork" / "app" / "outbox.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(OUTBOX.read_text(encoding="utf-8") + f'\nself.gridgovOutboxMark = "{mark}";\n', encoding="utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FieldServer, dict[str, Any]]]:
    root = Path(tmp_path_factory.mktemp("field-server-update"))
    override = root / "static-override"
    write_outbox(override, "v1")
    srv = FieldServer(
        root / "data",
        env={
            "DJANGO_SETTINGS_MODULE": "tests.browser.static_override_settings",
            "GRIDGOV_TEST_STATIC_OVERRIDE": str(override),
        },
    )
    srv.migrate()
    srv.run_python(SETUP)
    srv.start()
    yield srv, {"override": str(override)}
    srv.kill()


def test_after_a_module_changed_the_page_runs_the_new_module(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, ids = server
    _context, page = phone
    assert page.evaluate("self.gridgovOutboxMark") == "v1"
    version = page.evaluate("navigator.serviceWorker.controller.scriptURL")

    write_outbox(Path(ids["override"]), "v2")
    srv.kill()
    srv.start()
    page.reload()
    # The new worker installs and takes control; the page reloads once and runs the new module.
    deadline = time.monotonic() + 30
    while True:
        try:
            if page.evaluate("self.gridgovOutboxMark") == "v2":
                break
        except PlaywrightError:  # the page reloading under the evaluation
            pass
        assert time.monotonic() < deadline, "the page still runs the old module"
        page.wait_for_timeout(100)
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == version  # same URL, new script
    cached = page.evaluate(
        "caches.keys().then(ks => Promise.all(ks.filter(k => k.startsWith('fieldwork-static-'))"
        ".map(k => caches.open(k).then(c => c.match('/static/fieldwork/app/outbox.js')).then(r => r && r.text()))))"
    )
    assert len(cached) == 1 and 'gridgovOutboxMark = "v2"' in cached[0]
