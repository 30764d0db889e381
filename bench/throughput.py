"""Check-in throughput where it is weakest, side by side in one run (SPEC §8).

Four closed-loop wrk runs on fresh servers, one after the other, each with the
no-op route measured in the same server just before and after:

- SQLite, keep-alive, 1,000 heartbeats: the reference;
- PostgreSQL (a scratch database in the local cluster), keep-alive, 1,000 heartbeats;
- SQLite, a new connection for every check-in (``Connection: close``, what ``curl``
  in a crontab does), 1,000 heartbeats;
- SQLite, keep-alive, 100,000 heartbeats (every batch touches distinct rows).

The ratios beside the rates compare runs of the same minutes on the same machine,
so they hold up better than the absolute rates when the machine is busy.
"""

from __future__ import annotations

import time
from typing import Any

from bench import checkin
from bench.report import Figure, write_result

HEARTBEATS = 1000
LARGE = 100_000
DURATION_S = 10
WARMUP_S = 2

# SPEC §8 (raised): PostgreSQL ≥ 0.8× SQLite, a new connection per check-in ≥ 0.7× keep-alive,
# 100,000 heartbeats ≥ 10,000 check-ins/s.
POSTGRES_RATIO = 0.8
NEW_CONNECTION_RATIO = 0.7
LARGE_RATE = 10_000


LABELS = (("sqlite", "SQLite"), ("postgresql", "PostgreSQL"), ("new_connections", "new connection"),
          ("large", "the large set"))


def measure(quick: bool = False) -> dict[str, Any]:
    seconds, warmup = (3, 1) if quick else (DURATION_S, WARMUP_S)
    runs = {
        "sqlite": dict(heartbeats=HEARTBEATS),
        "postgresql": dict(heartbeats=HEARTBEATS, postgres=True),
        "new_connections": dict(heartbeats=HEARTBEATS, new_connections=True),
        "large": dict(heartbeats=10_000 if quick else LARGE),
    }
    results = {}
    for name, options in runs.items():
        results[name] = checkin.measure(duration_s=seconds, warmup_s=warmup, **options)
        row = results[name]
        print(f"    {name}: {round(row['rate']):,}/s p99 {row['p99_ms']:.1f} ms "
              f"(no-op {round(row['noop']['rate']):,}/s, {row['server_cpu_us_per_ping']} µs CPU per check-in)",
              flush=True)
    return results


def run(quick: bool = False) -> list[Figure]:
    started = time.monotonic()
    results = measure(quick)
    sqlite, postgres = results["sqlite"], results["postgresql"]
    fresh, large = results["new_connections"], results["large"]
    figures = [
        Figure("check-ins/s, SQLite, keep-alive", round(sqlite["rate"]), "/s"),
        Figure("check-ins/s, PostgreSQL, keep-alive", round(postgres["rate"]), "/s"),
        Figure("PostgreSQL / SQLite check-ins", round(postgres["rate"] / sqlite["rate"], 3), "", POSTGRES_RATIO, ">="),
        Figure("check-ins/s, a new connection per check-in", round(fresh["rate"]), "/s"),
        Figure("new connection / keep-alive check-ins", round(fresh["rate"] / sqlite["rate"], 3), "",
               NEW_CONNECTION_RATIO, ">="),
        Figure(f"check-ins/s at {large['heartbeats']:,} heartbeats", round(large["rate"]), "/s", LARGE_RATE, ">="),
        *(Figure(f"check-in p99, {label}", round(results[name]["p99_ms"], 2), "ms") for name, label in LABELS),
        *(Figure(f"server CPU per check-in, {label}", results[name]["server_cpu_us_per_ping"], "µs")
          for name, label in LABELS),
        Figure("no-op requests/s, keep-alive", round(sqlite["noop"]["rate"]), "/s"),
        Figure("no-op requests/s, a new connection per request", round(fresh["noop"]["rate"]), "/s"),
        Figure("acknowledged pings missing from the database (all runs)",
               sum(r["lost"] for r in results.values()), "", 0),
        Figure("check-in errors, non-2xx + socket (all runs)",
               sum(r["non_2xx"] + r["socket_errors"] for r in results.values()), "", 0),
    ]
    write_result("throughput", figures, results, started=started, quick=quick)
    return figures
