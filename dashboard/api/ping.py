"""The check-in endpoint: ``/ping/...`` and the Pinghome alias ``/v1/heartbeat/{id}``.

URL forms (the Healthchecks ones too, so its clients and ``runitor`` work by
changing the host):

- ``/ping/{id}`` — ``result``/``message``/``rid``/``exit_code`` from the query or the body;
- ``/ping/{id}/start`` (= ``run``), ``/fail``, ``/log``, ``/{0-255}`` (an exit code:
  0 → ``complete``, else ``fail``) — the body is the message;
- ``/ping/{ping_key}/{slug}`` with the same suffixes; ``?create=1`` creates a missing
  heartbeat in the key's service (201).

Where a parameter comes from, in order: the URL suffix, then the query string,
then the body; two sources that disagree (``/fail?result=complete``, or
``?result=a&result=b``) are a 400.  A JSON body must be an object of strings (a body
labelled JSON that does not parse as JSON is the message, as any other text is); a
form body is read as fields only when it has a ``result`` or ``message`` field —
otherwise, like any other body (``curl --data-binary @error.log``), it is the message.

This is the hot path, so it is a bare ASGI callable: no router, no request or
response objects, no dependency injection.  It parses the request, hands the
ping to the group-commit writer and answers once the ping is committed.  It
touches the database only through the writer, which the server's lifespan puts
in ``checkins`` (the route's handle) while it runs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send

from dashboard.core.contracts import SLUG_PATTERN
from dashboard.core.ids import parse_id
from dashboard.core.ingest import MESSAGE_LIMIT, PingRequest
from dashboard.core.ratelimit import RateLimiter
from dashboard.core.schedule import STATUSES
from dashboard.core.writer import PingWriter, WriterUnavailable
from dashboard.models import ALLOWED_METHODS, JOB_RESULTS

MAX_BODY_BYTES = 100 * 1024
MAX_RID_LENGTH = 64
_RESULT_HELP = "result must be one of: " + ", ".join(JOB_RESULTS)
_JSON_HEADERS = [(b"content-type", b"application/json")]
# Healthchecks' header: how much of a body is kept.  runitor (and ``lubdub run``) send the
# last that many bytes of a job's output, so the end of a long log is what is kept.
_OK_HEADERS = _JSON_HEADERS + [(b"ping-body-limit", str(MESSAGE_LIMIT).encode())]
_OK_BODIES = {status: json.dumps({"ok": True, "status": status}).encode() for status in STATUSES}
# URL suffixes and the result each one means (exit codes are handled apart).
_SUFFIX_RESULTS = {"start": "run", "fail": "fail", "log": "log"}
_PING_KEY = re.compile(r"[a-z0-9]{22}")
_SLUG = re.compile(SLUG_PATTERN)
_EXIT_CODE = re.compile(r"[0-9]{1,10}")
# Names of JSON-body and form fields; anything else in them is ignored.
_FIELDS = ("result", "message", "rid", "exit_code")


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

    def __init__(self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message = status_code, code, message
        self.headers = headers or {}
        self.field = field

    def body(self) -> bytes:
        fields = {self.field: self.message} if self.field else {}
        return json.dumps({"error": {"code": self.code, "message": self.message, "fields": fields}}).encode()


def _bad(field: str, message: str) -> PingError:
    return PingError(400, f"invalid_{field}", message, field=field)


NOT_FOUND = PingError(404, "not_found", "no heartbeat with this id")
TOO_LARGE = PingError(413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES // 1024} KB")


def is_ping_path(path: str) -> bool:
    """Everything under /ping (any case: /PING/... gets the check-in's JSON 404, not a
    page) and the Pinghome alias /v1/heartbeat/{id}."""
    lowered = path[:6].lower()
    return lowered == "/ping" or lowered == "/ping/" or path.startswith("/v1/heartbeat/")


@dataclass(frozen=True, slots=True)
class Target:
    """What the path names: a heartbeat by its check-in id, or by ping key and slug; and its suffix's result."""

    ping_id: str = ""
    ping_key: str | None = None
    slug: str | None = None
    result: str | None = None
    exit_code: int | None = None


def _suffix(raw: str) -> tuple[str | None, int | None] | None:
    """(result, exit code) a URL suffix stands for; None when it is not a suffix."""
    if raw in _SUFFIX_RESULTS:
        return _SUFFIX_RESULTS[raw], None
    if _EXIT_CODE.fullmatch(raw):
        code = int(raw)
        if code > 255:
            raise _bad("exit_code", f"exit code {code} is out of range 0-255")
        return ("complete" if code == 0 else "fail"), code
    return None


