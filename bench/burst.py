"""The top-of-the-hour herd: 10,000 distinct heartbeats each pinged once within one second.

Open loop (see ``bench.openloop``): request ``i`` is due at ``i / 10,000`` s and
its latency is measured from that moment, so the figure includes any time it
waited for a connection.  The same burst against the no-op ``/_health`` route
first warms the server and shows that the client itself keeps the schedule.
Afterwards every 200 must be one event of a distinct heartbeat in the database.
"""

from __future__ import annotations

import time
from typing import Any

from bench import live, openloop, seed, wrk
from bench.report import Figure, percentile, write_result

HEARTBEATS = 10_000
WINDOW_S = 1.0
CONNECTIONS = 200


def _summary(result: openloop.OpenLoopResult) -> dict[str, Any]:
    latencies = result.latencies or [float("nan")]
    # How late the client's scheduler handed requests to a connection: ~0 means the client
    # kept the schedule.  Waiting for a busy connection (a slow server) comes after that.
    lags = [o.submitted - o.scheduled for o in result.outcomes if o.submitted is not None] or [float("nan")]
    queued = [o.sent - o.submitted for o in result.outcomes if o.sent is not None and o.submitted is not None] \
        or [float("nan")]
    return {
        "requests": len(result.outcomes),
        "ok": len(result.latencies),
        "errors": result.errors,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2),
        "schedule_window_s": round(result.schedule_window, 3),
        "send_window_s": round(result.send_window, 3),
        "completion_window_s": round(result.completion_window, 3),
        "send_lag_p50_ms": round(percentile(lags, 50) * 1000, 2),
        "send_lag_p99_ms": round(percentile(lags, 99) * 1000, 2),
        "connection_wait_p99_ms": round(percentile(queued, 99) * 1000, 2),
        "connections": result.connections,
    }


def measure(heartbeats: int, *, window_s: float = WINDOW_S, connections: int = CONNECTIONS) -> dict[str, Any]:
    rate = heartbeats / window_s
    with live.running_server(heartbeats) as bench:
        url = bench.server.url
        wrk.run(url, duration_s=2, connections=connections, path=wrk.NOOP_PATH)  # warm-up, writes nothing
        noop = openloop.run(url, [wrk.NOOP_PATH] * heartbeats, rate=rate, connections=connections)
        live.drain(1)
        before = seed.count_events(bench.server.database_url)
        burst = openloop.run(url, [f"/ping/{hb_id}" for hb_id in bench.ids], rate=rate, connections=connections)
        live.drain()
        with seed.connect(bench.server.database_url) as raw:
            committed = int(raw.scalar("SELECT COUNT(*) FROM event")) - before
            distinct = int(raw.scalar("SELECT COUNT(DISTINCT heartbeat_id) FROM event"))
    return {
        "heartbeats": heartbeats,
        "rate_per_s": rate,
        "burst": _summary(burst),
        "noop": _summary(noop),
        "committed_events": committed,
        "distinct_heartbeats_with_events": distinct,
    }


def run(quick: bool = False) -> list[Figure]:
    started = time.monotonic()
    result = measure(2000 if quick else HEARTBEATS)
    burst, noop = result["burst"], result["noop"]
    figures = [
        Figure("burst p99 latency (from scheduled send)", burst["p99_ms"], "ms", 1000),
        Figure("burst errors", burst["errors"], "", 0),
        Figure("burst 200s missing from the database", max(0, burst["ok"] - result["committed_events"]), "", 0),
        Figure("burst p50 latency", burst["p50_ms"], "ms"),
        Figure("burst max latency", burst["max_ms"], "ms"),
        Figure("burst send window (first to last request sent)", burst["send_window_s"], "s"),
        Figure("burst completion (first scheduled to last answered)", burst["completion_window_s"], "s"),
        Figure("burst client lag p99 (scheduler behind schedule)", burst["send_lag_p99_ms"], "ms"),
        Figure("burst wait for a free connection p99 (server busy)", burst["connection_wait_p99_ms"], "ms"),
        Figure("no-op burst p99 latency (same client, Reflex /_health)", noop["p99_ms"], "ms"),
        Figure("no-op burst send window", noop["send_window_s"], "s"),
    ]
    write_result("burst", figures, result, started=started, quick=quick)
    return figures
