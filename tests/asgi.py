"""Drive an ASGI app with one HTTP request whose body arrives in chunks, as a server streams it.

``call`` counts the chunks the app pulled through ``receive``: the way to see
whether a layer read a body (or how much of it) before answering.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Message


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    chunks_read: int
    all_headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)


def call(app: Any, method: str = "POST", path: str = "/api/v1/service", *,
         chunks: Iterable[bytes] = (), headers: dict[str, str] | None = None) -> Answer:
    """One HTTP request through ``app``; ``chunks`` is the body as the server would stream it."""
    source: Iterator[bytes] = iter(chunks)
    read = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal read
        chunk = next(source, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 5000), "server": ("lubdub.test", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    raw = [(bytes(k), bytes(v)) for k, v in start["headers"]]
    return Answer(
        status=start["status"],
        headers={k.decode().lower(): v.decode() for k, v in raw},
        body=b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"),
        chunks_read=read,
        all_headers=raw,
    )


def endless(chunk: bytes = b"x" * 100) -> Iterator[bytes]:
    """A body that never ends, 100 bytes a chunk unless told."""
    while True:
        yield chunk
