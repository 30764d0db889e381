"""The HTTP hardening against the real server (prod build, Granian) and a real browser.

- the dashboard works under its Content-Security-Policy (log in, see a chart, a
  toast sent by the server) with no violation reported, while an injected inline
  script is blocked;
- another origin can neither call the API nor open the dashboard's event socket;
- oversized bodies (streamed, or with a lying ``Content-Length``, with and
  without a key) are refused while the server's memory stays flat;
- headers on pages, assets, the API and check-ins; HEAD on /api/health.

These use the browser tests' server (``live_app``), so they run with them.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psutil
import pytest
from sqlalchemy.engine import Engine

from tests.e2e.helpers import ensure_admin, log_in
from tests.factories import make_token
from tests.live_server import LiveServer, public_id_of, seed_heartbeat

pytestmark = pytest.mark.browser

MB = 1024 * 1024
# Records every CSP violation the page reports, from the first script on.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
    window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || '')));
"""


def violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__cspViolations"))


def test_the_dashboard_works_under_its_content_security_policy(page: Any, live_app: LiveServer, db: Engine) -> None:
    base = live_app.url
    ensure_admin(db)
    heartbeat_id = seed_heartbeat(live_app.database_url, interval=60)
    with httpx.Client(timeout=10) as client:
        for result in ("run", "complete", "fail"):
            client.get(f"{base}/ping/{heartbeat_id}", params={"result": result}).raise_for_status()
    page.add_init_script(WATCH_VIOLATIONS)

    log_in(page, base)
    response = page.goto(f"{base}/heartbeats/{public_id_of(live_app.database_url, heartbeat_id)}")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-eval' 'sha256-" in policy and "frame-ancestors 'none'" in policy
    # A reload revalidates the cached page (304): it must keep working too.
    page.reload()
    # The chart draws its bars, and a toast the server sends (run through eval) shows.
    page.wait_for_function("document.querySelectorAll('#stats-chart .bars .point path').length > 0")
    traces = page.evaluate("document.getElementById('stats-chart').data.map(t => t.name)")
    assert {"Complete", "Fail"} <= set(traces)
    page.click("#pause-heartbeat")
    page.wait_for_selector("text=Paused")
    page.wait_for_selector("#heartbeat-status[data-status='paused']")
    assert violations(page) == []

    # The policy is enforced: a script injected into the page does not run.
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.__injected = true'; document.body.appendChild(s); }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__injected") is None
    assert [v.split()[0] for v in violations(page)] == ["script-src-elem"]


def test_another_origin_cannot_use_the_api_or_the_event_socket(context: Any, live_app: LiveServer, db: Engine) -> None:
    base = live_app.url
    token = make_token(db, "read-write", name="cors-test")
    call_api = """async ([url, token]) => {
        try {
            const r = await fetch(url, {headers: {Authorization: 'Bearer ' + token}});
            return 'status ' + r.status;
        } catch (e) { return 'blocked'; }
    }"""
    open_socket = """url => new Promise(done => {
        const ws = new WebSocket(url);
        ws.onopen = () => { ws.close(); done('open'); };
        ws.onerror = () => done('refused');
    })"""
    socket_url = base.replace("http", "ws") + "/_event/?EIO=4&transport=websocket"

    page = context.new_page()
    # A page of another site (served by the browser itself, no policy of ours).
    page.route("http://elsewhere.test/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>elsewhere</title>"))
    page.goto("http://elsewhere.test/")
    assert page.evaluate(call_api, [f"{base}/api/v1/service", token]) == "blocked"
    assert page.evaluate(open_socket, socket_url) == "refused"

    # The same calls from the dashboard's own origin work, so it is the origin that is refused.
    page.goto(f"{base}/login")
    assert page.evaluate(call_api, [f"{base}/api/v1/service", token]) == "status 200"
    assert page.evaluate(open_socket, socket_url) == "open"


def websocket_handshake(port: int, origin: str | None) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n" + (f"Origin: {origin}\r\n" if origin else "") + "\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        return sock.recv(4096).split(b"\r\n")[0]


def test_the_event_socket_checks_the_origin_of_the_handshake(live_app: LiveServer) -> None:
    assert websocket_handshake(live_app.port, None) == b"HTTP/1.1 101 Switching Protocols"
    assert websocket_handshake(live_app.port, live_app.url) == b"HTTP/1.1 101 Switching Protocols"
    assert websocket_handshake(live_app.port, "https://evil.example") == b"HTTP/1.1 403 Forbidden"


