"""Scaling curves: how the figures move with the size of the data.

- check-in throughput and p99 at 1,000 / 10,000 / 100,000 heartbeats (wrk spread
  over all of them; a larger set means every batch updates more distinct rows),
  each next to the no-op route measured in the same server;
- detector idle pass and flag time at 1,000 / 10,000 / 100,000 heartbeats;
- statistics (30 d / 1 h) and event pages at 10,000 / 100,000 / 1,000,000 events.
"""

from __future__ import annotations

import time
from typing import Any

from bench import checkin, detector, queries
from bench.report import Figure, write_result

HEARTBEAT_POINTS = (1_000, 10_000, 100_000)
EVENT_POINTS = (10_000, 100_000, 1_000_000)
CHECKIN_SECONDS = 10


def measure(quick: bool = False) -> dict[str, Any]:
    heartbeat_points = HEARTBEAT_POINTS[:2] if quick else HEARTBEAT_POINTS
    event_points = EVENT_POINTS[:2] if quick else EVENT_POINTS
    curves: dict[str, Any] = {"checkin": [], "detector": [], "queries": []}
    for n in heartbeat_points:
        result = checkin.measure(n, duration_s=2 if quick else CHECKIN_SECONDS, warmup_s=1 if quick else 2)
        curves["checkin"].append({
            "heartbeats": n, "rate": round(result["rate"]), "p99_ms": result["p99_ms"],
            "errors": result["non_2xx"] + result["socket_errors"], "lost": result["lost"],
            "noop_rate": round(result["noop"]["rate"]),
            "ratio": round(result["rate"] / result["noop"]["rate"], 3),
            "server_cpu_us_per_ping": result["server_cpu_us_per_ping"],
            "server_disk_bytes_per_ping": result["server_disk_bytes_per_ping"],
        })
        print(f"    check-in at {n:,} heartbeats: {curves['checkin'][-1]}")
    for n in heartbeat_points:
        result = detector.measure(n, idle_passes=10 if quick else detector.IDLE_PASSES)
        curves["detector"].append({key: result[key] for key in (
            "heartbeats", "idle_median_ms", "idle_p99_ms", "flagged", "flag_seconds")})
        print(f"    detector at {n:,} heartbeats: {curves['detector'][-1]}")
    for n in event_points:
        result = queries.measure(n, runs=10 if quick else queries.RUNS)
        curves["queries"].append({
            "events": n,
            "statistics_median_ms": result["statistics_30d_1h"]["median_ms"],
            "events_newest_median_ms": result["events_newest_50"]["median_ms"],
            "events_forward_median_ms": result["events_forward_50_from_middle"]["median_ms"],
        })
        print(f"    queries at {n:,} events: {curves['queries'][-1]}")
    return curves


def run(quick: bool = False) -> list[Figure]:
    started = time.monotonic()
    curves = measure(quick)
    figures = []
    for point in curves["checkin"]:
        figures.append(Figure(f"check-ins/s at {point['heartbeats']:,} heartbeats", point["rate"], "/s"))
        figures.append(Figure(f"check-in / no-op ratio at {point['heartbeats']:,} heartbeats", point["ratio"], ""))
        figures.append(Figure(f"server CPU per check-in at {point['heartbeats']:,} heartbeats",
                              point["server_cpu_us_per_ping"], "µs"))
    for point in curves["detector"]:
        figures.append(Figure(f"detector idle pass at {point['heartbeats']:,} heartbeats", point["idle_median_ms"], "ms"))
    for point in curves["queries"]:
        figures.append(Figure(f"statistics at {point['events']:,} events", point["statistics_median_ms"], "ms"))
    write_result("scaling", figures, curves, started=started, quick=quick)
    return figures
