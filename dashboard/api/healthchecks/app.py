"""Healthchecks' management API (v1, v2, v3) over Lubdub's data, mounted under ``/api``.

Paths: everything under ``/api/v3/`` and ``/api/v2/``, and ``/api/v1/checks…``,
``/api/v1/channels/``, ``/api/v1/badges/``, ``/api/v1/status/`` (the rest of
``/api/v1`` is Lubdub's own API; those names do not collide with it).  Trailing
slashes are optional (Healthchecks redirects; its npm client relies on that).

Authentication is Healthchecks': the key in ``X-Api-Key`` (any Lubdub API key), or,
on POST without that header, ``api_key`` in the JSON body.  A header key is checked
before the body is read; a body key is looked for only in a body within the size
cap.  What a key may do is decided by ``core/access.py`` like everywhere else:
a key limited to a service (a Healthchecks project) sees only that service
(others are 404), a viewer key reads only (403 on writes) and gets Healthchecks'
read-only shape.  Errors are Healthchecks' ``{"error": "..."}`` with its wording
where it has one; Lubdub answers 4xx where Healthchecks would fail with a 500.
The mapping itself (project = service, check = heartbeat, …) is in
``core/healthchecks.py``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from dashboard.api import refs
from dashboard.api.auth import key_for_token
from dashboard.api.healthchecks import shapes
from dashboard.api.healthchecks.paths import VERSIONED
from dashboard.api.healthchecks.spec import CheckSpec, SpecError, parse_spec
from dashboard.config import get_settings
from dashboard.core import badges, events, heartbeats
from dashboard.core import healthchecks as hc
from dashboard.core.access import Action, Principal
from dashboard.core.alerts import channels
from dashboard.core.apikeys import key_principal
from dashboard.core.contracts import HeartbeatCreate, HeartbeatUpdate
from dashboard.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, TooLarge
from dashboard.db import session_scope
from dashboard.models import Heartbeat
from dashboard.timeutil import from_micros, utcnow

_UNIQUE_KEY = re.compile(r"^[0-9a-fA-F]{40}$")
log = logging.getLogger(__name__)
STREAM_BATCH = 500
PING_LIST_LIMIT = 100
MAX_FLIP_SECONDS = 31_536_000
MAX_TIMESTAMP = 10_000_000_000


class HcJSON(JSONResponse):
    """JSON spaced as Healthchecks writes it (``", "`` and ``": "``)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False).encode("utf-8")


class HcError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}

    def response(self) -> Response:
        return HcJSON({"error": self.message}, status_code=self.status, headers=self.headers)


MISSING_KEY = HcError(401, "missing api key")
WRONG_KEY = HcError(401, "wrong api key")


def _domain_error(error: DomainError) -> HcError:
    if isinstance(error, Invalid):
        if error.field == "channels":
            return HcError(400, error.reason)
        return HcError(400, f"json validation error: {error.field} {error.reason}")
    status = {NotFound: 404, Forbidden: 403, Conflict: 409, TooLarge: 400}.get(type(error), 400)
    return HcError(status, error.message)


@dataclass
class Call:
    """One request as a view sees it."""

    engine: Engine
    who: Principal
    version: int
    query: QueryParams
    body: dict[str, Any]

    @property
    def view(self) -> shapes.View:
        return shapes.View(self.version, get_settings().public_url, self.who.sees_secrets)

    def spec(self) -> CheckSpec:
        try:
            return parse_spec(self.body)
        except SpecError as error:
            raise HcError(400, f"json validation error: {error.message}") from None


View = Callable[..., Response]


# --- checks ---------------------------------------------------------------------------


def _check_body(session: Session, heartbeat: Heartbeat, call: Call) -> dict[str, Any]:
    linked = channels.heartbeat_channel_ids(session, [heartbeat.id])[heartbeat.id] if call.who.sees_secrets else []
    return shapes.check(heartbeat, call.view, utcnow(), linked)


