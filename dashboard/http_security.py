"""The server's HTTP boundary: security headers, CORS, websocket origins, request body cap.

``harden(app, policy)`` wraps everything the server answers except the check-in
path, which ``server.py`` answers before it (that path is hot, caps its own body
at 100 KB and gets only ``policy.checkin_headers``, a precomputed list).

- **Body cap.** A body larger than ``MAX_BODY_BYTES`` is answered 413 (the API's
  error body, code ``too_large``) as soon as ``Content-Length`` says so, without
  reading it, or as soon as the bytes read so far pass the cap (chunked bodies,
  or a ``Content-Length`` that lies).  Whatever the app was doing with the body
  then, the answer is that 413, and the connection is closed so the rest is not
  read either.
- **Headers.** Every response gets ``X-Content-Type-Options``, ``X-Frame-Options``,
  ``Referrer-Policy`` (check-in URLs are secrets), ``Strict-Transport-Security``
  when ``PUBLIC_URL`` is https, and a Content-Security-Policy: the dashboard's
  for HTML documents, ``default-src 'none'`` for anything else with a body.  A
  response that sets its own policy (the API's Swagger page) keeps it; one
  without a Content-Type (a 304 revalidating a cached page) gets none, since
  browsers would store its headers over the cached page's.
- **CORS.** No cross-origin access unless ``CORS_ORIGINS`` lists the origin (or is
  ``*``); never with credentials: the API authenticates with a header, not
  cookies.  Paths under ``CORS_OPEN_PREFIXES`` (badges, status pages) are readable
  from any origin.  Reflex's own CORS middleware is configured to allow nothing
  (rxconfig.py) and its headers are dropped here, so this module is the one place
  that decides.
- **Websocket origin.** The dashboard's event socket accepts a browser connection
  only from its own origin (the ``Host`` it was reached on, or ``PUBLIC_URL``) or
  an origin of ``CORS_ORIGINS``: another site's page cannot drive a visitor's
  dashboard session.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard.api.errors import error_response
from dashboard.config import Settings

# Paths every origin may read (no credentials): badges and public status pages.
# A route added under one of these is CORS-open without further wiring.
CORS_OPEN_PREFIXES: tuple[str, ...] = ("/badge/", "/status/")
CORS_METHODS = "GET, HEAD, POST, PUT, DELETE"
CORS_OPEN_METHODS = "GET, HEAD"
CORS_REQUEST_HEADERS = "Authorization, Content-Type, X-Api-Key"  # X-Api-Key: the Healthchecks API
CORS_MAX_AGE_S = 600
HSTS_MAX_AGE_S = 365 * 24 * 3600

RawHeaders = list[tuple[bytes, bytes]]

_INLINE_SCRIPT = re.compile(rb"<script(\s[^>]*)?>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def inline_script_hashes(build_dir: Path) -> list[str]:
    """CSP hashes of every inline script in the built frontend's HTML files, sorted.

    Reflex's prerendered pages start with a few inline scripts (colour mode,
    scroll restoration, React Router's context and module imports); they are
    fixed at build time, so allowing exactly them by hash keeps any injected
    inline script from running.
    """
    hashes = set()
    for page in build_dir.rglob("*.html") if build_dir.is_dir() else ():
        for attributes, body in _INLINE_SCRIPT.findall(page.read_bytes()):
            if body.strip() and b"src=" not in (attributes or b""):
                hashes.add("sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode())
    return sorted(hashes)


def dashboard_csp(public_url: str, script_hashes: Iterable[str]) -> str:
    """The Content-Security-Policy of the dashboard's pages (see docs/operations.md, "Security").

    - scripts: same-origin files and the build's own inline scripts (by hash);
      ``'unsafe-eval'`` because Reflex runs event actions the server sends
      (toasts, clipboard, ``rx.call_script``) through ``eval``;
    - styles: ``'unsafe-inline'``, because Emotion and Radix Themes write
      ``<style>`` elements and ``style`` attributes at run time (no nonce or
      hash can cover those); CSS cannot run script, and where it could send
      data (``url()``) ``img-src``/``font-src`` keep it on this origin;
    - connections: this origin, including its websocket (``'self'`` covers
      ws/wss in current browsers; ``PUBLIC_URL``'s is named for older ones).
    """
    public = urlsplit(public_url)
    socket_origin = f"{'wss' if public.scheme == 'https' else 'ws'}://{public.netloc}"
    scripts = " ".join(["'self'", "'unsafe-eval'", *(f"'{digest}'" for digest in script_hashes)])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        f"connect-src 'self' {socket_origin}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# Anything but a page: nothing may load or run if it is ever opened as a document.
RESOURCE_CSP = "default-src 'none'; frame-ancestors 'none'"


def _encode(headers: Iterable[tuple[str, str]]) -> RawHeaders:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]


@dataclass(frozen=True)
class HttpPolicy:
    """Everything ``harden`` decides with, computed once per process."""

    max_body_bytes: int
    page_headers: RawHeaders
    resource_headers: RawHeaders
    bare_headers: RawHeaders  # all but a policy, for answers without a Content-Type
    checkin_headers: RawHeaders
    cors_origins: frozenset[str]
    cors_any_origin: bool
    public_origin: str

    @classmethod
    def from_settings(cls, settings: Settings, script_hashes: Iterable[str] = ()) -> HttpPolicy:
        public = urlsplit(settings.public_url)
        common = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
        if public.scheme == "https":
            common.append(("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_S}"))
        framing = [("X-Frame-Options", "DENY")]
        vary = [("Vary", "Origin")] if settings.cors_origins and "*" not in settings.cors_origins else []
        return cls(
            max_body_bytes=settings.max_body_bytes,
            page_headers=_encode([*common, *framing, *vary,
                                  ("Content-Security-Policy", dashboard_csp(settings.public_url, script_hashes))]),
            resource_headers=_encode([*common, *framing, *vary, ("Content-Security-Policy", RESOURCE_CSP)]),
            bare_headers=_encode([*common, *framing, *vary]),
            checkin_headers=_encode(common),
            cors_origins=frozenset(origin for origin in settings.cors_origins if origin != "*"),
            cors_any_origin="*" in settings.cors_origins,
            public_origin=f"{public.scheme}://{public.netloc}".lower(),
        )

    def allows_cross_origin(self, origin: str) -> bool:
        return self.cors_any_origin or origin in self.cors_origins

    def allows_socket_from(self, origin: str, host: str | None) -> bool:
        """A websocket from a browser page of ``origin``, reaching us at ``host``."""
        origin = origin.lower()
        return (
            (host is not None and urlsplit(origin).netloc == host.lower())
            or origin == self.public_origin
            or self.allows_cross_origin(origin)
        )


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a body passes the cap.

    An HTTPException, so FastAPI's and Starlette's handlers pass it on quietly
    instead of logging a crash; ``harden`` turns whatever they answer into the 413.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=f"the request body is larger than {limit} bytes")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _declared_length(scope: Scope) -> int | None:
    raw = _header(scope, b"content-length")
    return int(raw) if raw is not None and raw.isdigit() else None


def _is_open_path(path: str) -> bool:
    return path.startswith(CORS_OPEN_PREFIXES)


def with_headers(send: Send, extra: RawHeaders) -> Send:
    """``send`` with ``extra`` appended to the response's headers (the check-in path's cheap variant)."""
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), *extra]
        await send(message)

    return send_with_headers


def harden(app: ASGIApp, policy: HttpPolicy) -> ASGIApp:
    """``app`` behind the body cap, the security headers, CORS and the websocket origin check."""

    def response_headers(app_headers: Iterable[tuple[bytes, bytes]], origin: str | None, path: str) -> RawHeaders:
        # Inner CORS layers (Reflex's) do not decide; this function does.
        headers = [(name, value) for name, value in app_headers if not name.lower().startswith(b"access-control-")]
        names = {name.lower() for name, _ in headers}
        content_type = next((value for name, value in headers if name.lower() == b"content-type"), None)
        if content_type is None:
            # No body of its own (a 304 above all): its headers would replace the cached
            # page's, so it must not bring a policy meant for something else.
            extra = policy.bare_headers
        elif content_type.startswith(b"text/html"):
            extra = policy.page_headers
        else:
            extra = policy.resource_headers
        headers += [header for header in extra if header[0] not in names]
        if _is_open_path(path):
            # Whether or not this request had an Origin: a cache may hand the answer to one that has.
            headers.append((b"access-control-allow-origin", b"*"))
        elif origin is not None and policy.allows_cross_origin(origin):
            headers.append((b"access-control-allow-origin", origin.encode("latin-1")))
        return headers

    async def refuse(scope: Scope, send: Send, status: int, message: str, extra: dict[str, str]) -> None:
        response = error_response(status, message, headers=extra)
        origin, path = _header(scope, b"origin"), scope["path"]
        response.raw_headers = response_headers(response.raw_headers, origin, path)
        await response(scope, _no_body, send)

    async def preflight(scope: Scope, send: Send, origin: str) -> None:
        requested = _header(scope, b"access-control-request-headers")
        if _is_open_path(scope["path"]):
            allow = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": CORS_OPEN_METHODS}
            if requested:
                allow["Access-Control-Allow-Headers"] = requested
        elif policy.allows_cross_origin(origin):
            allow = {"Access-Control-Allow-Origin": "*" if policy.cors_any_origin else origin,
                     "Access-Control-Allow-Methods": CORS_METHODS,
                     "Access-Control-Allow-Headers": CORS_REQUEST_HEADERS}
        else:
            await refuse(scope, send, 403, f"cross-origin requests from {origin} are not allowed (see CORS_ORIGINS)",
                         {"Vary": "Origin"})
            return
        allow |= {"Access-Control-Max-Age": str(CORS_MAX_AGE_S), "Vary": "Origin", "Content-Length": "0"}
        headers = _encode(allow.items())
        headers += [header for header in policy.resource_headers if header[0] != b"vary"]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def websocket(scope: Scope, receive: Receive, send: Send) -> None:
        origin = _header(scope, b"origin")
        # No Origin: not a browser page, so nothing another site could abuse.
        if origin is not None and not policy.allows_socket_from(origin, _header(scope, b"host")):
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})  # before accepting: the server answers 403
            return
        await app(scope, receive, send)

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        if origin is not None and scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await preflight(scope, send, origin)
            return
        limit = policy.max_body_bytes
        too_large = f"the request body is larger than {limit} bytes"
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            # Answered before reading a byte; closing keeps the server from reading the rest.
            await refuse(scope, send, 413, too_large, {"Connection": "close"})
            return

        received = 0
        overflowed = replaced = started = False

        async def capped_receive() -> Message:
            nonlocal received, overflowed
            if overflowed:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overflowed = True
                    raise BodyTooLarge(limit)
            return message

        async def send_hardened(message: Message) -> None:
            nonlocal replaced, started
            if replaced:
                return  # the app's own answer to the oversized body is dropped
            if message["type"] == "http.response.start":
                if overflowed:
                    replaced = True
                    await refuse(scope, send, 413, too_large, {"Connection": "close"})
                    return
                started = True
                message["headers"] = response_headers(message.get("headers", ()), origin, scope["path"])
            await send(message)

        try:
            await app(scope, capped_receive, send_hardened)
        except BodyTooLarge:
            if started:
                raise
            if not replaced:
                await refuse(scope, send, 413, too_large, {"Connection": "close"})

    return guarded


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
