"""Days a cron heartbeat's slots are not expected: public holidays and one-off dates.

Holidays come from the maintained ``holidays`` package, by country code with an
optional subdivision (``DE``, ``DE-BY``, ``US-NY``), on the heartbeat's local
calendar: a slot whose date *in the heartbeat's zone* is a holiday is skipped.
"""

from __future__ import annotations

import threading
from datetime import date
from functools import lru_cache
from typing import Any

import holidays as holiday_calendars

MAX_SKIP_DATES = 366
_lock = threading.Lock()


class DaysOffError(ValueError):
    """A holiday code or a date list that cannot be used; the message says why."""


def _split(code: str) -> tuple[str, str | None]:
    country, _, subdivision = code.partition("-")
    return country, subdivision or None


@lru_cache(maxsize=256)
def _calendar(code: str) -> Any:
    country, subdivision = _split(code)
    return holiday_calendars.country_holidays(country, subdiv=subdivision)


def validate_holidays(raw: str) -> str:
    """``raw`` as a code such as ``DE`` or ``US-NY`` (upper-cased), or ``DaysOffError``."""
    code = raw.strip().upper()
    country, subdivision = _split(code)
    supported = holiday_calendars.list_supported_countries()
    if country not in supported:
        raise DaysOffError(f"unknown country {country[:8]!r}; use an ISO 3166 code such as DE, or DE-BY for a region")
    if subdivision is not None and subdivision not in supported[country]:
        raise DaysOffError(f"{country} has no subdivision {subdivision[:8]!r}; "
                           f"choose one of {', '.join(supported[country][:12])}{' ...' if len(supported[country]) > 12 else ''}")
    return code


def is_holiday(code: str, day: date) -> bool:
    calendar = _calendar(code)
    # The calendar fills in a year the first time it is asked about it: one thread at a time.
    with _lock:
        return day in calendar


def holiday_name(code: str, day: date) -> str | None:
    with _lock:
        name = _calendar(code).get(day)
    return None if name is None else str(name)


@lru_cache(maxsize=4096)
def parse_skip_dates(stored: str | None) -> frozenset[date]:
    """The stored form (comma-separated ISO dates) as a set."""
    if not stored:
        return frozenset()
    return frozenset(date.fromisoformat(part) for part in stored.split(","))


def store_skip_dates(days: list[date] | None) -> str | None:
    if not days:
        return None
    unique = sorted(set(days))
    if len(unique) > MAX_SKIP_DATES:
        raise DaysOffError(f"at most {MAX_SKIP_DATES} dates")
    return ",".join(day.isoformat() for day in unique)
