"""The check-in endpoint: ``/ping/{id}`` and the Pinghome alias ``/v1/heartbeat/{id}``.

The hot path.  It parses the request, hands the ping to the group-commit writer
and answers once the ping is committed.  It deliberately avoids FastAPI (no
dependency injection or response models) and touches the database only through
the writer.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dashboard.core import background
from dashboard.core.ingest import MESSAGE_LIMIT, PingRequest
from dashboard.core.writer import WriterUnavailable
from dashboard.models import ALLOWED_METHODS, JOB_RESULTS

MAX_BODY_BYTES = 100 * 1024
_RESULT_HELP = "result must be one of: " + ", ".join(JOB_RESULTS)


class BadPing(Exception):
    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message = status_code, code, message


def error_response(status_code: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "fields": {}}}, status_code, headers=headers)


def _canonical_id(raw: str) -> str | None:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadPing(413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES // 1024} KB")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BadPing(413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES // 1024} KB")
        chunks.append(chunk)
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
            raise BadPing(400, "invalid_json", "the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise BadPing(400, "invalid_json", 'a JSON body must be an object like {"result": "...", "message": "..."}')
        return data.get("result"), data.get("message")
    if media_type == "application/x-www-form-urlencoded":
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return form.get("result"), form.get("message")
    # Anything else (text/plain, curl's default --data, a log file) is the message.
    return None, body.decode("utf-8", "replace")


def _text_field(name: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise BadPing(400, f"invalid_{name}", f"{name} must be a string")


async def parse_ping(request: Request, heartbeat_id: str) -> PingRequest:
    query = request.query_params
    body = await _read_body(request) if request.method in ("POST", "PUT") else b""
    body_result, body_message = _fields_from_body(body, request.headers.get("content-type", ""))
    result = query.get("result") or _text_field("result", body_result) or "tick"
    result = result.strip().lower()
    if result not in JOB_RESULTS:
        raise BadPing(400, "invalid_result", f"unknown result {result[:40]!r}; {_RESULT_HELP}")
    message = query.get("message")
    if message is None:
        message = _text_field("message", body_message) or ""
    client = request.client
    return PingRequest(
        heartbeat_id=heartbeat_id,
        result=result,
        message=message[:MESSAGE_LIMIT],
        message_truncated=len(message) > MESSAGE_LIMIT,
        method=request.method,
        source_ip=client.host if client else None,
        user_agent=(request.headers.get("user-agent") or "")[:300] or None,
    )


async def check_in(request: Request) -> Response:
    if request.method not in ALLOWED_METHODS:
        allowed = ", ".join(ALLOWED_METHODS)
        return error_response(405, "method_not_allowed", f"check-ins accept {allowed}", {"Allow": allowed})
    heartbeat_id = _canonical_id(request.path_params["heartbeat_id"])
    if heartbeat_id is None:
        return error_response(404, "not_found", "no heartbeat with this id")
    try:
        ping = await parse_ping(request, heartbeat_id)
    except BadPing as bad:
        return error_response(bad.status_code, bad.code, bad.message)
    running = background.current()
    if running is None:
        return error_response(503, "unavailable", "the server is starting or stopping", {"Retry-After": "1"})
    try:
        outcome = await running.writer.submit(ping)
    except WriterUnavailable as exc:
        return error_response(503, "unavailable", f"the check-in was not recorded: {exc}", {"Retry-After": "1"})
    if outcome.kind == "not_found":
        return error_response(404, "not_found", "no heartbeat with this id")
    if outcome.kind == "method_not_allowed":
        allowed = ", ".join(outcome.allowed_methods)
        return error_response(405, "method_not_allowed", f"this heartbeat accepts {allowed}", {"Allow": allowed})
    if request.method == "HEAD":
        return Response(status_code=200)
    return JSONResponse({"ok": True, "status": outcome.status})


_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
ping_routes = [
    # Every method reaches the handler, which answers 405 itself (a method missing
    # here would fall through to the Reflex app mounted at "").
    Route("/ping/{heartbeat_id}", check_in, methods=_EVERY_METHOD),
    Route("/v1/heartbeat/{heartbeat_id}", check_in, methods=_EVERY_METHOD),
]
