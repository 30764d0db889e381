"""Resource ids as they arrive from outside (paths, query strings, forms)."""

from __future__ import annotations

import re

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def parse_id(raw: str) -> str | None:
    """The canonical (lower-case) form of a UUID, or None when ``raw`` is not one.

    Checked before any query so a malformed id answers like an unknown one, and
    so odd input (NUL bytes, megabytes of text) never reaches the database.
    """
    return raw.lower() if _UUID.fullmatch(raw) else None
