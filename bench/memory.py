"""Backend memory (RSS) at 100,000 heartbeats under the check-in load.

The server runs as ``make run`` starts it on a database with 100,000 heartbeats;
wrk spreads pings over all of them (every batch then touches distinct rows).
A sampler thread reads ``VmRSS`` of every process in the server's process group
from /proc every 0.5 s.  The backend worker is the process that has the SQLite
database open; the whole tree adds the ``reflex run`` parent.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench import checkin, live, wrk
from bench.report import Figure, write_result

HEARTBEATS = 100_000
DURATION_S = 20
SAMPLE_EVERY_S = 0.5


class RssSampler(threading.Thread):
    def __init__(self, pgid: int, backend: int) -> None:
        super().__init__(daemon=True)
        self._pgid, self._backend = pgid, backend
        self._stop_event = threading.Event()
        self.backend_mb: list[float] = []
        self.tree_mb: list[float] = []

    def run(self) -> None:
        while not self._stop_event.is_set():
            sizes = {pid: live.rss_mb(pid) for pid in live.group_pids(self._pgid)}
            self.backend_mb.append(sizes.get(self._backend) or 0.0)
            self.tree_mb.append(sum(v for v in sizes.values() if v))
            self._stop_event.wait(SAMPLE_EVERY_S)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def measure(heartbeats: int, *, duration_s: float) -> dict[str, Any]:
    with live.running_server(heartbeats) as bench:
        pgid = bench.server.process.pid
        backend = live.backend_pid(bench)
        idle_backend, idle_tree = live.rss_mb(backend), sum(live.rss_mb(p) or 0 for p in live.group_pids(pgid))
        sampler = RssSampler(pgid, backend)
        sampler.start()
        try:
            load = wrk.run(bench.server.url, duration_s=duration_s, connections=checkin.CONNECTIONS,
                           threads=checkin.THREADS, ids_file=bench.ids_file)
        finally:
            sampler.stop()
        processes = {pid: live.rss_mb(pid) for pid in live.group_pids(pgid)}
    return {
        "heartbeats": heartbeats,
        "duration_s": round(load.duration_s, 2),
        "samples": len(sampler.backend_mb),
        "backend_pid_rss_mb_idle": round(idle_backend or 0, 1),
        "tree_rss_mb_idle": round(idle_tree, 1),
        "backend_peak_mb": round(max(sampler.backend_mb), 1),
        "backend_final_mb": round(sampler.backend_mb[-1], 1),
        "tree_peak_mb": round(max(sampler.tree_mb), 1),
        "processes_after_mb": {str(pid): round(mb or 0, 1) for pid, mb in processes.items()},
        "load_rate": round(load.rate),
        "load_p99_ms": load.p99_ms,
        "load_errors": load.errors,
    }


def run(quick: bool = False) -> list[Figure]:
    started = time.monotonic()
    result = measure(10_000 if quick else HEARTBEATS, duration_s=3 if quick else DURATION_S)
    figures = [
        Figure(f"backend peak RSS at {result['heartbeats']:,} heartbeats under load", result["backend_peak_mb"], "MB", 300),
        Figure("backend RSS idle, before the load", result["backend_pid_rss_mb_idle"], "MB"),
        Figure("whole server tree peak RSS (reflex parent + worker)", result["tree_peak_mb"], "MB"),
        Figure("check-ins/s during the memory run", result["load_rate"], "/s"),
        Figure("check-in p99 during the memory run", result["load_p99_ms"], "ms"),
        Figure("check-in errors during the memory run", result["load_errors"], ""),
    ]
    write_result("memory", figures, result, started=started, quick=quick)
    return figures