def parse_target(path: str) -> Target:
    """The heartbeat and suffix a check-in path names, or the PingError to answer."""
    if not path.startswith(("/ping", "/v1/heartbeat/")):
        raise PingError(404, "not_found", "check-in URLs are lowercase: /ping/{id}")
    rest = path.removeprefix("/v1/heartbeat/") if path.startswith("/v1/") else path.removeprefix("/ping")
    parts = rest.strip("/").split("/") if rest.strip("/") else []
    if not parts:
        raise PingError(404, "not_found", "the check-in URL has no heartbeat id: use /ping/{id} "
                                          "(is the variable holding the id empty?)")
    if len(parts) > 3:
        raise NOT_FOUND
    ping_id = parse_id(parts[0])
    if ping_id is not None and len(parts) <= 2:
        suffix = _suffix(parts[1]) if len(parts) == 2 else (None, None)
        if suffix is not None:
            return Target(ping_id=ping_id, result=suffix[0], exit_code=suffix[1])
    if len(parts) == 1:
        raise NOT_FOUND
    ping_key, slug = parts[0], parts[1]
    suffix = _suffix(parts[2]) if len(parts) == 3 else (None, None)
    if suffix is None:
        raise NOT_FOUND
    if not _SLUG.fullmatch(slug):
        raise _bad("slug", f"a slug is 1 to 100 lowercase letters, digits, - or _; got {slug[:40]!r}")
    if not _PING_KEY.fullmatch(ping_key):
        raise PingError(404, "not_found", "no service with this ping key")
    return Target(ping_key=ping_key, slug=slug, result=suffix[0], exit_code=suffix[1])


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


def _one_value_each(pairs: list[tuple[str, str]], where: str) -> dict[str, str]:
    """Pairs as a dict; a parameter repeated with different values is a 400."""
    found: dict[str, str] = {}
    for name, value in pairs:
        if name in found and found[name] != value and name in _FIELDS:
            raise _bad(name, f"{name} is given twice in the {where} with different values")
        found.setdefault(name, value)
    return found


def _json_fields(body: bytes) -> dict[str, object]:
    try:
        data = json.loads(body)
    except RecursionError:
        raise PingError(400, "invalid_json", "the JSON body is nested too deeply") from None
    except ValueError:
        # Not JSON at all, whatever its label: the job's text.  Healthchecks' Python client
        # (healthchecks-io) labels every body application/json, its log lines included.
        return {"message": body.decode("utf-8", "replace")}
    if not isinstance(data, dict):
        raise PingError(400, "invalid_json", 'a JSON body must be an object like {"result": "...", "message": "..."}')
    for name in _FIELDS:
        value = data.get(name)
        # Numbers are taken for the text fields (a message of 42 is "42"), whole ones for ids and codes.
        allowed = (str, int) if name in ("exit_code", "rid") else (str, int, float)
        if value is not None and (not isinstance(value, allowed) or isinstance(value, bool)):
            raise _bad(name, f"{name} must be a string")
    return {name: data[name] for name in _FIELDS if data.get(name) is not None}


def _body_fields(body: bytes, content_type: str) -> dict[str, object]:
    """The parameters a body carries: JSON or form fields, or the whole body as the message."""
    if not body.strip():
        return {}
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return _json_fields(body)
    if media_type == "application/x-www-form-urlencoded":
        form = _one_value_each(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True), "form body")
        # curl -d @file labels any file a form: only a real form (one with our
        # fields) is read as fields, anything else is the job's log.
        if "result" in form or "message" in form:
            return {name: form[name] for name in _FIELDS if name in form}
    return {"message": body.decode("utf-8", "replace")}


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


def _pick(name: str, *sources: object) -> object:
    """The first given value among URL suffix, query and body; disagreeing ones are a 400."""
    given = [value for value in sources if value is not None]
    if len({str(value).strip().lower() for value in given}) > 1:
        raise _bad(name, f"{name} is given twice with different values ({', '.join(repr(str(v))[:40] for v in given)})")
    return given[0] if given else None


def _exit_code(raw: object) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, int) or (isinstance(raw, str) and _EXIT_CODE.fullmatch(raw.strip())):
        code = int(raw)
        if 0 <= code <= 255:
            return code
    raise _bad("exit_code", f"exit_code must be a whole number from 0 to 255, got {str(raw)[:20]!r}")