class GroupRss(threading.Thread):
    """Peak resident memory of the server's whole process group (``reflex run`` and its workers)."""

    def __init__(self, pgid: int) -> None:
        super().__init__(daemon=True)
        self.pgid, self.peak, self.stopped = pgid, 0, threading.Event()

    def now(self) -> int:
        total = 0
        for process in psutil.process_iter():
            try:
                if os.getpgid(process.pid) == self.pgid:
                    total += process.memory_info().rss
            except (psutil.Error, ProcessLookupError):
                pass
        return total

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, self.now())
            self.stopped.wait(0.05)


@contextmanager
def peak_rss(pgid: int) -> Iterator[GroupRss]:
    sampler = GroupRss(pgid)
    sampler.start()
    try:
        yield sampler
    finally:
        sampler.stopped.set()
        sampler.join()


def send_body(port: int, head: bytes, size: int, *, chunked: bool) -> bytes:
    """Send ``head`` then up to ``size`` body bytes, like a client that does not stop; the status line."""
    piece = b"x" * MB
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(head)
        try:
            for _ in range(size // MB):
                sock.sendall(b"%x\r\n%s\r\n" % (MB, piece) if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: the rest is never read
        return sock.recv(65536).split(b"\r\n")[0]


def test_large_bodies_are_refused_while_memory_stays_flat(live_app: LiveServer, db: Engine) -> None:
    port = live_app.port
    writer = f"Authorization: Bearer {make_token(db, 'read-write', name='big-bodies')}\r\n".encode()
    reader = f"Authorization: Bearer {make_token(db, 'read-only', name='big-bodies-ro')}\r\n".encode()
    start = b"POST /api/v1/service HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    chunked, declared = b"Transfer-Encoding: chunked\r\n\r\n", b"Content-Length: %d\r\n\r\n"
    attacks = [
        # (key, framing, bytes sent, status)
        (b"", chunked, 200 * MB, b"401"),  # no key: refused before a byte of the body is read
        (reader, chunked, 200 * MB, b"403"),  # read-only key on a write: the same
        (writer, chunked, 200 * MB, b"413"),  # streamed: cut off just past the cap
        (writer, declared % (300 * MB), 300 * MB, b"413"),  # declared too large: refused at once
        (writer, declared % (300 * MB), 0, b"413"),  # declared large, nothing sent: answered without waiting
        (b"", declared % (300 * MB), 300 * MB, b"413"),
    ]
    pgid = live_app.process.pid
    with peak_rss(pgid) as memory:
        time.sleep(0.3)
        before = memory.now()
        for key, framing, size, status in attacks:
            status_line = send_body(port, start + key + framing, size, chunked=framing == chunked)
            assert re.match(rb"HTTP/1.1 " + status, status_line), (key[:20], framing, status_line)
        time.sleep(0.3)
    growth_mb = (memory.peak - before) / MB
    print(f"server process group RSS: {before / MB:.0f} MB before, peak {memory.peak / MB:.0f} MB "
          f"(+{growth_mb:.0f} MB) over {len(attacks)} bodies of up to 300 MB")
    # Before the cap the first attack alone grew the server by ~860 MB; reading bodies
    # only up to the 1 MB cap leaves room for noise of a few MB.
    assert growth_mb < 100
    # And a body under the cap still works.
    with httpx.Client(base_url=live_app.url, timeout=10) as client:
        created = client.post("/api/v1/service", json={"name": "after-the-attack"},
                              headers={"Authorization": writer.decode().split(": ", 1)[1].strip()})
        assert created.status_code == 201, created.text


def test_headers_on_pages_assets_api_and_check_ins(live_app: LiveServer) -> None:
    heartbeat_id = seed_heartbeat(live_app.database_url)
    with httpx.Client(base_url=live_app.url, timeout=10, follow_redirects=True) as client:
        page = client.get("/login")
        asset = re.search(r'"(/assets/[^"]+\.js)"', page.text)
        assert asset is not None, page.text[:500]
        responses = {
            "page": page,
            "asset": client.get(asset.group(1)),
            "api": client.get("/api/health"),
            "check-in": client.get(f"/ping/{heartbeat_id}"),
        }
        for name, response in responses.items():
            assert response.status_code == 200, name
            assert response.headers["x-content-type-options"] == "nosniff", name
            assert response.headers["referrer-policy"] == "no-referrer", name
        assert "script-src 'self' 'unsafe-eval' 'sha256-" in page.headers["content-security-policy"]
        assert responses["asset"].headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert page.headers["x-frame-options"] == responses["api"].headers["x-frame-options"] == "DENY"

        head = client.head("/api/health")
        assert (head.status_code, head.content) == (200, b"")
