"""Soak: 30 minutes at 2,000 check-ins/s with the detector and alerts working all along.

The server runs as ``make run`` starts it, on SQLite with 10,000 steady heartbeats
and a service of 100 "flapping" ones (interval 10 s, grace 5 s) that a default
webhook channel watches.  The load is open loop (``bench.openloop``: every request
has its send time, so a server that slows down shows it in the latencies) in
one-minute segments; the flapping heartbeats are pinged only in every other
segment, so each goes down and recovers every two minutes and the detector, the
flips and the alert deliveries run through the whole soak, not only the ingest.

After each segment the benchmark samples the server's memory (RSS of the backend
worker and of the whole process tree), its open file descriptors and that
segment's latencies.  What must hold (SPEC §8): RSS at the end within 10 % of RSS
after the first warm segments, no more file descriptors, p99 in the last third of
the soak no worse than 1.5× the first third and within the check-in target (50 ms)
in every segment, no errors, and every acknowledged check-in stored.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

import httpx

from bench import live, openloop, seed
from bench.report import Figure, percentile, write_result
from tests.alerts.receivers import HttpReceiver
from tests.live_server import create_api_key

STEADY = 10_000
FLAPPING = 100
RATE = 2_000
SEGMENT_S = 60
SEGMENTS = 30  # 30 minutes
WARM_SEGMENTS = 2  # memory and descriptors are compared with the state after these
CONNECTIONS = 50


def _open_fds(pids: list[int]) -> int:
    count = 0
    for pid in pids:
        try:
            count += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return count


def _alert_count(receiver: HttpReceiver) -> dict[str, int]:
    """Alerts the webhook received by event; a digest counts each alert it carries."""
    counts: dict[str, int] = {}
    for request in list(receiver.requests):
        try:
            body = json.loads(request.body)
        except ValueError:
            counts["unreadable"] = counts.get("unreadable", 0) + 1
            continue
        for alert in body.get("alerts", [body]) if isinstance(body, dict) else []:
            event = str(alert.get("event", "?")) if isinstance(alert, dict) else "?"
            counts[event] = counts.get(event, 0) + 1
    return counts


def _seed_flapping(url: str, interval_s: int, grace_s: int) -> list[str]:
    ids = seed.seed_heartbeats(url, FLAPPING, now=int(time.time() * seed.SECOND), interval=interval_s,
                               service_name="soak-flapping")
    with seed.connect(url) as raw:
        raw.executemany("UPDATE heartbeat SET grace = ? WHERE id = ?", [(grace_s, hb) for hb in ids])
    return ids


def measure(*, segments: int = SEGMENTS, segment_s: float = SEGMENT_S, rate: int = RATE,
            flap_interval_s: int = 10, flap_grace_s: int = 5) -> dict[str, Any]:
    receiver = HttpReceiver().start()
    rng = random.Random(7)
    try:
        with live.running_server(STEADY) as bench:
            flapping = _seed_flapping(bench.server.database_url, flap_interval_s, flap_grace_s)
            token = create_api_key(bench.server, "soak")
            created = httpx.post(f"{bench.server.url}/api/v1/channel", headers={"Authorization": f"Bearer {token}"},
                                 json={"name": "soak hook", "kind": "webhook", "config": {"url": receiver.url},
                                       "is_default": True}, timeout=10)
            created.raise_for_status()
            pgid = bench.server.process.pid
            backend = live.backend_pid(bench)
            samples: list[dict[str, Any]] = []
            acknowledged = 0
            started = time.monotonic()
            for index in range(segments):
                count = int(rate * segment_s)
                paths = [f"/ping/{bench.ids[rng.randrange(len(bench.ids))]}" for _ in range(count)]
                if index % 2 == 0:
                    # Every 40th check-in goes to a flapping heartbeat: each is pinged about every 2 s.
                    for slot, position in enumerate(range(0, count, 40)):
                        paths[position] = f"/ping/{flapping[slot % FLAPPING]}"
                result = openloop.run(bench.server.url, paths, rate=rate, connections=CONNECTIONS)
                latencies = result.latencies or [float("nan")]
                acknowledged += len(result.latencies)
                pids = live.group_pids(pgid)
                samples.append({
                    "segment": index,
                    "elapsed_s": round(time.monotonic() - started, 1),
                    "requests": len(result.outcomes),
                    "errors": result.errors,
                    "p50_ms": round(percentile(latencies, 50) * 1000, 2),
                    "p99_ms": round(percentile(latencies, 99) * 1000, 2),
                    "rate": round(len(result.outcomes) / max(result.completion_window, 1e-9)),
                    "backend_rss_mb": round(live.rss_mb(backend) or 0.0, 1),
                    "tree_rss_mb": round(sum(live.rss_mb(p) or 0.0 for p in pids), 1),
                    "open_fds": _open_fds(pids),
                    "alerts": sum(_alert_count(receiver).values()),
                })
                print(f"   segment {index + 1}/{segments}: {samples[-1]}", flush=True)
            live.drain()
            stored = seed.count_events(bench.server.database_url)
            alerts = _alert_count(receiver)
    finally:
        receiver.stop()

    warm = samples[min(WARM_SEGMENTS, len(samples) - 1) - 1] if len(samples) > 1 else samples[0]
    third = max(1, len(samples) // 3)
    first_p99 = percentile([s["p99_ms"] for s in samples[:third]], 50)
    last_p99 = percentile([s["p99_ms"] for s in samples[-third:]], 50)
    return {
        "steady_heartbeats": STEADY, "flapping_heartbeats": FLAPPING, "rate": rate,
        "segments": segments, "segment_s": segment_s,
        "samples": samples,
        "acknowledged": acknowledged, "stored": stored, "lost": max(0, acknowledged - stored),
        "errors": sum(s["errors"] for s in samples),
        "alerts": alerts,
        "backend_rss_warm_mb": warm["backend_rss_mb"], "backend_rss_end_mb": samples[-1]["backend_rss_mb"],
        "backend_rss_growth_pct": round((samples[-1]["backend_rss_mb"] / warm["backend_rss_mb"] - 1) * 100, 2),
        "tree_rss_growth_pct": round((samples[-1]["tree_rss_mb"] / warm["tree_rss_mb"] - 1) * 100, 2),
        # Sockets of webhooks in flight come and go: a leak shows as the fewest descriptors
        # late in the soak exceeding the fewest early on.
        "fds_warm": min(s["open_fds"] for s in samples[:max(third, WARM_SEGMENTS)]),
        "fds_end": min(s["open_fds"] for s in samples[-third:]),
        "fd_growth": min(s["open_fds"] for s in samples[-third:]) - min(s["open_fds"] for s in samples[:max(third, WARM_SEGMENTS)]),
        "p99_worst_segment_ms": max(s["p99_ms"] for s in samples),
        "p99_first_third_ms": first_p99, "p99_last_third_ms": last_p99,
        "p99_drift": round(last_p99 / first_p99, 2) if first_p99 else 0.0,
        "mean_rate": round(sum(s["requests"] for s in samples) / sum(s["elapsed_s"] - (samples[i - 1]["elapsed_s"] if i else 0)
                                                                   for i, s in enumerate(samples))),
    }


def run(quick: bool = False) -> list[Figure]:
    started = time.monotonic()
    result = measure(segments=4, segment_s=15, flap_interval_s=4, flap_grace_s=2) if quick else measure()
    minutes = round(result["segments"] * result["segment_s"] / 60, 1)
    figures = [
        Figure(f"backend RSS growth over {minutes} min at {result['rate']:,}/s", result["backend_rss_growth_pct"], "%", 10),
        Figure("whole server tree RSS growth", result["tree_rss_growth_pct"], "%", 10),
        Figure("open file descriptors growth", result["fd_growth"], "", 0),
        Figure("p99 last third / first third", result["p99_drift"], "x", 1.5),
        Figure("p99 of the worst segment (alert bursts included)", result["p99_worst_segment_ms"], "ms", 50),
        Figure("p99, first third of the soak", result["p99_first_third_ms"], "ms"),
        Figure("p99, last third of the soak", result["p99_last_third_ms"], "ms"),
        Figure("check-ins answered with an error", result["errors"], "", 0),
        Figure("acknowledged check-ins not stored", result["lost"], "", 0),
        Figure("alerts delivered to the webhook (downs and recoveries)", sum(result["alerts"].values()), "", 1, ">="),
        Figure("check-ins sent per second (mean)", result["mean_rate"], "/s"),
    ]
    write_result("soak", figures, result, started=started, quick=quick)
    return figures


if __name__ == "__main__":
    for figure in run(quick=bool(os.environ.get("QUICK"))):
        print(figure.line())
    print(Path(__file__).name, "done")
