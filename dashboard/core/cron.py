"""Cron expressions: validation that names the field, slots in a time zone, descriptions.

The arithmetic is ``cronsim``'s (the library Healthchecks and Sentry use), so
time zones behave exactly as Debian cron: on the spring-forward day a local time
that does not exist fires at the first valid minute after the gap; on the
fall-back day a local time that occurs twice fires once, at its first
occurrence; expressions whose minute or hour field starts with ``*`` (``*``,
``*/15``) step in absolute time and so also fire in the repeated hour.

Five fields (minute hour day-of-month month day-of-week) with names, ranges,
steps, lists, ``L``/``LW`` (last day / last weekday of the month), ``5L`` (last
Friday), ``MON#2`` (second Monday), and the macros ``@hourly`` ``@daily``
``@weekly`` ``@monthly`` ``@yearly``.  When either day field starts with ``*``
both day fields must match, otherwise either may (Debian's rule).

Slots are integer microseconds since the epoch.  Computing one with cronsim
costs ~35 µs, too much for every check-in, so each (expression, zone) keeps a
window of upcoming slots and answers from it by bisection until time passes it.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cron_descriptor import ExpressionDescriptor, Options
from cronsim import CronSim, CronSimError

from dashboard.timeutil import SECOND, from_micros, to_micros

MAX_LENGTH = 100
MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_NUMBER = re.compile(r"\d+")
# How many upcoming slots a window holds; refilled when time passes its last one.
_WINDOW = 16
_MAX_WINDOWS = 4096


class CronError(ValueError):
    """An expression or a time zone that cannot be used; the message says why."""


# --- validation ------------------------------------------------------------------


def _value(field: int, token: str) -> int:
    """One number or name of a field, range-checked."""
    name = FIELDS[field]
    low, high = _RANGES[field]
    if field == 3 and token.upper() in _MONTHS:
        return _MONTHS.index(token.upper()) + 1
    if field == 4 and token.upper() in _DAYS:
        return _DAYS.index(token.upper())
    if not _NUMBER.fullmatch(token):
        names = " or a name (JAN-DEC)" if field == 3 else " or a name (SUN-SAT)" if field == 4 else ""
        raise CronError(f"{name} {token!r} is not a number{names}")
    value = int(token)
    if not low <= value <= high:
        raise CronError(f"{name} {value} is out of range {low}-{high}")
    return value


def _check_term(field: int, term: str) -> set[int]:
    """The values one comma-separated term selects (empty for L-style terms)."""
    name = FIELDS[field]
    if not term:
        raise CronError(f"{name} has an empty list item")
    if field == 2 and term.upper() in ("L", "LW"):
        return set()
    if field == 4 and term.upper().endswith("L") and len(term) > 1:
        _value(field, term[:-1])
        return set()
    if field == 4 and "#" in term:
        day, _, nth = term.partition("#")
        _value(field, day)
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise CronError(f"{name} {term!r}: the week number after # must be 1-5")
        return set()
    base, slash, step = term.partition("/")
    if slash:
        if not step.isdigit():
            raise CronError(f"{name} step {step!r} is not a number")
        if int(step) == 0:
            raise CronError(f"{name} step must be at least 1")
    low, high = _RANGES[field]
    if base == "*":
        return set(range(low, high + 1))
    start_text, dash, end_text = base.partition("-")
    start = _value(field, start_text)
    if not dash:
        return set(range(start, high + 1)) if slash else {start}
    end = _value(field, end_text)
    if end < start:
        raise CronError(f"{name} range {base} runs backwards")
    return set(range(start, end + 1))


def _check_fields(parts: list[str]) -> None:
    selected = [set().union(*(_check_term(field, term) for term in part.split(","))) for field, part in enumerate(parts)]
    days, months = selected[2], selected[3]
    day_and = parts[2].startswith("*") or parts[4].startswith("*")
    if day_and and days and months and min(days) > max(_DAYS_IN_MONTH[m - 1] for m in months):
        names = ", ".join(_MONTH_NAMES[m - 1] for m in sorted(months))
        raise CronError(f"never fires: {names} {'has' if len(months) == 1 else 'have'} no day {min(days)}")


def evaluable(expression: str) -> str:
    """The five-field expression cronsim evaluates (macros expanded)."""
    return MACROS.get(expression.lower(), expression)


def validate_schedule(raw: str) -> str:
    """The expression as stored (whitespace tidied), or ``CronError`` saying what is wrong."""
    expression = " ".join(raw.split())
    if not expression:
        raise CronError("is empty")
    if len(expression) > MAX_LENGTH:
        raise CronError(f"is longer than {MAX_LENGTH} characters")
    if expression.startswith("@"):
        if expression.lower() not in MACROS:
            raise CronError(f"unknown macro {expression!r}; use one of {', '.join(MACROS)}")
        return expression.lower()
    parts = expression.split()
    if len(parts) != 5:
        raise CronError(f"needs 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}")
    _check_fields(parts)
    try:
        next(CronSim(expression, datetime(2000, 1, 1, tzinfo=UTC)))
    except CronSimError as exc:
        raise CronError(str(exc).lower()) from None
    except StopIteration:
        raise CronError("never fires") from None
    return expression


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(name: str) -> str:
    """An IANA zone name as given, or ``CronError``."""
    if name not in timezone_names():
        raise CronError(f"unknown time zone {name[:64]!r}; use an IANA name such as Europe/Berlin")
    return name


@lru_cache(maxsize=1024)
def zone(name: str) -> tzinfo:
    """The zone; UTC as ``datetime.UTC`` so cronsim skips its DST handling for it."""
    if name in ("UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {name[:64]!r}") from None


def describe(expression: str) -> str:
    """Human text, e.g. "At 02:30, every day"."""
    options = Options()
    options.use_24hour_time_format = True
    options.verbose = True
    try:
        return str(ExpressionDescriptor(evaluable(expression), options).get_description())
    except Exception:  # noqa: BLE001  (a describer's gap must not fail a valid schedule)
        return evaluable(expression)


# --- slots -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Window:
    start: int  # the slots below are every slot strictly after this moment, in order
    before: int | None  # the last slot strictly before slots[0]
    slots: tuple[int, ...]


_windows: dict[tuple[str, str], _Window] = {}
_windows_lock = threading.Lock()


def _iterate(expression: str, zone_name: str, moment: int, *, reverse: bool = False) -> CronSim:
    local = from_micros(moment).astimezone(zone(zone_name))
    return CronSim(evaluable(expression), local, reverse=reverse)


def _fill(expression: str, zone_name: str, moment: int) -> _Window:
    forward = _iterate(expression, zone_name, moment)
    slots: list[int] = []
    try:
        for _ in range(_WINDOW):
            slots.append(to_micros(next(forward)))
    except StopIteration:
        pass  # an expression that stops firing (cronsim looks 50 years ahead)
    before = None
    if slots:
        try:
            before = to_micros(next(_iterate(expression, zone_name, slots[0], reverse=True)))
        except StopIteration:
            before = None
    window = _Window(moment, before, tuple(slots))
    with _windows_lock:
        if len(_windows) >= _MAX_WINDOWS:
            _windows.clear()
        _windows[(expression, zone_name)] = window
    return window


def _window_for(expression: str, zone_name: str, moment: int) -> _Window:
    window = _windows.get((expression, zone_name))
    if window is not None and window.start <= moment and window.slots and moment < window.slots[-1]:
        return window
    return _fill(expression, zone_name, moment)


def next_slot(expression: str, zone_name: str, moment: int) -> int | None:
    """The first slot strictly after ``moment``; None if it never fires again."""
    window = _window_for(expression, zone_name, moment)
    index = bisect_right(window.slots, moment)
    return window.slots[index] if index < len(window.slots) else None


def slot_before(expression: str, zone_name: str, slot: int) -> int | None:
    """The slot before ``slot`` (itself a slot)."""
    window = _window_for(expression, zone_name, slot - 1)
    index = bisect_right(window.slots, slot - 1)
    if index < len(window.slots) and window.slots[index] == slot:
        return window.slots[index - 1] if index > 0 else window.before
    try:
        return to_micros(next(_iterate(expression, zone_name, slot, reverse=True)))
    except StopIteration:
        return None


def slots_between(expression: str, zone_name: str, first: int, last: int, limit: int) -> list[int]:
    """Slots in [first, last], oldest first; only the newest ``limit`` when there are more.

    Walks backwards from ``last``, so a catch-up after a long outage of an
    every-minute job costs ``limit`` steps, not one per minute of the outage.
    """
    if last < first:
        return []
    # The usual case, a slot or two, comes from the cached window.
    found: list[int] = []
    slot = next_slot(expression, zone_name, first - 1)
    while slot is not None and slot <= last and len(found) < _WINDOW:
        found.append(slot)
        slot = next_slot(expression, zone_name, slot)
    if slot is None or slot > last:
        return found[-limit:]
    # cronsim's reverse iteration yields slots strictly before a whole second.
    start = (last // SECOND + 1) * SECOND
    found = []
    backward = _iterate(expression, zone_name, start, reverse=True)
    try:
        while len(found) < limit:
            slot = to_micros(next(backward))
            if slot < first:
                break
            found.append(slot)
    except StopIteration:
        pass
    found.reverse()
    return found


def upcoming(expression: str, zone_name: str, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` slots strictly after ``after``, in UTC (for previews)."""
    iterator = _iterate(expression, zone_name, to_micros(after))
    found: list[datetime] = []
    try:
        for _ in range(count):
            found.append(next(iterator).astimezone(UTC))
    except StopIteration:
        pass
    return found


def clear_cache() -> None:
    with _windows_lock:
        _windows.clear()

