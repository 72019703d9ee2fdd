"""Every change to a case goes through these functions (views and serializers call them, nothing else writes)."""

from .base import CaseConflict, IdempotencyConflict, TransitionNotAllowed
from .intake import IntakeResult, me_too, merge_duplicate, report_case
from .mediation import advance_mediation, open_mediation, record_session
from .rating import rate_case, reopen_case
from .transitions import (
    accept_case,
    approve_extension,
    dispatch_case,
    escalate_case,
    handle_case,
    redo_case,
    refuse_extension,
    reject_case,
    remind_case,
    request_extension,
    return_case,
    self_settle,
    sign_case,
    supervise_case,
    verify_case,
)
from .whistle import finish_part, report_in, summon_units

__all__ = [
    "CaseConflict",
    "IdempotencyConflict",
    "IntakeResult",
    "TransitionNotAllowed",
    "accept_case",
    "advance_mediation",
    "approve_extension",
    "dispatch_case",
    "escalate_case",
    "finish_part",
    "handle_case",
    "me_too",
    "merge_duplicate",
    "open_mediation",
    "rate_case",
    "record_session",
    "redo_case",
    "refuse_extension",
    "reject_case",
    "remind_case",
    "reopen_case",
    "report_case",
    "report_in",
    "request_extension",
    "return_case",
    "self_settle",
    "sign_case",
    "summon_units",
    "supervise_case",
    "verify_case",
]
