"""A small threaded check-in client for the kill and outage tests.

It remembers which messages got a 200 (so a test can look for every one of them
in the database) and every answer's status and time (so an outage test can see
when check-ins started failing, how, and when they came back).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Answer:
    at: float  # time.monotonic() when the answer arrived
    status: int  # 0: no HTTP answer (connection refused, timeout)
    retry_after: str | None
    message: str | None


@dataclass
class PingLoad:
    base_urls: list[str]
    heartbeat_ids: list[str]
    threads: int = 8
    # Pause after a refused check-in, as a well-behaved client honouring Retry-After would
    # (capped: the tests want to see recovery promptly).
    backoff_s: float = 0.05
    acknowledged: list[str] = field(default_factory=list)
    errors: int = 0
    answers: list[Answer] = field(default_factory=list)
    # Bodies of answers that are neither 200 nor 503 (at most a few kept).
    unexpected: list[tuple[int, str]] = field(default_factory=list)
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

    def statuses(self, since: float = 0.0, until: float = float("inf")) -> Counter[int]:
        with self._lock:
            return Counter(a.status for a in self.answers if since <= a.at < until)

    def first_success_after(self, moment: float) -> float | None:
        with self._lock:
            return next((a.at for a in self.answers if a.at >= moment and a.status == 200), None)

    def last_refusal(self) -> Answer | None:
        with self._lock:
            return next((a for a in reversed(self.answers) if a.status != 200), None)

    def _record(self, status: int, retry_after: str | None, message: str | None, body: str = "") -> None:
        with self._lock:
            self.answers.append(Answer(time.monotonic(), status, retry_after, message))
            if status == 200 and message is not None:
                self.acknowledged.append(message)
            elif status == 0:
                self.errors += 1
            elif status != 503 and len(self.unexpected) < 20:
                self.unexpected.append((status, body[:500]))

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
                    self._record(0, None, message)
                    time.sleep(self.backoff_s)
                    continue
                self._record(response.status_code, response.headers.get("retry-after"), message, response.text)
                if response.status_code != 200:
                    time.sleep(self.backoff_s)
