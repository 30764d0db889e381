"""Granian replaces a worker that dies instead of stopping the whole server.

Reflex 0.10 builds granian's ``Server`` itself, without ``respawn_failed_workers``
(default False): one crashed worker (an out-of-memory kill, a segfault in a
driver) made granian's serve loop exit and took every other worker — and every
check-in — down with it.  ``rxconfig.py`` calls ``respawn_failed_workers`` before
``reflex run`` builds the server, so the default becomes True; an explicit value
still wins.
"""

from __future__ import annotations

from typing import Any


def respawn_failed_workers() -> None:
    from granian.server import common

    if getattr(common.AbstractServer.__init__, "_lubdub_respawns", False):
        return
    original = common.AbstractServer.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("respawn_failed_workers", True)
        original(self, *args, **kwargs)

    init._lubdub_respawns = True  # type: ignore[attr-defined]
    common.AbstractServer.__init__ = init  # type: ignore[method-assign]
