"""A per-heartbeat check-in rate limit (fixed one-minute windows, per process).

It protects the instance from a runaway job hammering its URL.  It is kept in
memory because it runs before anything touches the database; with several
worker processes each enforces the limit on the requests it receives.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

WINDOW_S = 60.0


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._window_start = clock()
        self._counts: dict[str, int] = {}

    def check(self, key: str) -> float | None:
        """None if the call is allowed, else the seconds until it will be."""
        now = self._clock()
        if now - self._window_start >= WINDOW_S:
            # A new window: forget every count at once (bounded memory, O(1) reset).
            self._window_start = now
            self._counts = {}
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        if count <= self.per_minute:
            return None
        return max(1.0, self._window_start + WINDOW_S - now)

    @staticmethod
    def retry_after_header(seconds: float) -> str:
        return str(math.ceil(seconds))
