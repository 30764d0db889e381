"""The check-in endpoint: ``/ping/{id}`` and the Pinghome alias ``/v1/heartbeat/{id}``.

This is the hot path, so it is a bare ASGI callable: no router, no request or
response objects, no dependency injection.  It parses the request, hands the
ping to the group-commit writer and answers once the ping is committed.  It
touches the database only through the writer, which the server's lifespan puts
in ``checkins`` (the route's handle) while it runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send

from dashboard.core.ids import parse_id
from dashboard.core.ingest import MESSAGE_LIMIT, PingRequest
from dashboard.core.ratelimit import RateLimiter
from dashboard.core.writer import PingWriter, WriterUnavailable
from dashboard.models import ALLOWED_METHODS, JOB_RESULTS

PING_PREFIXES = ("/ping/", "/v1/heartbeat/")
MAX_BODY_BYTES = 100 * 1024
_RESULT_HELP = "result must be one of: " + ", ".join(JOB_RESULTS)
_JSON_HEADERS = [(b"content-type", b"application/json")]
_OK_BODIES = {status: json.dumps({"ok": True, "status": status}).encode()
              for status in ("new", "up", "late", "down", "paused")}


@dataclass
class CheckinHandle:
    """What the route hands check-ins to: this process's writer and rate limiter.

    Empty while the server starts or stops (the route answers 503 then); the
    lifespan task attaches the running ones.
    """

    writer: PingWriter | None = None
    rate_limiter: RateLimiter | None = None

    def attach(self, writer: PingWriter, rate_limiter: RateLimiter | None) -> None:
        self.writer, self.rate_limiter = writer, rate_limiter

    def detach(self) -> None:
        self.writer, self.rate_limiter = None, None


checkins = CheckinHandle()


class PingError(Exception):
    """A check-in that is answered with an error and records nothing."""

    def __init__(self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message = status_code, code, message
        self.headers = headers or {}

    def body(self) -> bytes:
        return json.dumps({"error": {"code": self.code, "message": self.message, "fields": {}}}).encode()


NOT_FOUND = PingError(404, "not_found", "no heartbeat with this id")
TOO_LARGE = PingError(413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES // 1024} KB")


def is_ping_path(path: str) -> bool:
    return path.startswith(PING_PREFIXES) and path.count("/") == (2 if path.startswith("/ping/") else 3)


def canonical_id(path: str) -> str | None:
    return parse_id(path.rsplit("/", 1)[1])


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def _read_body(scope: Scope, receive: Receive) -> bytes:
    declared = _header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TOO_LARGE
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise PingError(400, "disconnected", "the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TOO_LARGE
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _fields_from_body(body: bytes, content_type: str) -> tuple[object, object]:
    """(result, message) carried by the body, each None when absent."""
    if not body.strip():
        return None, None
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            data = json.loads(body)
        except ValueError:
            raise PingError(400, "invalid_json", "the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise PingError(400, "invalid_json", 'a JSON body must be an object like {"result": "...", "message": "..."}')
        return data.get("result"), data.get("message")
    if media_type == "application/x-www-form-urlencoded":
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return form.get("result"), form.get("message")
    # Anything else (text/plain, curl's default --data, a log file) is the message.
    return None, body.decode("utf-8", "replace")


def storable(text: str) -> str:
    """``text`` with what a database refuses replaced: NUL (PostgreSQL) and lone
    surrogates from JSON escapes (not UTF-8).  One such ping would otherwise fail
    the whole batch it was written in."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _text_field(name: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise PingError(400, f"invalid_{name}", f"{name} must be a string")


async def parse_ping(scope: Scope, receive: Receive, heartbeat_id: str) -> PingRequest:
    method = scope["method"]
    query_string = scope.get("query_string", b"")
    query = dict(parse_qsl(query_string.decode("utf-8", "replace"))) if query_string else {}
    body = await _read_body(scope, receive) if method in ("POST", "PUT") else b""
    body_result, body_message = _fields_from_body(body, _header(scope, b"content-type") or "")
    result = (query.get("result") or _text_field("result", body_result) or "tick").strip().lower()
    if result not in JOB_RESULTS:
        raise PingError(400, "invalid_result", f"unknown result {result[:40]!r}; {_RESULT_HELP}")
    message = query.get("message")
    if message is None:
        message = _text_field("message", body_message) or ""
    message = storable(message)
    client = scope.get("client")
    return PingRequest(
        heartbeat_id=heartbeat_id,
        result=result,
        message=message[:MESSAGE_LIMIT],
        message_truncated=len(message) > MESSAGE_LIMIT,
        method=method,
        source_ip=client[0] if client else None,
        user_agent=storable(_header(scope, b"user-agent") or "")[:300] or None,
    )


async def record_ping(scope: Scope, receive: Receive) -> str:
    """Validate and commit one check-in; returns the heartbeat's status after it."""
    if scope["method"] not in ALLOWED_METHODS:
        allowed = ", ".join(ALLOWED_METHODS)
        raise PingError(405, "method_not_allowed", f"check-ins accept {allowed}", {"Allow": allowed})
    heartbeat_id = canonical_id(scope["path"])
    if heartbeat_id is None:
        raise NOT_FOUND
    ping = await parse_ping(scope, receive, heartbeat_id)
    writer, rate_limiter = checkins.writer, checkins.rate_limiter
    if writer is None:
        raise PingError(503, "unavailable", "the server is starting or stopping", {"Retry-After": "1"})
    if rate_limiter is not None and (wait_s := rate_limiter.check(heartbeat_id)) is not None:
        writer.note("checkins_rate_limited")
        raise PingError(429, "rate_limited",
                        f"more than {rate_limiter.per_minute} check-ins a minute for this heartbeat",
                        {"Retry-After": RateLimiter.retry_after_header(wait_s)})
    try:
        outcome = await writer.submit(ping)
    except WriterUnavailable as exc:
        raise PingError(503, "unavailable", f"the check-in was not recorded: {exc}", {"Retry-After": "1"}) from None
    if outcome.kind == "not_found":
        raise NOT_FOUND
    if outcome.kind == "method_not_allowed":
        allowed = ", ".join(outcome.allowed_methods)
        raise PingError(405, "method_not_allowed", f"this heartbeat accepts {allowed}", {"Allow": allowed})
    return outcome.status or "up"


async def ping_app(scope: Scope, receive: Receive, send: Send) -> None:
    """ASGI app for the check-in paths (see ``is_ping_path``)."""
    if scope["type"] != "http":
        return  # no lifespan of its own: the server's lifespan runs the writer
    try:
        status = await record_ping(scope, receive)
    except PingError as error:
        body = error.body()
        headers = _JSON_HEADERS + [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
        await _respond(send, error.status_code, headers, body, scope["method"])
        return
    await _respond(send, 200, _JSON_HEADERS, _OK_BODIES[status], scope["method"])


async def _respond(send: Send, status_code: int, headers: list[tuple[bytes, bytes]], body: bytes, method: str) -> None:
    headers = headers + [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status_code, "headers": headers})
    # HEAD: same headers, no body.
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
