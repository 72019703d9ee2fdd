"""Reading an uploaded file as rows: .xlsx (openpyxl, read-only, first sheet) or .csv (UTF-8 with or without a
BOM, else GB18030 — what offices' Excel writes when it saves "CSV" on a Chinese Windows).

Rows come out as ``(row_number, {header: cell})`` where ``row_number`` is the row as the user sees it in the
spreadsheet (the header is row 1); wholly empty rows are skipped but keep their numbers counted."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .columns import normalize_header

Row = tuple[int, dict[str, Any]]

SUFFIXES = (".xlsx", ".csv")


def suffix_of(filename: str) -> str:
    name = filename.lower()
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return suffix
    raise ValidationError(_("只支持 .xlsx 或 .csv 文件。"), code="format")


def cell_text(value: Any) -> Any:
    """A cell as text, except dates (kept as dates). Numbers typed into Excel come back as int/float: an ID or
    phone number stored as a number must not turn into ``4.41302e+17`` or ``13800000000.0``."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is not an error
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _rows_from_records(records: Iterator[list[Any]]) -> tuple[list[str], Iterator[Row]]:
    headers: list[str] = []
    for first in records:
        headers = [normalize_header(h) for h in first]
        break

    def rows() -> Iterator[Row]:
        for number, record in enumerate(records, start=2):
            cells = [cell_text(v) for v in record]
            if not any(c != "" for c in cells):
                continue
            yield number, {h: cells[i] if i < len(cells) else "" for i, h in enumerate(headers) if h}

    return headers, rows()


def _csv_error() -> ValidationError:
    return ValidationError(
        _("无法读取该 CSV 文件:有一格内容过长或引号不成对。请用模板另存为 .xlsx 或 UTF-8 编码的 CSV 后重试。"),
        code="csv",
    )


class FileRows:
    """The rows of an open file. ``headers``: the normalised header row; ``total``: data rows (an estimate for
    .xlsx files that do not record their dimension, counted otherwise); iterate for the rows."""

    def __init__(self, fileobj: IO[bytes], filename: str) -> None:
        self.suffix = suffix_of(filename)
        self._file = fileobj
        self._workbook: Any = None
        self._text: Any = None
        if self.suffix == ".xlsx":
            self._open_xlsx()
        else:
            self._open_csv()

    def _open_xlsx(self) -> None:
        import zipfile

        from openpyxl import load_workbook

        try:
            self._workbook = load_workbook(self._file, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ValidationError(_("无法读取该 Excel 文件,请使用模板另存为 .xlsx 后重试。"), code="xlsx") from exc
        sheet = self._workbook.worksheets[0]
        self.total = max(0, (sheet.max_row or 1) - 1)
        try:
            self.headers, rows = _rows_from_records(
                list(r)
                for r in sheet.iter_rows(values_only=True)  # type: ignore[arg-type]
            )
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ValidationError(_("无法读取该 Excel 文件,请使用模板另存为 .xlsx 后重试。"), code="xlsx") from exc
        self._rows = self._xlsx_checked(rows)

    def _open_csv(self) -> None:
        head = self._file.read(65536)
        encoding = detect_encoding(head)
        self._file.seek(0)
        lines = 0
        last = b""
        while block := self._file.read(1 << 20):
            lines += block.count(b"\n")
            last = block
        self.total = max(0, lines - 1 + (1 if last and not last.endswith(b"\n") else 0))
        self._file.seek(0)
        # Streamed: a million-row file is never held in memory whole.
        text = io.TextIOWrapper(self._file, encoding=encoding, newline="")  # type: ignore[type-var]
        self._text = text
        try:
            self.headers, rows = _rows_from_records(iter(csv.reader(text)))
        except UnicodeDecodeError as exc:
            raise ValidationError(_("无法识别文件编码,请另存为 UTF-8 编码的 CSV。"), code="encoding") from exc
        except csv.Error as exc:
            raise _csv_error() from exc
        self._rows = self._decoded(rows)

    @staticmethod
    def _decoded(rows: Iterator[Row]) -> Iterator[Row]:
        # Every way a file can be unreadable is a ValidationError with the user's message: the job then fails
        # validation like any bad file, and its upload (plain ID numbers) is deleted.
        try:
            yield from rows
        except UnicodeDecodeError as exc:
            raise ValidationError(_("无法识别文件编码,请另存为 UTF-8 编码的 CSV。"), code="encoding") from exc
        except csv.Error as exc:
            raise _csv_error() from exc

    @staticmethod
    def _xlsx_checked(rows: Iterator[Row]) -> Iterator[Row]:
        import zipfile

        try:
            yield from rows
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ValidationError(_("无法读取该 Excel 文件,请使用模板另存为 .xlsx 后重试。"), code="xlsx") from exc

    def __iter__(self) -> Iterator[Row]:
        return self._rows

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
        if self._text is not None:
            self._text.detach()  # the caller closes the file itself
