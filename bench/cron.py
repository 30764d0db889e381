"""Check-ins and the detector with every heartbeat on a cron schedule (mixed zones).

Cron must not cost the check-in path its SPEC §8 figures.  The same wrk load as
``checkin`` runs twice in a row, on heartbeats with a fixed interval and on
heartbeats each on one of ``seed.CRON_MIX`` (eight expressions, eight zones), at
1,000 heartbeats and at 100,000; the ratio beside each cron figure is cron /
interval from the same run.  Then the detector's idle pass at 100,000 cron
heartbeats.
"""

from __future__ import annotations

import time
from typing import Any

from bench import checkin, detector
from bench.report import Figure, write_result

POINTS = (1_000, 100_000)
DURATION_S = 10


def measure(quick: bool = False) -> dict[str, Any]:
    points = POINTS[:1] if quick else POINTS
    duration = 3 if quick else DURATION_S
    rows = []
    for heartbeats in points:
        interval = checkin.measure(heartbeats, duration_s=duration, warmup_s=1 if quick else 2, noop=False)
        cron = checkin.measure(heartbeats, duration_s=duration, warmup_s=1 if quick else 2, noop=False, cron=True)
        rows.append({
            "heartbeats": heartbeats,
            "interval_rate": round(interval["rate"]), "cron_rate": round(cron["rate"]),
            "ratio": round(cron["rate"] / interval["rate"], 3),
            "interval_p99_ms": interval["p99_ms"], "cron_p99_ms": cron["p99_ms"],
            "cron_errors": cron["non_2xx"] + cron["socket_errors"], "cron_lost": cron["lost"],
            "interval_cpu_us_per_ping": interval["server_cpu_us_per_ping"],
            "cron_cpu_us_per_ping": cron["server_cpu_us_per_ping"],
        })
        print(f"    {rows[-1]}", flush=True)
    idle = detector.measure(10_000 if quick else 100_000, idle_passes=10 if quick else detector.IDLE_PASSES,
                            flagged=1_000 if quick else 10_000, cron=True)
    return {"checkins": rows, "detector": idle}


def run(quick: bool = False) -> list[Figure]:
    started = time.monotonic()
    result = measure(quick)
    figures = []
    for row in result["checkins"]:
        n = f"{row['heartbeats']:,}"
        figures += [
            Figure(f"cron check-ins/s at {n} heartbeats", row["cron_rate"], "/s", 10_000, ">="),
            Figure(f"cron / interval check-in rate at {n}", row["ratio"], ""),
            Figure(f"cron check-in p99 at {n}", round(row["cron_p99_ms"], 2), "ms", 50),
            Figure(f"cron check-in errors at {n}", row["cron_errors"], "", 0),
            Figure(f"cron acknowledged pings missing at {n}", row["cron_lost"], "", 0),
            Figure(f"server CPU per cron check-in at {n}", row["cron_cpu_us_per_ping"], "µs"),
        ]
    idle = result["detector"]
    figures += [
        Figure(f"detector idle pass at {idle['heartbeats']:,} cron heartbeats, median", idle["idle_median_ms"], "ms", 10),
        Figure("detector idle pass p99 (cron)", idle["idle_p99_ms"], "ms", 10),
        Figure(f"time to flag {idle['flagged']:,} cron deadlines", idle["flag_seconds"], "s", 5),
    ]
    write_result("cron", figures, result, started=started, quick=quick)
    return figures
