"""Importing people, households, houses and organisations from Excel (.xlsx) and CSV files.

Entry points:

- :func:`create_job` (upload) → the ``validate_import`` task → :func:`run_validation` (dry run) →
  :func:`confirm_job` → the ``commit_import`` task → :func:`run_commit` (chunks of :data:`CHUNK_SIZE` rows, each
  one transaction with the job's ``committed_rows``; a job that died mid-commit resumes from there).
- :func:`import_file` (validate and commit a job in this process) and :func:`import_rows` (rows as dicts keyed by
  the Chinese headers, no job, no file) — for the benchmark and scripts.
- :func:`build_template` (the .xlsx template of a kind), :func:`build_error_file`.

See docs/registry-import.md.
"""

from .columns import COLUMNS, Column
from .engine import OUT_OF_SCOPE, Importer, Outcome, RowError, importer_for
from .files import XLSX_CONTENT_TYPE, build_error_file, build_template, template_filename
from .jobs import (
    CHUNK_SIZE,
    ImportResult,
    confirm_job,
    create_job,
    import_file,
    import_rows,
    importable_kinds,
    may_import,
    require_kind,
    run_commit,
    run_validation,
)
from .reader import FileRows

__all__ = [
    "CHUNK_SIZE",
    "COLUMNS",
    "OUT_OF_SCOPE",
    "XLSX_CONTENT_TYPE",
    "Column",
    "FileRows",
    "ImportResult",
    "Importer",
    "Outcome",
    "RowError",
    "build_error_file",
    "build_template",
    "confirm_job",
    "create_job",
    "import_file",
    "import_rows",
    "importable_kinds",
    "importer_for",
    "may_import",
    "require_kind",
    "run_commit",
    "run_validation",
    "template_filename",
]
