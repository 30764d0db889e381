"""An open-loop HTTP/1.1 client: every request has a scheduled send time, whatever the server does.

A closed-loop tool (wrk) waits for each answer before sending the next request,
so a slow server is asked less and looks better than it is.  Here request ``i``
is due at ``start + i / rate`` and its latency runs from that moment to the end
of its response, so time spent queued behind a slow answer counts.  Requests
are spread round-robin over keep-alive connections (one in flight per
connection, no pipelining); each connection is a bare ``asyncio.Protocol`` to
keep the client's own cost per request small.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field


@dataclass
class Outcome:
    scheduled: float
    submitted: float | None = None  # handed to its connection by the scheduler
    sent: float | None = None  # written to the socket (later if the connection was busy)
    done: float | None = None
    status: int | None = None

    @property
    def latency(self) -> float | None:
        return None if self.done is None else self.done - self.scheduled


class _Connection(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop, finished: asyncio.Future[None], counter: list[int]) -> None:
        self._loop = loop
        self._finished = finished
        self._counter = counter  # [responses still expected]
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._queue: deque[tuple[Outcome, bytes]] = deque()
        self._in_flight: Outcome | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def submit(self, outcome: Outcome, request: bytes) -> None:
        outcome.submitted = self._loop.time()
        if self._in_flight is None:
            self._send(outcome, request)
        else:
            self._queue.append((outcome, request))

    def _send(self, outcome: Outcome, request: bytes) -> None:
        assert self._transport is not None
        outcome.sent = self._loop.time()
        self._in_flight = outcome
        self._transport.write(request)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._in_flight is not None:
            length = _response_length(self._buffer)
            if length is None:
                return
            head, self._buffer = self._buffer[:length], self._buffer[length:]
            outcome, self._in_flight = self._in_flight, None
            outcome.status = int(head[9:12])
            outcome.done = self._loop.time()
            self._settle_one()
            if self._queue:
                self._send(*self._queue.popleft())

    def connection_lost(self, exc: Exception | None) -> None:
        # Whatever was pending is an error (no status); the run does not wait for it.
        lost = ([self._in_flight] if self._in_flight else []) + [o for o, _ in self._queue]
        self._in_flight = None
        self._queue.clear()
        for _ in lost:
            self._settle_one()

    def _settle_one(self) -> None:
        self._counter[0] -= 1
        if self._counter[0] == 0 and not self._finished.done():
            self._finished.set_result(None)


def _response_length(buffer: bytes) -> int | None:
    """Bytes of the first complete response in ``buffer``, None while incomplete."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    headers = buffer[:end].lower()
    marker = headers.find(b"\r\ncontent-length:")
    if marker >= 0:
        value_end = headers.find(b"\r\n", marker + 2)
        length = int(headers[marker + 17 : value_end if value_end >= 0 else None])
        total = end + 4 + length
        return total if len(buffer) >= total else None
    if b"transfer-encoding: chunked" in headers:
        last = buffer.find(b"\r\n0\r\n\r\n", end)
        return None if last < 0 else last + 7
    return end + 4  # no body (HEAD, 204, 304)


@dataclass
class OpenLoopResult:
    outcomes: list[Outcome] = field(default_factory=list)
    connections: int = 0

    @property
    def latencies(self) -> list[float]:
        return [o.latency for o in self.outcomes if o.latency is not None and o.status == 200]

    @property
    def errors(self) -> int:
        return sum(1 for o in self.outcomes if o.status != 200)

    @property
    def send_window(self) -> float:
        sent = [o.sent for o in self.outcomes if o.sent is not None]
        return max(sent) - min(sent) if sent else 0.0

    @property
    def schedule_window(self) -> float:
        return self.outcomes[-1].scheduled - self.outcomes[0].scheduled if self.outcomes else 0.0

    @property
    def completion_window(self) -> float:
        done = [o.done for o in self.outcomes if o.done is not None]
        return max(done) - self.outcomes[0].scheduled if done else 0.0


async def _open_loop(host: str, port: int, paths: list[str], rate: float, connections: int,
                     timeout_s: float) -> OpenLoopResult:
    loop = asyncio.get_running_loop()
    finished: asyncio.Future[None] = loop.create_future()
    counter = [len(paths)]
    protocols: list[_Connection] = []
    transports = []
    for _ in range(connections):
        transport, protocol = await loop.create_connection(
            lambda: _Connection(loop, finished, counter), host, port)
        transports.append(transport)
        protocols.append(protocol)
    requests = [f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: lubdub-bench\r\n\r\n".encode()
                for p in paths]
    start = loop.time() + 0.05
    outcomes = [Outcome(scheduled=start + i / rate) for i in range(len(paths))]
    next_index = 0
    while next_index < len(paths):
        now = loop.time()
        while next_index < len(paths) and outcomes[next_index].scheduled <= now:
            protocols[next_index % connections].submit(outcomes[next_index], requests[next_index])
            next_index += 1
        if next_index < len(paths):
            await asyncio.sleep(max(0.0, outcomes[next_index].scheduled - loop.time()))
    try:
        await asyncio.wait_for(asyncio.shield(finished), timeout_s)
    except TimeoutError:
        pass
    for transport in transports:
        transport.close()
    return OpenLoopResult(outcomes, connections)


def run(url: str, paths: list[str], *, rate: float, connections: int = 200, timeout_s: float = 30) -> OpenLoopResult:
    """Send GET ``paths[i]`` at ``start + i / rate`` over ``connections`` keep-alive connections."""
    host, port = url.removeprefix("http://").split(":")
    return asyncio.run(_open_loop(host, int(port), paths, rate, connections, timeout_s))
