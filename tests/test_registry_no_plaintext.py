"""Nothing personal in logs, error reports or the database (DESIGN rule 4; the proof issue 4 asks for).

A representative session — registering, updating, revealing, searching, a rejected phone, the API if present — runs
with every logger captured at DEBUG (``django.db.backends`` included, so every SQL statement and its parameters);
then the whole database is dumped through raw SQL and the logs are joined, and none of the plaintext ID numbers
and phones used may appear in either. The names may: they are plain on purpose (name search).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from gridgov.core.logredact import RedactingExceptionReporter, RedactPersonalData, redact

from .registry_factories import make_ric

RIC = make_ric(dt.date(1980, 5, 17), seq=11)
RIC_X = "11010519491231002X"  # the GB 11643 example: check character X
LEGACY = "441302800517001"
MOBILE = "13912345678"


# --- the redaction filter ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"id {RIC} end", f"id {RIC[:4]}{'*' * 10}{RIC[-4:]} end"),
        (f"id={RIC_X.lower()}", "id=1101**********002X"),
        (f"legacy {LEGACY}.", "legacy 4413*******7001."),
        (f"phone {MOBILE}", "phone 139****5678"),
        ("phone +86 139-1234-5678;", "phone 139****5678;"),
        ("phone 8613912345678", "phone 139****5678"),
        (f"q={MOBILE}&page=2", "q=139****5678&page=2"),
        (f"名字张三电话{MOBILE}身份证{RIC}", f"名字张三电话139****5678身份证{RIC[:4]}{'*' * 10}{RIC[-4:]}"),
    ],
)
def test_it_masks_id_numbers_and_mobiles(text: str, masked: str) -> None:
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "region 441302001001, grid sequence 001",  # a 12-digit region code is not an ID number
        "4413021980051700 has 16 digits",
        "1234567890123456789 has 19",
        "timestamp 1732712345678 ms",  # 13 digits starting like a mobile
        "at 2026-11-27 13:45:12 took (0.001)",
        "case 20261127000123",
        "12345678901 is not a mobile (second digit 2)",
    ],
)
def test_it_leaves_other_numbers_alone(text: str) -> None:
    assert redact(text) == text


def record(msg: object, *args: object, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("gridgov.test", logging.WARNING, __file__, 1, msg, args or None, exc_info)  # type: ignore[arg-type]


def test_the_filter_masks_message_args_and_traceback_and_keeps_the_record() -> None:
    try:
        raise ValueError(f"bad number {RIC}")
    except ValueError:
        import sys

        rec = record("person %s phone %s", RIC, int(MOBILE), exc_info=sys.exc_info())
    assert RedactPersonalData().filter(rec) is True
    text = logging.Formatter().format(rec)
    assert RIC not in text and MOBILE not in text
    assert "4413**********" in text and "139****5678" in text and "ValueError" in text


def test_a_record_without_personal_numbers_keeps_its_template() -> None:
    rec = record("case %s dispatched to %s", "2026000123", "unit 7")
    RedactPersonalData().filter(rec)
    assert rec.msg == "case %s dispatched to %s" and rec.args == ("2026000123", "unit 7")


def test_a_badly_formatted_record_is_still_masked() -> None:
    rec = record("person %s %s", RIC)  # one argument short
    RedactPersonalData().filter(rec)
    assert RIC not in str(rec.msg) + str(rec.args)


def test_every_configured_handler_masks() -> None:
    """Settings install the filter on every handler of LOGGING, and Django's own loggers use those handlers
    (pytest's capturing handlers, also attached here, are not ours to check)."""
    from django.conf import settings

    configured: dict[str, dict[str, Any]] = settings.LOGGING["handlers"]
    assert all("redact" in handler.get("filters", []) for handler in configured.values())
    in_use = {
        lg: {h.name: h for h in logging.getLogger(lg).handlers if h.name in configured}
        for lg in ("", "django", "django.server")
    }
    assert {lg: set(hs) for lg, hs in in_use.items()} == {
        "": {"console"},
        "django": {"mail_admins"},
        "django.server": {"server"},
    }
    for handlers in in_use.values():
        for h in handlers.values():
            assert any(isinstance(f, RedactPersonalData) for f in h.filters)


# --- error pages and error reports (DEBUG off) ---------------------------------------------------------------


def crash(request: HttpRequest) -> HttpResponse:
    id_number = request.POST.get("id_number", "")  # a local variable the report would show
    raise ValueError(f"cannot register {id_number} / {request.GET.get('q')}")


urlpatterns = [path("crash/", crash)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False, ADMINS=[("ops", "ops@example.com")])
def test_the_500_page_and_the_error_report_show_nothing_personal(db: None) -> None:
    client = Client(raise_request_exception=False)
    response = client.post(f"/crash/?q={MOBILE}", {"id_number": RIC, "phone": MOBILE})
    assert response.status_code == 500
    body = response.content.decode()
    assert RIC not in body and MOBILE not in body
    assert len(mail.outbox) == 1  # the report went out, masked
    report = mail.outbox[0]
    texts = [report.subject, str(report.body)] + [str(alt[0]) for alt in getattr(report, "alternatives", [])]
    assert "cannot register" in report.body and "4413**********" in report.body
    for text in texts:
        assert RIC not in text and MOBILE not in text


def test_the_reporter_masks_the_html_report_too() -> None:
    from django.test import RequestFactory

    request = RequestFactory().get("/x/", {"q": RIC})
    try:
        raise ValueError(MOBILE)
    except ValueError as exc:
        html = RedactingExceptionReporter(request, type(exc), exc, exc.__traceback__).get_traceback_html()
    assert RIC not in html and MOBILE not in html and "139****5678" in html


@pytest.fixture
def all_logs_at_debug() -> Iterator[list[logging.LogRecord]]:
    """Every record of every logger, before any handler's filter (so the code itself must not log plaintext)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, rec: logging.LogRecord) -> None:
            records.append(rec)

    keep = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    touched = {name: logging.getLogger(name).level for name in ("", "django", "django.db.backends", "django.request")}
    root.addHandler(keep)
    for name in touched:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        root.removeHandler(keep)
        for name, level in touched.items():
            logging.getLogger(name).setLevel(level)