def list_checks(call: Call) -> Response:
    call.who.require(Action.READ)
    slug = call.query.get("slug") or None
    found = heartbeats.HeartbeatFilter(call.who.service_ids, tuple(call.query.getlist("tag")), slug)
    view, now, engine = call.view, utcnow(), call.engine

    def stream() -> Iterator[bytes]:
        # In batches, each in its own short read: the answer can be large, the memory stays flat.
        yield b'{"checks": ['
        after: heartbeats.Cursor | None = None
        separator = b""
        while True:
            with Session(engine) as session:
                rows = heartbeats.heartbeat_batch(session, found, after, STREAM_BATCH)
                linked = channels.heartbeat_channel_ids(session, [r.id for r in rows]) if view.secrets else {}
                chunk = b", ".join(json.dumps(shapes.check(r, view, now, linked.get(r.id, []))).encode() for r in rows)
            if chunk:
                yield separator + chunk
                separator = b", "
            if len(rows) < STREAM_BATCH:
                break
            after = heartbeats.cursor_of(rows[-1])
        yield b"]}"

    return StreamingResponse(stream(), media_type="application/json")


def _read(session: Session, ref: str, call: Call) -> Heartbeat:
    return refs.to_read(session, ref, call.who)


def _change(session: Session, ref: str, call: Call) -> Heartbeat:
    if _UNIQUE_KEY.match(ref):
        raise HcError(405, "a check is changed through its uuid, not its unique_key", {"Allow": "GET"})
    return refs.to_change(session, ref, call.who)


def get_check(call: Call, ref: str) -> Response:
    with Session(call.engine) as session:
        return HcJSON(_check_body(session, _read(session, ref, call), call))


def _apply_channels(session: Session, heartbeat: Heartbeat, spec: CheckSpec) -> None:
    if "channels" not in spec:
        return
    raw = spec.get("channels")
    if raw == "*":
        chosen = [channel.id for channel in channels.list_channels(session)]
    elif raw == "":
        chosen = []
    else:
        chosen = [channel.id for channel in channels.resolve_channels(session, [part.strip() for part in raw.split(",")])]
    channels.set_heartbeat_channels(session, heartbeat.id, chosen, utcnow())


def _derived_slug(spec: CheckSpec, version: int) -> str | None:
    """The slug a request sets, if any: v1/v2 derive it from the name (an explicit slug wins)."""
    if "slug" in spec:
        return str(spec.get("slug"))
    if version < 3 and "name" in spec:
        return hc.slugify(spec.get("name"))
    return None


def _update_fields(spec: CheckSpec, version: int) -> dict[str, Any]:
    """The heartbeat fields a create or update request sets (Lubdub names)."""
    # Healthchecks: a schedule wins over a timeout; a timeout alone makes it a simple check.
    renamed = {"name": "name", "tags": "tags", "desc": "description", "grace": "grace", "tz": "timezone",
               "manual_resume": "manual_resume", "schedule" if "schedule" in spec else "timeout":
               "schedule" if "schedule" in spec else "interval"}
    fields: dict[str, Any] = {ours: spec.get(theirs) for theirs, ours in renamed.items() if theirs in spec}
    slug = _derived_slug(spec, version)
    if slug is not None:
        fields["slug"] = slug or None
    if "methods" in spec:
        fields["methods"] = hc.methods_from_hc(spec.get("methods"))
    return fields


ModelT = TypeVar("ModelT", bound=BaseModel)
_HC_NAMES = {"interval": "timeout", "timezone": "tz", "description": "desc"}


