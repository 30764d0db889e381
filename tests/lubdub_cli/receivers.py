"""Check-in receivers on 127.0.0.1 for ``lubdub run`` tests: scripted answers, and one that never answers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    content_type: str | None


@dataclass
class Receiver:
    url: str
    answers: list[int]  # status codes to answer, in order; the last one repeats
    requests: list[Received] = field(default_factory=list)


@contextmanager
def scripted_receiver(*answers: int, body_limit: int | None = None) -> Iterator[Receiver]:
    """Answers each request with the next status of ``answers`` (the last repeats)."""
    receiver = Receiver("", list(answers) or [200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            receiver.requests.append(Received("POST", parts.path, parse_qs(parts.query), self.rfile.read(length),
                                              self.headers.get("Content-Type")))
            status = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
            payload = b'{"ok": true}'
            self.send_response(status)
            if body_limit is not None:
                self.send_header("Ping-Body-Limit", str(body_limit))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def hanging_receiver() -> Iterator[str]:
    """Accepts connections and reads, but never answers (a stuck proxy or server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()
