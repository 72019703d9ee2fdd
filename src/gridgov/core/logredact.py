"""Masking of ID numbers and mobile numbers in log records and error reports (DESIGN rule 4, defence in depth).

Personal values never reach a log on purpose: they are encrypted at rest, searched by blind index, and a
:class:`~gridgov.core.sensitive.Sensitive` prints masked. This filter catches what slips through anyway — a number
typed into a search box and echoed in an exception message, a request's query string in ``django.server``, a
local variable in an e-mailed error report. Anything that looks like an 18-character ID number (17 digits and a
digit or X), a legacy 15-digit ID number, or an 11-digit mainland mobile number (``1[3-9]``, optionally with
``+86``/``86`` and spaces or dashes between the groups) is masked the way the UI masks it
(``4413**********1234``, ``138****5678``).

It errs on the safe side: a 15-digit grid code in a log line is masked too (its first and last four digits stay).
In a URL's query string (``GET /api/v1/persons/?q=…`` in ``django.server``) every run of 7 or more digits is
masked (:func:`mask_digit_runs`): a search for part of a number, or a name and a number typed together, is not
shaped like either number but still gives it away.

Settings install :class:`RedactPersonalData` on every handler of ``LOGGING`` and give the ``mail_admins``
handler :class:`RedactingExceptionReporter`, so the e-mailed error report (traceback, GET/POST, local variables)
is masked as well. With DEBUG off the 500 page itself says nothing but "Server Error".
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter

from .sensitive import mask_idno, mask_phone

# Not inside a longer run of digits (or letters after an ID number: a 17-digit run followed by "XY" is not one).
ID_NUMBER = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")
MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
LONG_DIGITS = re.compile(r"\d{7,}")
QUERY_STRING = re.compile(r"\?[^\s\"'<>]+")


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    return run[:3] + "*" * (len(run) - 3)


def mask_digit_runs(text: str) -> str:
    """``text`` with every run of 7 or more digits masked after its first three (``1380013****`` would still
    say too much): for free text that may hold part of an ID or phone number, or one among other words."""
    return LONG_DIGITS.sub(_mask_run, text)


def _mask_query(match: re.Match[str]) -> str:
    return mask_digit_runs(match.group(0))


def _mask_id(match: re.Match[str]) -> str:
    return mask_idno(match.group(0).upper())


def _mask_mobile(match: re.Match[str]) -> str:
    return mask_phone("".join(match.groups()))


def redact(text: str) -> str:
    """``text`` with every ID-number-like and mobile-number-like run masked."""
    if not any(c.isdigit() for c in text):
        return text
    text = MOBILE.sub(_mask_mobile, ID_NUMBER.sub(_mask_id, text))
    return QUERY_STRING.sub(_mask_query, text) if "?" in text else text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    return value


class RedactPersonalData(logging.Filter):
    """A handler filter: masks personal numbers in the message, its arguments, the traceback and the stack.

    When something had to be masked, the message is stored already formatted (``msg`` = the masked text, no
    ``args``); otherwise the record is left as it was, so that handlers grouping by message template still can.
    It never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a badly formatted record: mask its parts, let the handler report it
            record.msg = _redact_value(record.msg)
            if isinstance(record.args, dict):
                record.args = {k: _redact_value(v) for k, v in record.args.items()}
            elif isinstance(record.args, tuple):
                record.args = tuple(_redact_value(v) for v in record.args)
        else:
            masked = redact(message)
            if masked != message:
                record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        sql = getattr(record, "sql", None)  # django.db.backends puts the statement on the record too
        if isinstance(sql, str):
            record.sql = redact(sql)
        return True


class RedactingExceptionReporter(ExceptionReporter):
    """The error report e-mailed to ADMINS, with personal numbers masked in the traceback, the exception value,
    the request's GET/POST/META and the frames' local variables."""

    # Masking only puts "*" in place of digits: escaped HTML stays escaped.
    def get_traceback_text(self) -> SafeString:
        return mark_safe(redact(str(super().get_traceback_text())))

    def get_traceback_html(self) -> SafeString:
        return mark_safe(redact(str(super().get_traceback_html())))