def _contract(model: type[ModelT], fields: dict[str, Any]) -> ModelT:
    """Core's input record; its refusals (a name of blanks, say) as Healthchecks-style 400s."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "value"
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise HcError(400, f"json validation error: {_HC_NAMES.get(field, field)} {reason}") from None


def create_check(call: Call) -> Response:
    spec = call.spec()
    now = utcnow()
    with session_scope(call.engine, write=True) as session:
        service = hc.target_service(session, call.who, spec.get("service"), now)
        fields = _update_fields(spec, call.version)
        unique = spec.get("unique") or []
        if unique and all(field in spec for field in unique):
            criteria = hc.UniqueCriteria({field: spec.get(field) for field in unique})
            existing = hc.find_unique_match(session, service.id, criteria)
            if existing is not None:
                updated = heartbeats.update_heartbeat(session, existing.id, _contract(HeartbeatUpdate, fields), now)
                _apply_channels(session, updated, spec)
                return HcJSON(_check_body(session, updated, call), status_code=200)
        if not str(fields.get("name") or "").strip():
            fields["name"] = fields.get("slug") or hc.placeholder_name()
        if "interval" not in fields and "schedule" not in fields:
            fields["interval"] = hc.DEFAULT_TIMEOUT
        data = _contract(HeartbeatCreate, {
            "grace": hc.DEFAULT_GRACE, "manual_resume": False, "methods": hc.methods_from_hc(""),
            **fields, "service_id": service.id,
        })
        created = heartbeats.create_heartbeat(session, data, now)
        _apply_channels(session, created, spec)
        return HcJSON(_check_body(session, created, call), status_code=201)


def update_check(call: Call, ref: str) -> Response:
    spec = call.spec()
    now = utcnow()
    fields = _update_fields(spec, call.version)
    if fields.get("name") == "":
        raise HcError(400, "json validation error: name is empty (a Lubdub heartbeat needs a name)")
    with session_scope(call.engine, write=True) as session:
        target = _change(session, ref, call)
        updated = heartbeats.update_heartbeat(session, target.id, _contract(HeartbeatUpdate, fields), now) if fields else target
        _apply_channels(session, updated, spec)
        return HcJSON(_check_body(session, updated, call))


def delete_check(call: Call, ref: str) -> Response:
    with session_scope(call.engine, write=True) as session:
        target = _change(session, ref, call)
        body = _check_body(session, target, call)
        heartbeats.delete_heartbeat(session, target.id, utcnow())
    return HcJSON(body)


def pause_check(call: Call, ref: str) -> Response:
    with session_scope(call.engine, write=True) as session:
        target = _change(session, ref, call)
        paused = heartbeats.pause_heartbeat(session, target.id, utcnow())
        return HcJSON(_check_body(session, paused, call))


def resume_check(call: Call, ref: str) -> Response:
    with session_scope(call.engine, write=True) as session:
        target = _change(session, ref, call)
        if target.enabled:
            raise HcError(409, "check is not paused")
        resumed = heartbeats.resume_heartbeat(session, target.id, utcnow())
        return HcJSON(_check_body(session, resumed, call))


def list_pings(call: Call, ref: str) -> Response:
    with Session(call.engine) as session:
        heartbeat = _read(session, ref, call)
        found = events.numbered_pings(session, heartbeat.id, limit=PING_LIST_LIMIT)
        return HcJSON({"pings": [shapes.ping(p, heartbeat, call.view) for p in found]})


def ping_body(call: Call, ref: str, n: str) -> Response:
    if len(n) > 18:
        raise HcError(404, "no such ping")
    with Session(call.engine) as session:
        heartbeat = _read(session, ref, call)
        event = events.ping_by_number(session, heartbeat.id, int(n))
    if not event.message:
        raise HcError(404, "this ping has no body")
    return PlainTextResponse(event.message)


def _whole_number(call: Call, name: str, high: int) -> int | None:
    raw = call.query.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 12 or int(raw) > high:
        raise HcError(400, f"{name} must be a whole number from 0 to {high}")
    return int(raw)


def list_flips(call: Call, ref: str) -> Response:
    seconds = _whole_number(call, "seconds", MAX_FLIP_SECONDS)
    start = _whole_number(call, "start", MAX_TIMESTAMP)
    end = _whole_number(call, "end", MAX_TIMESTAMP)
    now = utcnow()
    since = from_micros(start * 1_000_000) if start else None
    if seconds:
        recent = from_micros(int(now.timestamp() - seconds) * 1_000_000)
        since = recent if since is None else max(since, recent)
    until = from_micros(end * 1_000_000) if end else None
    with Session(call.engine) as session:
        heartbeat = _read(session, ref, call)
        found = events.list_flips(session, heartbeat.id, since=since, until=until)
    return HcJSON({"flips": [shapes.flip(row) for row in found]})


# --- channels, badges, status ---------------------------------------------------------


def list_channels(call: Call) -> Response:
    call.who.require(Action.READ)
    with Session(call.engine) as session:
        return HcJSON({"channels": [shapes.channel(row) for row in channels.list_channels(session)]})


def badge_scope(who: Principal) -> str:
    """A key limited to one service gets that service's badges; any other, every service's."""
    if who.service_ids is not None and len(who.service_ids) == 1:
        return next(iter(who.service_ids))
    return badges.ALL_SERVICES


def list_badges(call: Call) -> Response:
    call.who.require(Action.READ)
    settings = get_settings()
    scope = badge_scope(call.who)
    with Session(call.engine) as session:
        tags = badges.tags_in_use(session, call.who.service_ids)
    found = {tag: badges.badge_urls(settings.public_url, settings.secret_key, scope, tag)
             for tag in [badges.EVERY_TAG, *tags]}
    return HcJSON({"badges": found})


def status(engine: Engine) -> Response:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return PlainTextResponse("database unreachable", status_code=503)
    return PlainTextResponse("OK")


# --- routing --------------------------------------------------------------------------

_REF = r"(?P<ref>[^/]+)"
ROUTES: tuple[tuple[re.Pattern[str], dict[str, View]], ...] = tuple(
    (re.compile(f"^{pattern}/?$"), methods) for pattern, methods in (
        ("checks", {"GET": list_checks, "POST": create_check}),
        (f"checks/{_REF}", {"GET": get_check, "POST": update_check, "DELETE": delete_check}),
        (f"checks/{_REF}/pause", {"POST": pause_check}),
        (f"checks/{_REF}/resume", {"POST": resume_check}),
        (f"checks/{_REF}/pings", {"GET": list_pings}),
        (f"checks/{_REF}/pings/(?P<n>[0-9]+)/body", {"GET": ping_body}),
        (f"checks/{_REF}/flips", {"GET": list_flips}),
        ("channels", {"GET": list_channels}),
        ("badges", {"GET": list_badges}),
    )
)
_STATUS = re.compile(r"^status/?$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise HcError(400, "the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise HcError(413, f"the request body is larger than {limit} bytes", {"Connection": "close"})
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _json_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except RecursionError:
        raise HcError(400, "could not parse request body: nested too deeply") from None
    except ValueError:  # invalid JSON, and bodies that are not UTF-8
        raise HcError(400, "could not parse request body") from None
    if not isinstance(data, dict):
        raise HcError(400, "json validation error: value is not an object")
    return data


class HealthchecksApi:
    """The ASGI app; ``engine`` is called per request (tests and the server give theirs)."""

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await self._answer(scope, receive)
        except HcError as error:
            response = error.response()
        except DomainError as error:
            response = _domain_error(error).response()
        except Exception:  # noqa: BLE001 - never a bare 500 page: the error shape holds for everything
            log.exception("unhandled error in the Healthchecks-compatible API")
            response = HcJSON({"error": "internal error"}, status_code=500)
        await response(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive) -> Response:
        path: str = scope["path"].removeprefix(scope.get("root_path", ""))
        match = VERSIONED.match(path)
        if match is None:
            raise HcError(404, "not found")
        version, rest = int(match.group(1)), match.group(2) or ""
        method = scope["method"]
        if _STATUS.match(rest):
            if method not in ("GET", "HEAD"):
                raise HcError(405, "method not allowed", {"Allow": "GET, HEAD"})
            return await run_in_threadpool(status, self.engine())
        route = next(((found, methods) for pattern, methods in ROUTES if (found := pattern.match(rest))), None)
        if route is None:
            raise HcError(404, "not found")
        found, methods = route
        allowed = ", ".join([*methods, "OPTIONS"])
        if method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allowed})
        view = methods.get("GET" if method == "HEAD" else method)
        if view is None:
            raise HcError(405, "method not allowed", {"Allow": allowed})
        engine = self.engine()
        body: dict[str, Any] | None = None
        header_key = _header(scope, b"x-api-key")
        if header_key is not None:
            token = header_key.strip()
        elif method == "POST":
            # No header: the key may be in the JSON body (Healthchecks accepts that on POST).
            try:
                body = _json_object(await _read_body(receive, get_settings().max_body_bytes))
            except HcError as error:
                raise (error if error.status == 413 else MISSING_KEY) from None
            raw_key = body.get("api_key")
            token = raw_key.strip() if isinstance(raw_key, str) else ""
        else:
            token = ""
        if not token:
            raise MISSING_KEY
        key = await run_in_threadpool(key_for_token, engine, token)
        if key is None:
            raise WRONG_KEY
        if body is None:
            body = _json_object(await _read_body(receive, get_settings().max_body_bytes)) if method == "POST" else {}
        call = Call(engine, key_principal(key), version, QueryParams(scope.get("query_string", b"")), body)
        params = found.groupdict()
        return await run_in_threadpool(_run, view, call, params)


def _run(view: View, call: Call, params: dict[str, str]) -> Response:
    try:
        return view(call, **params)
    except DomainError as error:
        raise _domain_error(error) from None


