"""Badges for heartbeat statuses and event results: a colour, an icon and the word.

Also the status chips ("2 down", "5 up") of the overview's service cards and the service page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from dashboard.styles import RESULT_COLORS, STATUS_COLORS, STATUS_ICONS, STATUS_ORDER


@dataclass
class StatusCount:
    status: str = ""
    count: int = 0
    color: str = "gray"


def status_chips(counts: dict[str, int]) -> list[StatusCount]:
    """The non-zero status counts, worst first."""
    return [StatusCount(s, counts.get(s, 0), STATUS_COLORS[s]) for s in STATUS_ORDER if counts.get(s, 0)]


def status_chip(chip: StatusCount, **props: Any) -> rx.Component:
    return rx.badge(chip.count, " ", chip.status, color_scheme=chip.color, variant="soft", **props)


def _status_variant(status: str, size: str, **props: Any) -> rx.Component:
    return rx.badge(
        rx.icon(STATUS_ICONS[status], size=12 if size == "1" else 14),
        status,
        color_scheme=STATUS_COLORS[status],
        variant="soft",
        size=size,
        radius="full",
        custom_attrs={"data-status": status},
        **props,
    )


def status_badge(status: rx.Var[str] | str, size: str = "1", **props: Any) -> rx.Component:
    """The heartbeat's status as a coloured, labelled badge (``data-status`` for tests)."""
    if isinstance(status, str):
        return _status_variant(status, size, **props)
    return rx.match(
        status,
        *[(name, _status_variant(name, size, **props)) for name in STATUS_COLORS],
        rx.badge(status, variant="soft", size=size, radius="full", **props),
    )


def result_badge(result: rx.Var[str] | str, **props: Any) -> rx.Component:
    """An event's result (tick, run, complete, fail, miss)."""
    color = rx.match(result, *list(RESULT_COLORS.items()), "gray") if isinstance(result, rx.Var) else RESULT_COLORS.get(result, "gray")
    return rx.badge(result, color_scheme=color, variant="surface", size="1", custom_attrs={"data-result": result}, **props)
