"""Part of an ID or phone number, or a name and a number typed together, is masked in an export's access-log
row and file header, and in a logged URL's query string — not only a search that is exactly one number."""

from __future__ import annotations

import logging

import pytest
from django.http import QueryDict
from django.test import Client

from gridgov.core.logredact import RedactPersonalData, redact
from gridgov.registry.models import AccessLog
from gridgov.registry.views.exports import describe_filters

from .factories import MiniCity
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db

GRID = "441302001001001"


@pytest.mark.parametrize(
    "typed",
    [
        make_ric(seq=1)[:17],  # 17 digits: the check character is computable
        make_ric(seq=1)[:16],
        "张三 13800138000",
        "张三13800138000",
        "1380013",
    ],
)
def test_describe_filters_masks_every_long_run_of_digits(typed: str) -> None:
    digits = "".join(c for c in typed if c.isdigit())
    params = QueryDict(mutable=True)
    params.update({"q": typed, "area": GRID})
    described = describe_filters(params)
    assert digits not in described
    assert digits[3:] not in described
    assert f"area={GRID}" in described  # a place's code is not personal


def test_a_short_number_and_a_name_are_kept() -> None:
    assert describe_filters(QueryDict("q=张三&age_min=60")) == "q=张三&age_min=60"


def test_the_export_log_and_header_hold_no_partial_id_number(city: MiniCity, client: Client) -> None:
    make_person(city, seq=1)
    partial = make_ric(seq=1)[:17]
    client.force_login(city.users["community"])
    response = client.post("/registry/export/people.xlsx", {"q": f"居民1 {partial}"})
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert partial not in log.detail and partial[3:] not in log.detail
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    text = " ".join(str(c.value) for row in sheet.iter_rows(max_row=3) for c in row if c.value is not None)
    assert partial[3:] not in text


@pytest.mark.parametrize(
    "line",
    [
        '"GET /api/v1/persons/?q=44130219800517001 HTTP/1.1" 200 512',
        '"GET /api/v1/persons/?q=4413021980051700 HTTP/1.1" 200 512',
        '"GET /registry/?q=%E5%BC%A0%E4%B8%89%2013800138000 HTTP/1.1" 200 512',
        '"GET /registry/?area=441302&q=1380013 HTTP/1.1" 200 512',
    ],
)
def test_the_log_redactor_masks_long_digit_runs_in_a_query_string(line: str) -> None:
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, "%s", (line,), None)
    RedactPersonalData().filter(record)
    out = record.getMessage()
    assert "8005170" not in out and "0013800" not in out and "380013" not in out
    assert out.endswith("200 512")  # outside the query string nothing changes


def test_the_log_redactor_leaves_long_numbers_outside_a_url_alone() -> None:
    assert redact("took 1234567 us") == "took 1234567 us"
