"""Miss detector: an idle pass over 100,000 heartbeats, and 10,000 deadlines falling at once.

In process, on a SQLite file in a temp dir, calling ``detector.run_pass`` as the
scheduler does (the server runs it every ``DETECTOR_PERIOD_SECONDS``, 0.5 s by
default).  The idle figure is the median and p99 of repeated passes with every
deadline an hour away.  Then a tenth of the heartbeats get the same deadline T
and the clock is the time from the first pass at T until every one of them has
its ``miss`` event and flip.  Last, the same thing end to end on the live
server (its scheduler, its period): 10,000 of 100,000 heartbeats get a deadline
a few seconds ahead, and the database is polled until all their misses are in.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import live, seed
from bench.report import Figure, percentile, write_result
from dashboard.core.detector import run_pass
from dashboard.db import build_engine
from dashboard.timeutil import from_micros

HEARTBEATS = 100_000
IDLE_PASSES = 50
SCALE_POINTS = (1_000, 10_000, 100_000)


def measure(heartbeats: int, *, idle_passes: int = IDLE_PASSES, flagged: int | None = None,
            cron: bool = False) -> dict[str, Any]:
    flagged = heartbeats // 10 if flagged is None else flagged
    workdir = Path(tempfile.mkdtemp(prefix="lubdub-bench-detector-"))
    url = f"sqlite:///{workdir / 'lubdub.db'}"
    now = int(time.time()) * seed.SECOND
    try:
        seed.fresh_database(url)
        seed.seed_heartbeats(url, heartbeats, now=now, interval=3600, cron=cron)
        engine = build_engine(url)
        try:
            for _ in range(5):  # warm the pool, the statement cache and the page cache
                run_pass(engine, from_micros(now))
            idle = []
            for _ in range(idle_passes):
                started = time.perf_counter()
                report = run_pass(engine, from_micros(now))
                idle.append(time.perf_counter() - started)
                assert report.misses == 0
            # A whole minute, so that for cron heartbeats (moved to "* * * * *") it is a slot.
            minute = 60 * seed.SECOND
            deadline = (now // minute + 2) * minute
            with seed.connect(url) as raw:
                if cron:
                    raw.executemany("UPDATE heartbeat SET schedule = '* * * * *' WHERE rowid <= ?", [(flagged,)])
                raw.executemany("UPDATE heartbeat SET miss_at = ? WHERE rowid <= ?", [(deadline, flagged)])
            started = time.perf_counter()
            passes = misses = 0
            while misses < flagged and time.perf_counter() - started < 60:
                misses += run_pass(engine, from_micros(deadline)).misses
                passes += 1
            flag_seconds = time.perf_counter() - started
        finally:
            engine.dispose()
        with seed.connect(url) as raw:
            miss_events = int(raw.scalar("SELECT COUNT(*) FROM event WHERE result = 'miss'"))
            flips = int(raw.scalar("SELECT COUNT(*) FROM flip"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "heartbeats": heartbeats,
        "idle_passes": idle_passes,
        "idle_median_ms": round(statistics.median(idle) * 1000, 3),
        "idle_p99_ms": round(percentile(idle, 99) * 1000, 3),
        "idle_max_ms": round(max(idle) * 1000, 3),
        "flagged": flagged,
        "flag_seconds": round(flag_seconds, 3),
        "flag_passes": passes,
        "miss_events": miss_events,
        "flips": flips,
    }


def measure_live(heartbeats: int, flagged: int, *, lead_s: float = 3.0, timeout_s: float = 30.0) -> dict[str, Any]:
    """Seconds from a shared deadline until the running server has recorded every miss."""
    with live.running_server(heartbeats) as bench:
        url = bench.server.database_url
        deadline_s = time.time() + lead_s
        with seed.connect(url) as raw:
            raw.executemany("UPDATE heartbeat SET miss_at = ? WHERE rowid <= ?",
                            [(int(deadline_s * seed.SECOND), flagged)])
        recorded = 0
        while time.time() < deadline_s + timeout_s:
            with seed.connect(url) as raw:
                recorded = int(raw.scalar("SELECT COUNT(*) FROM event WHERE result = 'miss'"))
            if recorded >= flagged:
                break
            time.sleep(0.05)
        all_flagged_after = time.time() - deadline_s
    return {"heartbeats": heartbeats, "flagged": flagged, "recorded": recorded,
            "seconds_after_deadline": round(all_flagged_after, 3)}


def run(quick: bool = False) -> list[Figure]:
    started = time.monotonic()
    result = measure(10_000 if quick else HEARTBEATS, idle_passes=10 if quick else IDLE_PASSES,
                     flagged=1_000 if quick else 10_000)
    result["live"] = measure_live(10_000 if quick else HEARTBEATS, 1_000 if quick else 10_000)
    figures = [
        Figure(f"idle pass at {result['heartbeats']:,} heartbeats, median", result["idle_median_ms"], "ms", 10),
        Figure("idle pass p99", result["idle_p99_ms"], "ms", 10),
        Figure(f"time to flag {result['flagged']:,} simultaneous deadlines", result["flag_seconds"], "s", 5),
        Figure("deadlines without their miss event", result["flagged"] - result["miss_events"], "", 0),
        Figure("flips recorded", result["flips"], ""),
        Figure(f"live server: all {result['live']['flagged']:,} misses recorded, after the deadline",
               result["live"]["seconds_after_deadline"], "s", 5),
        Figure("live server: misses not recorded", result["live"]["flagged"] - result["live"]["recorded"], "", 0),
    ]
    write_result("detector", figures, result, started=started, quick=quick)
    return figures
