"""A small threaded check-in client for the kill tests: it remembers what got a 200."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

import httpx


@dataclass
class PingLoad:
    base_urls: list[str]
    heartbeat_ids: list[str]
    threads: int = 8
    acknowledged: list[str] = field(default_factory=list)
    errors: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        for index in range(self.threads):
            worker = threading.Thread(target=self._run, args=(index,), daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

    def count(self) -> int:
        with self._lock:
            return len(self.acknowledged)

    def _run(self, index: int) -> None:
        base_url = self.base_urls[index % len(self.base_urls)]
        with httpx.Client(base_url=base_url, timeout=5) as client:
            for n in itertools.count():
                if self._stop.is_set():
                    return
                heartbeat_id = self.heartbeat_ids[(index * 7919 + n) % len(self.heartbeat_ids)]
                message = f"t{index}-n{n}"
                try:
                    response = client.get(f"/ping/{heartbeat_id}", params={"message": message})
                except httpx.HTTPError:
                    with self._lock:
                        self.errors += 1
                    continue
                if response.status_code == 200:
                    with self._lock:
                        self.acknowledged.append(message)
