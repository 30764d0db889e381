"""Plain-text renderings of durations and moments for the dashboard.

Pure functions: the states call them with the moment they read the clock at,
so the tests pin every string without freezing time.
"""

from __future__ import annotations

from datetime import datetime

from dashboard.core import cron
from dashboard.timeutil import UTC

# Units offered by the interval and grace pickers, largest first.
UNITS: dict[str, int] = {"days": 86_400, "hours": 3_600, "minutes": 60, "seconds": 1}
_SHORT = (("day", 86_400), ("h", 3_600), ("min", 60), ("s", 1))


def _plural_day(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def duration_text(seconds: int) -> str:
    """``3600`` → ``"1 h"``; ``5400`` → ``"1 h 30 min"``; at most the two largest units."""
    if seconds <= 0:
        return "0 s"
    parts: list[str] = []
    remaining = seconds
    for label, size in _SHORT:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(_plural_day(count) if label == "day" else f"{count} {label}")
        if len(parts) == 2:
            break
        if parts and not count:
            # "1 day 0 h 5 min" reads worse than "1 day": stop at the first gap.
            break
    return " ".join(parts)


def relative_text(moment: datetime | None, now: datetime, *, never: str = "never") -> str:
    """``"3 min ago"`` / ``"in 5 min"``; one unit, rounded down, like people say it."""
    if moment is None:
        return never
    delta = (now - moment).total_seconds()
    future = delta < 0
    seconds = int(abs(delta))
    if seconds < 5:
        return "just now" if not future else "in a few seconds"
    if seconds < 60:
        amount = f"{seconds} s"
    elif seconds < 3_600:
        amount = f"{seconds // 60} min"
    elif seconds < 86_400:
        amount = f"{seconds // 3_600} h"
    elif seconds < 60 * 86_400:
        amount = _plural_day(seconds // 86_400)
    elif seconds < 365 * 86_400:
        months = seconds // (30 * 86_400)
        amount = f"{months} month" + ("s" if months != 1 else "")
    else:
        years = seconds // (365 * 86_400)
        amount = f"{years} year" + ("s" if years != 1 else "")
    return f"in {amount}" if future else f"{amount} ago"


def exact_text(moment: datetime | None) -> str:
    """The exact moment in UTC, shown on hover: ``2026-11-02 12:00:00.123 UTC``."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


def milliseconds_text(duration_ms: int | float | None) -> str:
    """A job's run time: ``"850 ms"``, ``"12.3 s"``, ``"4 min 2 s"``."""
    if duration_ms is None:
        return ""
    if duration_ms < 1_000:
        return f"{int(duration_ms)} ms"
    if duration_ms < 60_000:
        return f"{duration_ms / 1000:.1f} s"
    return duration_text(int(duration_ms // 1000))


def split_seconds(seconds: int) -> tuple[int, str]:
    """The largest unit that divides ``seconds`` exactly, for pre-filling a form."""
    for unit, size in UNITS.items():
        if seconds and seconds % size == 0:
            return seconds // size, unit
    return seconds, "seconds"


def percent_text(ratio: float | None) -> str:
    """Uptime as people read it: ``99.95 %``; never rounds a failure up to 100."""
    if ratio is None:
        return "–"
    percent = ratio * 100
    if percent < 100 and round(percent, 2) >= 100:
        return "99.99 %"
    return f"{percent:.2f} %".replace(".00 %", " %")


def cadence_text(interval: int | None, schedule: str | None) -> str:
    """How often check-ins are expected: "every 5 min", or the cron schedule in words."""
    if schedule is not None:
        return cron.describe(schedule)
    return f"every {duration_text(interval or 0)}"
