"""A schedule record to test the rules on, with readable defaults."""

from __future__ import annotations

from dashboard.core.schedule import ScheduleState
from dashboard.timeutil import SECOND

S = SECOND
T0 = 1_767_225_600 * S  # 2026-01-01T00:00:00Z


def state(**overrides: object) -> ScheduleState:
    """Interval 60 s, grace 30 s, never pinged, unless overridden."""
    fields: dict[str, object] = dict(
        id="h", interval=60, grace=30, methods=("GET",), enabled=True, status="new",
        last_ping_at=None, next_due_at=None, miss_at=None,
    )
    fields.update(overrides)
    return ScheduleState(**fields)  # type: ignore[arg-type]
