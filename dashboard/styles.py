"""Styling tokens: the theme, status colours and a few shared layouts.

Colours are Radix colour scales, so every one has a light and a dark variant
and text on them keeps its contrast in both modes.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

ACCENT = "iris"
GRAY = "slate"

THEME = rx.theme(accent_color=ACCENT, gray_color=GRAY, radius="medium", scaling="100%", has_background=True)

# Status → Radix colour scheme.  The badge always shows the word too: colour is
# never the only carrier of meaning.
STATUS_COLORS: dict[str, str] = {
    "up": "grass",
    "late": "amber",
    "down": "tomato",
    "new": "blue",
    "paused": "gray",
}
STATUS_ICONS: dict[str, str] = {
    "up": "circle-check",
    "late": "clock-alert",
    "down": "circle-x",
    "new": "circle-dashed",
    "paused": "circle-pause",
}
STATUS_ORDER = ("down", "late", "up", "new", "paused")

RESULT_COLORS: dict[str, str] = {
    "tick": "grass",
    "complete": "teal",
    "run": "blue",
    "fail": "tomato",
    "miss": "orange",
}

# Plotly trace colours matching the badges (Radix step 9 of each scale).
CHART_COLORS: dict[str, str] = {
    # Good results in two clearly different greens, bad ones in red and amber, so
    # the stacked bars stay readable side by side.
    "tick": "#8ecf9a",
    "complete": "#2a7e3b",
    "run": "#0090ff",
    "fail": "#e54d2e",
    "miss": "#f0a000",
    "duration": "#5b5bd6",
}

PAGE_MAX_WIDTH = "1200px"

page_container: dict[str, Any] = {
    "width": "100%",
    "max_width": PAGE_MAX_WIDTH,
    "margin_x": "auto",
    "padding_x": ["12px", "16px", "24px"],
    "padding_y": "20px",
}

code_block: dict[str, Any] = {
    "font_family": "var(--code-font-family)",
    "font_size": "13px",
    "white_space": "pre",
    "overflow_x": "auto",
    "padding": "12px",
    "border_radius": "var(--radius-3)",
    "background": "var(--gray-a3)",
    "width": "100%",
    "margin": "0",
}

mono: dict[str, Any] = {"font_family": "var(--code-font-family)", "font_size": "13px"}

# The base stylesheet: readable body text and tables that scroll instead of
# squeezing on a phone.
BASE_STYLE: dict[Any, Any] = {
    "font_family": "var(--default-font-family)",
}