def _result(raw: object, exit_code: int | None) -> str:
    result = str(raw).strip().lower() if raw is not None else None
    if exit_code is not None:
        implied = "complete" if exit_code == 0 else "fail"
        if result is not None and result != implied:
            raise _bad("result", f"result {result[:40]!r} contradicts exit_code {exit_code} (which means {implied})")
        return implied
    if result is None or result == "":
        return "tick"
    if result not in JOB_RESULTS:
        raise _bad("result", f"unknown result {result[:40]!r}; {_RESULT_HELP}")
    return result


def _rid(raw: object) -> str | None:
    if raw is None or raw == "":
        return None
    rid = str(raw)
    if len(rid) > MAX_RID_LENGTH or not rid.isprintable():
        raise _bad("rid", f"rid must be at most {MAX_RID_LENGTH} printable characters")
    return rid


async def parse_ping(scope: Scope, receive: Receive, target: Target) -> PingRequest:
    method = scope["method"]
    query_string = scope.get("query_string", b"")
    query = _one_value_each(parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True),
                            "query string") if query_string else {}
    body = await _read_body(scope, receive) if method in ("POST", "PUT") else b""
    fields = _body_fields(body, _header(scope, b"content-type") or "")
    exit_code = _exit_code(_pick("exit_code", target.exit_code, query.get("exit_code"), fields.get("exit_code")))
    result = _result(_pick("result", target.result, query.get("result") or None, fields.get("result")), exit_code)
    rid = _rid(_pick("rid", query.get("rid"), fields.get("rid")))
    raw_message = query.get("message")
    message = storable(raw_message if raw_message is not None else str(fields.get("message") or ""))
    client = scope.get("client")
    return PingRequest(
        ping_id=target.ping_id,
        result=result,
        message=message[:MESSAGE_LIMIT],
        message_truncated=len(message) > MESSAGE_LIMIT,
        method=method,
        source_ip=client[0] if client else None,
        user_agent=storable(_header(scope, b"user-agent") or "")[:300] or None,
        rid=rid,
        exit_code=exit_code,
        ping_key=target.ping_key,
        slug=target.slug,
        create=target.slug is not None and query.get("create") == "1",
    )


async def record_ping(scope: Scope, receive: Receive) -> tuple[int, str]:
    """Validate and commit one check-in; returns (HTTP status, the heartbeat's status after it)."""
    if scope["method"] not in ALLOWED_METHODS:
        allowed = ", ".join(ALLOWED_METHODS)
        raise PingError(405, "method_not_allowed", f"check-ins accept {allowed}", {"Allow": allowed})
    target = parse_target(scope["path"])
    ping = await parse_ping(scope, receive, target)
    writer, rate_limiter = checkins.writer, checkins.rate_limiter
    if writer is None:
        raise PingError(503, "unavailable", "the server is starting or stopping", {"Retry-After": "1"})
    limit_key = target.ping_id or f"{target.ping_key}/{target.slug}"
    if rate_limiter is not None and (wait_s := rate_limiter.check(limit_key)) is not None:
        writer.note("checkins_rate_limited")
        raise PingError(429, "rate_limited",
                        f"more than {rate_limiter.per_minute} check-ins a minute for this heartbeat",
                        {"Retry-After": RateLimiter.retry_after_header(wait_s)})
    try:
        outcome = await writer.submit(ping)
    except WriterUnavailable as exc:
        raise PingError(503, "unavailable", f"the check-in was not recorded: {exc}", {"Retry-After": "1"}) from None
    if outcome.kind == "not_found":
        raise NOT_FOUND if target.slug is None else PingError(404, "not_found", "no heartbeat with this slug")
    if outcome.kind == "conflict":
        raise PingError(409, "conflict", outcome.message)
    if outcome.kind == "method_not_allowed":
        allowed = ", ".join(outcome.allowed_methods)
        raise PingError(405, "method_not_allowed", f"this heartbeat accepts {allowed}", {"Allow": allowed})
    return (201 if outcome.created else 200), outcome.status or "up"


async def ping_app(scope: Scope, receive: Receive, send: Send) -> None:
    """ASGI app for the check-in paths (see ``is_ping_path``)."""
    if scope["type"] != "http":
        return  # no lifespan of its own: the server's lifespan runs the writer
    try:
        status_code, status = await record_ping(scope, receive)
    except PingError as error:
        body = error.body()
        headers = _JSON_HEADERS + [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
        await _respond(send, error.status_code, headers, body, scope["method"])
        return
    await _respond(send, status_code, _OK_HEADERS, _OK_BODIES[status], scope["method"])


async def _respond(send: Send, status_code: int, headers: list[tuple[bytes, bytes]], body: bytes, method: str) -> None:
    headers = headers + [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status_code, "headers": headers})
    # HEAD: same headers, no body.
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
