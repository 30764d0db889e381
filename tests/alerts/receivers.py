"""Real receivers on loopback for the alert tests: HTTP, a socket that never answers, SMTP."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpReceiver:
    """Records every request; answers ``status`` (changeable while running)."""

    port: int = 0
    status: int = 200
    reply: bytes = b"ok"
    requests: list[ReceivedRequest] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> HttpReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.arrived:
                    receiver.requests.append(ReceivedRequest(
                        "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    receiver.arrived.notify_all()
                self.send_response(receiver.status)
                self.send_header("Content-Length", str(len(receiver.reply)))
                self.end_headers()
                self.wfile.write(receiver.reply)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedRequest]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)
            return list(self.requests)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class HangingReceiver:
    """Accepts connections and never reads or answers: the receiver that hangs."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self.port = int(self._socket.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self.connected = threading.Condition()
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _accept(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self._socket.accept()
            except OSError:
                return
            with self.connected:
                self.accepted.append(conn)
                self.connected.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        with self.connected:
            return self.connected.wait_for(lambda: len(self.accepted) >= count, timeout)

    def stop(self) -> None:
        self._stopped = True
        self._socket.close()
        for conn in self.accepted:
            conn.close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self.recipients.append(list(envelope.rcpt_tos))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) on a free loopback port."""

    def __init__(self, **smtp_options: Any) -> None:
        self.mailbox = _Mailbox()
        self.port = free_port()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **smtp_options)

    def start(self) -> SmtpReceiver:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.mailbox.messages

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self.mailbox.arrived:
            self.mailbox.arrived.wait_for(lambda: len(self.mailbox.messages) >= count, timeout)
            return list(self.mailbox.messages)
