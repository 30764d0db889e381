"""Statistics and event pages for a heartbeat with 1,000,000 events (30 days, 1 h buckets).

The events are spread evenly over 30 days with their hourly ``event_rollup``
rows, as the ping writer would have left them.  Timed in process through the
engine functions the REST API calls (``core.stats.heartbeat_statistics`` and
``core.events.list_events``), each call in a fresh session as a request gets
one; and, for the full run, the same calls over HTTP on the live server
(``/api/v1/heartbeat/{id}/statistic`` and ``/events``) with an API key.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from bench import seed
from bench.report import Figure, percentile, write_result
from dashboard.core.events import list_events
from dashboard.core.stats import heartbeat_statistics
from dashboard.db import build_engine
from dashboard.timeutil import from_micros, isoformat

EVENTS = 1_000_000
SPAN = timedelta(days=30)
RUNS = 30
SCALE_POINTS = (10_000, 100_000, 1_000_000)


def _timed(call: Callable[[], object], runs: int) -> dict[str, float]:
    for _ in range(3):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return {"median_ms": round(statistics.median(samples) * 1000, 3),
            "p95_ms": round(percentile(samples, 95) * 1000, 3),
            "max_ms": round(max(samples) * 1000, 3)}


def _seeded(workdir: Path, events: int) -> tuple[str, str, int, tuple[int, int]]:
    """(database url, heartbeat id, end micros, middle event cursor) of a fresh seeded database."""
    url = f"sqlite:///{workdir / 'lubdub.db'}"
    end = int(time.time()) * seed.SECOND
    seed.fresh_database(url)
    heartbeat_id = seed.seed_heartbeats(url, 1, now=end)[0]
    seed.seed_events(url, heartbeat_id, events, start=end - int(SPAN.total_seconds()) * seed.SECOND, end=end)
    with seed.connect(url) as raw:
        cursor = raw.connection.execute(
            "SELECT received_at, id FROM event WHERE heartbeat_id = ? ORDER BY received_at, id LIMIT 1 OFFSET ?",
            (heartbeat_id, events // 2)).fetchone()
    return url, heartbeat_id, end, (int(cursor[0]), int(cursor[1]))


def measure(events: int, *, runs: int = RUNS, over_http: bool = False) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="lubdub-bench-queries-"))
    try:
        url, heartbeat_id, end_micros, (middle_at, middle_id) = _seeded(workdir, events)
        end = from_micros(end_micros)
        engine = build_engine(url)

        def stats_call() -> None:
            with Session(engine) as session:
                buckets = heartbeat_statistics(session, heartbeat_id, now=end, interval="1h", start=end - SPAN, end=end)
            assert sum(b.tick_count + b.run_count + b.complete_count + b.failure_count for b in buckets) == events

        def newest_call() -> None:
            with Session(engine) as session:
                assert len(list_events(session, heartbeat_id, limit=50)) == 50

        def forward_call() -> None:
            with Session(engine) as session:
                page = list_events(session, heartbeat_id, limit=50, after=from_micros(middle_at), after_id=middle_id)
            assert len(page) == 50

        try:
            result: dict[str, Any] = {
                "events": events,
                "runs": runs,
                "statistics_30d_1h": _timed(stats_call, runs),
                "events_newest_50": _timed(newest_call, runs),
                "events_forward_50_from_middle": _timed(forward_call, runs),
            }
        finally:
            engine.dispose()
        if over_http:
            result["http"] = _measure_http(workdir, url, heartbeat_id, end, (middle_at, middle_id), runs)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _measure_http(workdir: Path, url: str, heartbeat_id: str, end: Any, middle: tuple[int, int],
                  runs: int) -> dict[str, Any]:
    """The same three reads through the REST API of the live server (one keep-alive client)."""
    from dashboard.core.apikeys import create_api_key
    from dashboard.db import session_scope
    from tests.live_server import start_live_server

    engine = build_engine(url)
    try:
        with session_scope(engine, write=True) as session:
            _, token = create_api_key(session, "bench", "read-only", end)
    finally:
        engine.dispose()
    server = start_live_server(workdir, url)
    try:
        base = f"{server.url}/api/v1/heartbeat/{heartbeat_id}"
        query = {
            "statistics_30d_1h": (f"{base}/statistic", {"interval": "1h", "start_date": isoformat(end - SPAN),
                                                        "end_date": isoformat(end)}),
            "events_newest_50": (f"{base}/events", {"limit": 50}),
            "events_forward_50_from_middle": (f"{base}/events", {"limit": 50, "last_id": middle[1],
                                                                "last_received_at": isoformat(from_micros(middle[0]))}),
        }
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            def get(target: str, params: dict[str, Any]) -> Callable[[], None]:
                return lambda: client.get(target, params=params).raise_for_status() and None
            return {name: _timed(get(target, params), runs) for name, (target, params) in query.items()}
    finally:
        server.stop()


def run(quick: bool = False) -> list[Figure]:
    started = time.monotonic()
    result = measure(100_000 if quick else EVENTS, runs=10 if quick else RUNS, over_http=not quick)
    n = f"{result['events']:,} events"
    figures = [
        Figure(f"statistics 30 d / 1 h at {n}, median", result["statistics_30d_1h"]["median_ms"], "ms", 50),
        Figure("statistics p95", result["statistics_30d_1h"]["p95_ms"], "ms", 50),
        Figure(f"events page (newest 50) at {n}, median", result["events_newest_50"]["median_ms"], "ms", 10),
        Figure("events page (newest 50) p95", result["events_newest_50"]["p95_ms"], "ms", 10),
        Figure("events page (forward 50 from the middle), median",
               result["events_forward_50_from_middle"]["median_ms"], "ms", 10),
        Figure("events page (forward 50 from the middle) p95",
               result["events_forward_50_from_middle"]["p95_ms"], "ms", 10),
    ]
    if "http" in result:
        http = result["http"]
        figures += [
            Figure("over HTTP: statistics, median", http["statistics_30d_1h"]["median_ms"], "ms"),
            Figure("over HTTP: events newest 50, median", http["events_newest_50"]["median_ms"], "ms"),
            Figure("over HTTP: events forward 50, median", http["events_forward_50_from_middle"]["median_ms"], "ms"),
        ]
    write_result("queries", figures, result, started=started, quick=quick)
    return figures
