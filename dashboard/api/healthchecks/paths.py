"""Which paths below ``/api`` belong to the Healthchecks-compatible API (no imports: the key guard asks too)."""

from __future__ import annotations

import re

VERSIONED = re.compile(r"^/v([123])(?:/(.*))?$", re.DOTALL)
# Under /v1 only these belong to Healthchecks' API; the rest is Lubdub's own.
V1_NAMES = ("checks", "channels", "badges", "status")


def is_healthchecks_path(route_path: str) -> bool:
    """Whether a path below the API's mount (``/v3/checks/``) is Healthchecks' API."""
    match = VERSIONED.match(route_path)
    if match is None:
        return False
    if match.group(1) != "1":
        return True
    return (match.group(2) or "").split("/", 1)[0] in V1_NAMES
