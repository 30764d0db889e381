"""A small HTTP server that answers with responses recorded from a real Healthchecks server.

Each recording (``recordings/*.json``) holds one exchange: method, path, the
``X-Api-Key`` sent, status, content type and body.  The server answers a request
whose method, path and key match a recording with that recording; anything else
with Healthchecks' own answers for it (401 ``missing api key``/``wrong api key``,
404).  See ``recordings/README.md`` for where the recordings come from.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDINGS = Path(__file__).parent / "recordings"


def load(name: str) -> dict[str, Any]:
    return json.loads((RECORDINGS / f"{name}.json").read_text())  # type: ignore[no-any-return]


@contextmanager
def replay_server(*names: str) -> Iterator[str]:
    """Serve the named recordings on 127.0.0.1; yields the server's base URL."""
    exchanges = {(r["method"], r["path"], r["request_headers"].get("X-Api-Key")): r for r in map(load, names)}
    known_paths = {path for _, path, _ in exchanges}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            key = self.headers.get("X-Api-Key")
            found = exchanges.get(("GET", self.path, key))
            if found is not None:
                status, content_type, body = found["status"], found["content_type"], found["body"]
            elif self.path not in known_paths:
                status, content_type, body = 404, "text/html", "<h1>Not Found</h1>"
            else:
                status, content_type = 401, "application/json"
                body = {"error": "missing api key" if not key or len(key) != 32 else "wrong api key"}
            raw = (json.dumps(body) if not isinstance(body, str) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
