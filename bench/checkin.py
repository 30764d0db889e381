"""Check-in throughput and latency, and the same load on a no-op route of the same server.

wrk (closed loop, keep-alive) spreads GET /ping/{id} over the seeded heartbeats
for the measured window after a warm-up.  Afterwards the events in the database
are counted: every acknowledged 200 must be there, and at most one extra per
connection (requests in flight when wrk stopped, committed but never read).
Reflex's own ``/_health`` answers without touching the database (no Reflex db_url); the same
wrk settings against it give the server's ceiling on this machine right now,
and ``checkin / no-op`` is the figure that stays comparable on a noisy machine.
"""

from __future__ import annotations

import time
from typing import Any

from bench import live, seed, wrk
from bench.report import Figure, write_result

HEARTBEATS = 1000
DURATION_S = 15
WARMUP_S = 3
CONNECTIONS = 50
THREADS = 1


def measure(heartbeats: int, *, duration_s: float, connections: int = CONNECTIONS, threads: int = THREADS,
            warmup_s: float = WARMUP_S, noop: bool = True, cron: bool = False, postgres: bool = False,
            new_connections: bool = False) -> dict[str, Any]:
    """Check-ins for ``duration_s``; with ``noop``, the no-op route for half as long just before and after.

    ``postgres`` runs the server on a scratch PostgreSQL database instead of SQLite;
    ``new_connections`` opens a new connection for every request (check-ins and no-op alike).

    Sandwiching the check-in run between the two halves of the no-op run keeps
    their ratio fair when the machine's other load drifts during the run.
    """
    def load(**target: Any) -> wrk.WrkResult:
        return wrk.run(url, duration_s=target.pop("seconds"), connections=connections, threads=threads,
                       new_connections=new_connections, **target)

    with live.running_server(heartbeats, cron=cron, postgres=postgres) as bench:
        url, database_url = bench.server.url, bench.server.database_url
        load(seconds=warmup_s, path=wrk.NOOP_PATH)
        load(seconds=warmup_s, ids_file=bench.ids_file)
        worker = live.backend_pid(bench)
        noop_runs = [_noop(load, worker, duration_s / 2)] if noop else []
        live.drain()
        before = seed.count_events(database_url)
        cpu_before, written_before = live.cpu_seconds(worker), live.bytes_written(worker)
        _, waited_before = live.scheduler_seconds(worker)
        pings = load(seconds=duration_s, ids_file=bench.ids_file)
        cpu_used = live.cpu_seconds(worker) - cpu_before
        waited = live.scheduler_seconds(worker)[1] - waited_before
        pressure = live.cpu_pressure()
        live.drain()
        written = live.bytes_written(worker) - written_before
        committed = seed.count_events(database_url) - before
        if noop:
            noop_runs.append(_noop(load, worker, duration_s / 2))
    return {
        "heartbeats": heartbeats,
        "database": "postgresql" if postgres else "sqlite",
        "new_connections": new_connections,
        "connections": connections,
        "threads": threads,
        "duration_s": round(pings.duration_s, 2),
        "acknowledged": pings.acknowledged,
        "committed_events": committed,
        "lost": max(0, pings.acknowledged - committed),
        "unacknowledged_committed": committed - pings.acknowledged,
        "rate": pings.rate,
        "p50_ms": pings.p50_ms,
        "p90_ms": pings.p90_ms,
        "p99_ms": pings.p99_ms,
        "p999_ms": pings.p999_ms,
        "max_ms": pings.max_ms,
        "non_2xx": pings.non_2xx,
        "socket_errors": pings.socket_errors,
        # The server's own CPU per answered request: far less sensitive to a busy machine than rates.
        "server_cpu_percent": round(100 * cpu_used / pings.duration_s, 1),
        "server_cpu_us_per_ping": round(1e6 * cpu_used / max(1, pings.requests), 1),
        # Time the server's threads were runnable but had no CPU (other processes had them).
        "server_runqueue_wait_percent": round(100 * waited / pings.duration_s, 1),
        "machine_cpu_pressure_avg10": pressure,
        "server_disk_bytes_per_ping": round(written / max(1, committed)),
        "client_cpu_us_per_request": round(pings.client_cpu_us_per_request, 1),
        "noop": _combine(noop_runs) if noop_runs else None,
    }


def _noop(load: Any, worker: int, seconds: float) -> dict[str, float]:
    cpu_before = live.cpu_seconds(worker)
    result = load(seconds=seconds, path=wrk.NOOP_PATH)
    return {"requests": result.requests, "acknowledged": result.acknowledged, "duration_s": result.duration_s,
            "errors": result.errors, "p50_ms": result.p50_ms, "p99_ms": result.p99_ms,
            "cpu_s": live.cpu_seconds(worker) - cpu_before}


def _combine(runs: list[dict[str, float]]) -> dict[str, Any]:
    duration = sum(r["duration_s"] for r in runs)
    return {
        "rate": sum(r["acknowledged"] for r in runs) / duration,
        "errors": sum(r["errors"] for r in runs),
        "server_cpu_us_per_request": round(1e6 * sum(r["cpu_s"] for r in runs) / max(1, sum(r["requests"] for r in runs)), 1),
        "runs": runs,
    }


def run(quick: bool = False) -> list[Figure]:
    started = time.monotonic()
    result = measure(HEARTBEATS, duration_s=3 if quick else DURATION_S, warmup_s=1 if quick else WARMUP_S)
    noop = result["noop"]
    figures = [
        Figure("committed check-ins/s", round(result["rate"]), "/s", 10_000, ">="),
        Figure("check-in p99 latency", round(result["p99_ms"], 2), "ms", 50),
        Figure("check-in errors (non-2xx + socket)", result["non_2xx"] + result["socket_errors"], "", 0),
        Figure("acknowledged pings missing from the database", result["lost"], "", 0),
        Figure("committed but unanswered (in flight when wrk stopped)", result["unacknowledged_committed"], "",
               result["connections"]),
        Figure("check-in p50 latency", round(result["p50_ms"], 2), "ms"),
        Figure("no-op /_health requests/s (same server, same run)", round(noop["rate"]), "/s"),
        Figure("check-in / no-op throughput ratio", round(result["rate"] / noop["rate"], 3), ""),
        Figure("server CPU per check-in", result["server_cpu_us_per_ping"], "µs"),
        Figure("server CPU per no-op request", noop["server_cpu_us_per_request"], "µs"),
        Figure("server CPU use during the check-in load", result["server_cpu_percent"], "% of a core"),
        Figure("server threads runnable but without a CPU (sum over threads)", result["server_runqueue_wait_percent"],
               "% of the run"),
    ]
    write_result("checkin", figures, result, started=started, quick=quick)
    return figures
