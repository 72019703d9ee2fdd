from .patrols import CheckIn, Patrol, PatrolStatus, TrackPoint
from .sync import ClientRecord, FieldPhoto, RecordKind
from .tasks import OPEN_TASK_STATUSES, Task, TaskKind, TaskStatus
from .visits import Visit

__all__ = [
    "OPEN_TASK_STATUSES",
    "CheckIn",
    "ClientRecord",
    "FieldPhoto",
    "Patrol",
    "PatrolStatus",
    "RecordKind",
    "Task",
    "TaskKind",
    "TaskStatus",
    "TrackPoint",
    "Visit",
]
