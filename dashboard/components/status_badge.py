"""Badges for heartbeat statuses and event results: a colour, an icon and the word."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dashboard.styles import RESULT_COLORS, STATUS_COLORS, STATUS_ICONS


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
