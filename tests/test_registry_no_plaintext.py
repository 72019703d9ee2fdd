"""Nothing personal in logs, error reports or the database (DESIGN rule 4; the proof issue 4 asks for).

A representative session — registering through the services (18- and 15-digit numbers), updating, rejected
entries (a bad phone, a bad check character, a duplicate), revealing, searching, a household and a tag; the API
(register, a rejected phone, list, search, detail, edit, reveal, export); the pages (search, person page, reveal);
an import with a bad row — runs with every logger captured at DEBUG before any handler's filter
(``django.db.backends`` included, so every SQL statement and its parameters). Then every table is dumped through
raw SQL (sessions decoded), and none of the plaintext ID numbers and phones used may appear in the dump, the logs
or the import's error file. The names may: they are plain on purpose (name search). The redaction filter, the 500
page and the e-mailed error report are tested first.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path
from rest_framework.test import APIClient

from gridgov.core.logredact import RedactingExceptionReporter, RedactPersonalData, redact
from gridgov.registry import services
from gridgov.registry.filters import search_people
from gridgov.registry.importing import confirm_job, create_job
from gridgov.registry.models import AccessLog, Person
from gridgov.registry.validation import upgrade_15

from .factories import MiniCity
from .registry_factories import make_ric

GRID = "441302001001001"

RIC = make_ric(dt.date(1980, 5, 17), seq=11)
PHONES = [f"1{d}{d}{i:08d}" for i, d in enumerate("35789435", start=21)]
BAD_PHONE = "1391234567"  # ten digits
BAD_PHONE_2 = "12912345678"  # second digit 2
BAD_PHONE_3 = "1380013800"
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

    configured: dict[str, dict[str, Any]] = settings.LOGGING["handlers"]  # type: ignore[assignment]
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


# --- the whole session, then the database and the logs -----------------------------------------------------


def ric(seq: int, birth: dt.date = dt.date(1979, 8, 21)) -> str:
    return make_ric(birth, seq=seq)


def legacy(seq: int) -> str:
    return f"441302790821{seq:03d}"  # the 15-digit form of ric(seq)


def corrupt(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


class Used:
    """Every plaintext number the session types in or reads out."""

    def __init__(self) -> None:
        self.numbers: set[str] = set()

    def __call__(self, *values: str) -> str:
        self.numbers.update(v for v in values if v)
        return values[0]


def dump_database() -> str:
    """Every value of every row of every table, through raw SQL on the test connection."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
            parts.append(f"<{table}>")
    # Session data is signed, compressed base64: a number in it would not show as digits, so decode it too.
    from django.contrib.sessions.models import Session

    parts.extend(str(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(parts)


def record_text(rec: logging.LogRecord) -> str:
    """What a formatter could print of a record: the message, the traceback, the stack and Django's extras."""
    out = [rec.getMessage()]
    if rec.exc_info:
        out.append(logging.Formatter().formatException(rec.exc_info))
    for extra in ("exc_text", "stack_info", "sql", "params"):
        if getattr(rec, extra, None):
            out.append(str(getattr(rec, extra)))
    return "\n".join(out)


def logs_text(texts: list[str]) -> str:
    return "\n".join(texts)


@pytest.fixture
def raw_logs() -> Iterator[list[str]]:
    """Every record of every logger at DEBUG — SQL statements and their parameters included — as it was made,
    before any handler's redaction filter: the code itself must not log plaintext. The text is taken when the
    record arrives, because the filter masks the record in place for the handlers after it."""
    texts: list[str] = []
    seen: set[int] = set()

    class Keep(logging.Handler):
        def emit(self, rec: logging.LogRecord) -> None:
            if id(rec) not in seen:  # a record reaches both "django" and the root
                seen.add(id(rec))
                texts.append(record_text(rec))

    keep = Keep(level=logging.DEBUG)
    # First in line on every logger that has handlers, so that no other handler's filter has touched the record.
    holders = [logging.getLogger(name) for name in ("", "django", "django.server")]
    levels = {name: logging.getLogger(name).level for name in ("", "django", "django.db.backends", "django.request")}
    for holder in holders:
        holder.handlers.insert(0, keep)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    forced = connection.force_debug_cursor
    connection.force_debug_cursor = True  # django.db.backends logs every query with its parameters
    try:
        yield texts
    finally:
        connection.force_debug_cursor = forced
        for holder in holders:
            holder.removeHandler(keep)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
def test_a_session_leaves_no_plaintext_number_in_the_database_or_the_logs(
    city: MiniCity, raw_logs: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    used = Used()
    worker, community, district = (city.users[u] for u in ("worker", "community", "district"))
    house = city.buildings[GRID].houses.order_by("number").first()

    # Register through the services: an 18-digit number, a legacy 15-digit one, phones in several spellings.
    p1 = services.register_person(
        by=worker,
        data={
            "id_number": used(ric(1)),
            "name": "张一",
            "phone": used(PHONES[0]),
            "house": house,
            "current_address": "惠城区某路1号",
        },
    )
    p2 = services.register_person(
        by=worker,
        data={
            "id_number": used(legacy(2), upgrade_15(legacy(2))),
            "name": "张二",
            "house": house,
            "phone": "+86 " + used(PHONES[1])[:3] + "-" + PHONES[1][3:7] + "-" + PHONES[1][7:],
        },
    )
    services.update_person(by=worker, person=p1, changes={"phone": used(PHONES[2]), "occupation": "教师"})
    services.update_person(
        by=worker, person=p2, changes={"phone": used(PHONES[3])}, expected_version=1, base={"phone": PHONES[1]}
    )
    # Failed validations: a bad phone with a good number, a bad number with a good phone; nothing is written.
    for data in (
        {"id_number": used(ric(3)), "name": "张三", "phone": used(BAD_PHONE), "house": house},
        {"id_number": used(corrupt(ric(4))), "name": "张四", "phone": used(PHONES[4]), "house": house},
        {"id_number": used(ric(1)), "name": "重复", "house": house},  # a duplicate
    ):
        with pytest.raises(ValidationError):
            services.register_person(by=worker, data=data)
    # Reveal, search, a household and a tag.
    for field in ("id_number", "phone", "current_address"):
        services.reveal(by=worker, person=p1, field=field, reason="入户核对身份", ip="10.0.0.1")
    assert services.reveal(by=community, person=p2, field="id_number", reason="核对户籍信息") == upgrade_15(legacy(2))
    visible = Person.objects.visible_to(worker)
    assert [p.pk for p in search_people(visible, ric(1))] == [p1.pk]
    assert [p.pk for p in search_people(visible, legacy(2))] == [p2.pk]
    assert [p.pk for p in search_people(visible, PHONES[2])] == [p1.pk]
    assert list(search_people(visible, PHONES[0])) == []  # the old phone is gone
    household = services.create_household(by=worker, number="H-0001", head=p1, on=dt.date(2026, 1, 5))
    services.add_member(by=worker, household=household, person=p2, relation="spouse", on=dt.date(2026, 1, 5))
    services.tag_person(
        by=worker, person=p1, kind="elderly_alone", on=dt.date(2026, 1, 5), details={"emergency_contact": "张二"}
    )

    # The API: register (and a rejected phone), list, search by number, detail, edit, reveal, export.
    api = APIClient()
    api.force_authenticate(worker)
    created = api.post(
        "/api/v1/persons/",
        {"id_number": used(ric(5)), "name": "李五", "phone": used(PHONES[5]), "house": house.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    rejected = api.post(
        "/api/v1/persons/",
        {"id_number": used(ric(6)), "name": "李六", "phone": used(BAD_PHONE_2), "house": house.pk},
        format="json",
    )
    assert rejected.status_code == 400 and "phone" in rejected.json()
    pk5 = created.json()["id"]
    assert api.get("/api/v1/persons/").status_code == 200
    assert api.get("/api/v1/persons/", {"q": PHONES[5]}).json()["count"] == 1
    assert api.post("/api/v1/persons/search/", {"q": ric(5)}, format="json").json()["count"] == 1
    detail = api.get(f"/api/v1/persons/{pk5}/")
    assert detail.status_code == 200
    edited = api.patch(
        f"/api/v1/persons/{pk5}/", {"phone": used(PHONES[6]), "version": detail.json()["version"]}, format="json"
    )
    assert edited.status_code == 200, edited.content
    revealed = api.post(f"/api/v1/persons/{pk5}/reveal/", {"field": "phone", "reason": "电话回访核实"}, format="json")
    assert revealed.json()["value"] == PHONES[6]
    exporter = APIClient()
    exporter.force_authenticate(district)
    assert exporter.get("/api/v1/persons/export.xlsx", {"q": PHONES[6]}).status_code == 200

    # The pages: search by number (posted), the person page, reveal with a reason.
    web = Client()
    web.force_login(worker)
    assert web.post("/registry/", {"q": ric(1)}).status_code == 200
    assert web.get(f"/registry/people/{p1.pk}/").status_code == 200
    shown = web.post(f"/registry/people/{p1.pk}/reveal/phone/", {"reason": "联系本人核实"})
    assert PHONES[2] in shown.content.decode()  # the one place the plaintext may go: the revealing user's screen

    # An import with a good row and a bad one (bad phone, bad check character).
    content = "证件号码,姓名,人口类型,联系电话,网格编码,楼栋编码,房号\n"
    content += f"{used(ric(7))},王七,户籍人口,{used(PHONES[7])},{GRID},{GRID}00001,101\n"
    content += f"{used(corrupt(ric(8)))},王八,户籍人口,{used(BAD_PHONE_3)},{GRID},{GRID}00001,101\n"
    with django_capture_on_commit_callbacks(execute=True):
        job = create_job(by=community, kind="person", upload=SimpleUploadedFile("people.csv", content.encode()))
    job.refresh_from_db()
    assert (job.valid_rows, job.error_rows) == (1, 1), job.summary
    with django_capture_on_commit_callbacks(execute=True):
        confirm_job(by=community, job=job)
    job.refresh_from_db()
    assert job.created_rows == 1
    error_file = job.error_file.open("rb").read().decode("utf-8", "replace") if job.error_file else ""

    assert Person.objects.count() == 4  # p1, p2, the API's and the import's
    assert AccessLog.objects.count() >= 6
    assert len(used.numbers) >= 20
    database, logs = dump_database(), logs_text(raw_logs)
    assert "registry_person" in database and "INSERT INTO" in logs  # the dump and the capture are real
    assert "张一" in database  # names are plain on purpose
    assert "_auth_user_id" in database  # the web session was decoded
    leaks = {
        where: sorted(n for n in used.numbers if n in text)
        for where, text in (("database", database), ("logs", logs), ("error file", error_file))
    }
    assert leaks == {"database": [], "logs": [], "error file": []}


@pytest.mark.django_db
def test_the_dump_and_the_capture_would_see_a_leak(city: MiniCity, raw_logs: list[str]) -> None:
    """The proof above is only as good as its instruments: a number logged in plain, or written in plain to any
    column, is found."""
    logging.getLogger("gridgov.anything").debug("registered %s", RIC)  # before any handler's filter
    with connection.cursor() as cursor:
        cursor.execute("UPDATE territory_building SET name = %s", [MOBILE])
    assert RIC in logs_text(raw_logs)
    assert MOBILE in dump_database()
    assert MOBILE in logs_text(raw_logs)  # the UPDATE's parameters, from django.db.backends


def test_a_celery_worker_keeps_the_masking_handlers() -> None:
    """A worker configures logging when it starts; it must not swap Django's handlers for its own."""
    import os

    from celery.app.log import Logging

    from gridgov.config.celery import app

    root = logging.getLogger()
    before = (list(root.handlers), list(logging.getLogger("celery.task").handlers))
    saved_env = {k: os.environ.get(k) for k in ("_MP_FORK_LOGLEVEL_", "_MP_FORK_LOGFILE_", "_MP_FORK_LOGFORMAT_")}
    try:
        app.log.setup_logging_subsystem(loglevel="INFO")
        assert (list(root.handlers), list(logging.getLogger("celery.task").handlers)) == before
    finally:  # put everything back, even when the worker did take over
        root.handlers[:] = before[0]
        logging.getLogger("celery.task").handlers[:] = before[1]
        Logging._setup = False
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
