"""Plotly figures of a heartbeat's statistics: pure functions of the buckets.

The figures carry no colour template: ``rx.plotly`` applies Plotly's light or
dark template to follow the dashboard's colour mode; backgrounds stay
transparent so the chart sits on the card either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import plotly.graph_objects as go

from dashboard.core.stats import INTERVAL_HOURS, Bucket
from dashboard.styles import CHART_COLORS

_FONT = {"family": "Inter, system-ui, sans-serif", "size": 12}


def _x_range(buckets: Sequence[Bucket], interval: str) -> list[str] | None:
    """The whole requested window, so every chart spans the same dates even when sparse."""
    if not buckets:
        return None
    width = timedelta(hours=INTERVAL_HOURS[interval])
    return [b.strftime("%Y-%m-%dT%H:%M:%S") for b in (buckets[0].start, buckets[-1].start + width)]


def _base_layout(height: int, yaxis_title: str, x_range: list[str] | None) -> dict[str, object]:
    return {
        "height": height,
        "autosize": True,
        "margin": {"l": 48, "r": 12, "t": 8, "b": 36},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": _FONT,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0,
                   "traceorder": "normal"},
        "hovermode": "x unified",
        # Bucket times are UTC, like every exact time in the dashboard.
        "xaxis": {"type": "date", "showgrid": False, "hoverformat": "%Y-%m-%d %H:%M UTC",
                  **({"range": x_range} if x_range else {})},
        "yaxis": {"title": {"text": yaxis_title}, "rangemode": "tozero", "zeroline": True},
        "bargap": 0.15,
    }


def _starts(buckets: Sequence[Bucket]) -> list[str]:
    """Bucket starts: bars are drawn from there over their bucket, and hovering one names its start."""
    return [b.start.strftime("%Y-%m-%dT%H:%M:%S") for b in buckets]


def _bar_width_ms(interval: str) -> float:
    return INTERVAL_HOURS[interval] * 3_600_000 * 0.85


def events_figure(buckets: Sequence[Bucket], interval: str) -> go.Figure:
    """Stacked bars per bucket: tick, complete, fail and miss (misses count as failures)."""
    x = _starts(buckets)
    width = _bar_width_ms(interval)
    traces = [
        ("tick", "Tick", [b.tick_count for b in buckets]),
        ("complete", "Complete", [b.complete_count for b in buckets]),
        ("fail", "Fail", [b.fail_count for b in buckets]),
        ("miss", "Miss", [b.miss_count for b in buckets]),
    ]
    figure = go.Figure()
    for key, label, values in traces:
        figure.add_trace(go.Bar(x=x, y=values, name=label, marker_color=CHART_COLORS[key], width=width, offset=0,
                                hovertemplate="%{y}<extra>" + label + "</extra>"))
    figure.update_layout(barmode="stack", **_base_layout(280, "events", _x_range(buckets, interval)))
    return figure


def uptime_figure(buckets: Sequence[Bucket], interval: str) -> go.Figure:
    """Uptime % per bucket (gaps where a bucket has nothing to judge by)."""
    x = _starts(buckets)
    y = [None if b.uptime_ratio is None else round(b.uptime_ratio * 100, 2) for b in buckets]
    figure = go.Figure(go.Scatter(x=x, y=y, mode="lines+markers", name="Uptime", line={"color": CHART_COLORS["tick"]},
                                  marker={"size": 5}, connectgaps=False, hovertemplate="%{y:.2f} %<extra></extra>"))
    layout = _base_layout(200, "uptime %", _x_range(buckets, interval))
    layout["yaxis"] = {"title": {"text": "uptime %"}, "range": [0, 105], "ticksuffix": ""}
    layout["showlegend"] = False
    figure.update_layout(**layout)
    return figure


def durations_figure(buckets: Sequence[Bucket], interval: str) -> go.Figure:
    """Mean run time per bucket, in seconds, for jobs that report run/complete."""
    x = _starts(buckets)
    y = [None if b.avg_duration_ms is None else round(b.avg_duration_ms / 1000, 3) for b in buckets]
    figure = go.Figure(go.Scatter(x=x, y=y, mode="lines+markers", name="Mean run time",
                                  line={"color": CHART_COLORS["duration"]}, marker={"size": 5}, connectgaps=False,
                                  hovertemplate="%{y:.3f} s<extra></extra>"))
    layout = _base_layout(200, "seconds", _x_range(buckets, interval))
    layout["showlegend"] = False
    figure.update_layout(**layout)
    return figure


def overall_uptime(buckets: Sequence[Bucket]) -> float | None:
    """(tick + complete) / (tick + complete + fail + miss) over all buckets; None with no data."""
    good = sum(b.tick_count + b.complete_count for b in buckets)
    bad = sum(b.failure_count for b in buckets)
    return good / (good + bad) if good + bad else None


def has_durations(buckets: Sequence[Bucket]) -> bool:
    return any(b.avg_duration_ms is not None for b in buckets)
