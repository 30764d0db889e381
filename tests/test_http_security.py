"""The server's HTTP boundary (``dashboard.http_security``) around small stand-in apps.

Bodies are fed through ``tests.asgi.call``, whose ``receive`` counts what it hands
out, so the tests see how much of a body the layer let anyone read.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from dashboard.config import Settings
from dashboard.http_security import (
    CORS_OPEN_PREFIXES,
    HttpPolicy,
    harden,
    inline_script_hashes,
)
from tests.asgi import Answer, call, endless

LIMIT = 1000
CHUNK = 100  # endless()'s chunk size
SETTINGS = Settings(public_url="http://lubdub.test", max_body_bytes=LIMIT)


async def read_all(request: Request) -> Response:
    body = await request.body()
    return JSONResponse({"received": len(body)})


async def swallow_errors(request: Request) -> Response:
    """Like a handler that turns any failure to read into its own answer."""
    try:
        await request.body()
    except Exception:  # noqa: BLE001 - that is the point
        return PlainTextResponse("could not read", status_code=400)
    return PlainTextResponse("read")


async def page(_: Request) -> Response:
    return HTMLResponse("<!doctype html><title>x</title>")


async def own_policy(_: Request) -> Response:
    return HTMLResponse("<p>docs</p>", headers={"Content-Security-Policy": "default-src 'none'"})


async def with_reflex_cors(_: Request) -> Response:
    # What Reflex's CORS middleware adds to every answer.
    return JSONResponse({}, headers={"Access-Control-Allow-Origin": "https://evil.example",
                                     "Access-Control-Allow-Credentials": "true"})


def stand_in() -> Starlette:
    return Starlette(routes=[
        Route("/api/v1/service", read_all, methods=["POST", "PUT", "GET"]),
        Route("/_upload", swallow_errors, methods=["POST"]),
        Route("/", page),
        # What static files answer a browser revalidating a page it has cached.
        Route("/not-modified", lambda _: Response(status_code=304, headers={"etag": '"1"'})),
        Route("/api/docs", own_policy),
        Route("/cors", with_reflex_cors),
        # A stand-in for the badge and status routes other work will add.
        Route("/badge/{name}", lambda _: PlainTextResponse("passing"), methods=["GET", "POST"]),
    ])


def hardened(settings: Settings = SETTINGS, hashes: Iterable[str] = ()) -> Any:
    return harden(stand_in(), HttpPolicy.from_settings(settings, hashes))


def assert_too_large(answer: Answer) -> None:
    assert answer.status == 413
    assert answer.json() == {"error": {"code": "too_large", "message": f"the request body is larger than {LIMIT} bytes",
                                       "fields": {}}}
    assert answer.headers["connection"] == "close"  # the rest of the body is not read either
    assert answer.headers["x-content-type-options"] == "nosniff"


# Body cap


def test_a_body_under_the_cap_arrives_whole() -> None:
    answer = call(hardened(), chunks=[b"x" * CHUNK] * 10, headers={"content-length": str(LIMIT)})
    assert (answer.status, answer.json()) == (200, {"received": LIMIT})


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    answer = call(hardened(), chunks=endless(), headers={"content-length": str(LIMIT + 1)})
    assert_too_large(answer)
    assert answer.chunks_read == 0


def test_a_large_declared_length_is_refused_even_if_little_is_sent() -> None:
    answer = call(hardened(), chunks=[b"{}"], headers={"content-length": str(300 * 1024 * 1024)})
    assert_too_large(answer)
    assert answer.chunks_read == 0


@pytest.mark.parametrize("headers", [{}, {"transfer-encoding": "chunked"}, {"content-length": "10"}],
                         ids=["no length", "chunked", "small declared length, large body"])
def test_a_streamed_body_is_cut_off_just_past_the_cap(headers: dict[str, str]) -> None:
    answer = call(hardened(), chunks=endless(), headers=headers)
    assert_too_large(answer)
    assert answer.chunks_read == LIMIT // CHUNK + 1


def test_a_handler_that_swallows_the_error_still_answers_413() -> None:
    answer = call(hardened(), path="/_upload", chunks=endless())
    assert_too_large(answer)
    assert answer.chunks_read == LIMIT // CHUNK + 1


def test_the_cap_is_a_setting() -> None:
    roomy = hardened(replace(SETTINGS, max_body_bytes=10 * LIMIT))
    assert call(roomy, chunks=[b"x" * CHUNK] * 100).json() == {"received": 10 * LIMIT}


# Headers


def test_pages_get_the_dashboard_policy_and_everything_else_a_closed_one() -> None:
    app = hardened(hashes=["sha256-abc="])
    page_headers = call(app, "GET", "/").headers
    policy = page_headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-eval' 'sha256-abc='" in policy
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "connect-src 'self' ws://lubdub.test" in policy
    json_headers = call(app, "GET", "/api/v1/service").headers
    assert json_headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    for headers in (page_headers, json_headers):
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in headers  # PUBLIC_URL is http


def test_a_not_modified_answer_brings_no_policy_to_replace_the_cached_pages() -> None:
    answer = call(hardened(), "GET", "/not-modified")
    assert answer.status == 304
    assert "content-security-policy" not in answer.headers
    assert answer.headers["x-frame-options"] == "DENY"


def test_hsts_when_the_public_url_is_https() -> None:
    app = hardened(replace(SETTINGS, public_url="https://lubdub.example.com"))
    headers = call(app, "GET", "/").headers
    assert headers["strict-transport-security"] == "max-age=31536000"
    assert "connect-src 'self' wss://lubdub.example.com" in headers["content-security-policy"]


def test_a_response_with_its_own_policy_keeps_it() -> None:
    answer = call(hardened(), "GET", "/api/docs")
    assert [v for k, v in answer.all_headers if k == b"content-security-policy"] == [b"default-src 'none'"]
    assert answer.headers["x-frame-options"] == "DENY"


def test_inline_script_hashes_cover_exactly_the_inline_scripts(tmp_path: Path) -> None:
    (tmp_path / "login").mkdir()
    (tmp_path / "index.html").write_text('<script>alert("a")</script><script src="/x.js"></script>')
    (tmp_path / "login" / "index.html").write_text('<script type="module" async="">import "/m.js";</script>'
                                                   '<script>alert("a")</script>')
    (tmp_path / "notes.txt").write_text("<script>not a page</script>")
    # Each distinct inline script once; external ones and other files not at all.
    assert inline_script_hashes(tmp_path) == sorted([
        "sha256-" + _b64sha256(b'alert("a")'), "sha256-" + _b64sha256(b'import "/m.js";')])
    assert inline_script_hashes(tmp_path / "missing") == []


def _b64sha256(data: bytes) -> str:
    """What CSP Level 2 defines a script hash as."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


# CORS


def test_no_origin_is_allowed_by_default() -> None:
    app = hardened()
    preflight = call(app, "OPTIONS", "/api/v1/service", headers={
        "origin": "https://evil.example", "access-control-request-method": "DELETE",
        "access-control-request-headers": "authorization"})
    assert preflight.status == 403
    assert preflight.json()["error"]["code"] == "forbidden"
    assert not any(name.startswith("access-control-") for name in preflight.headers)
    simple = call(app, "GET", "/cors", headers={"origin": "https://evil.example"})
    # Reflex's permissive headers are gone; nothing says the origin may read the answer.
    assert not any(name.startswith("access-control-") for name in simple.headers)


def test_a_configured_origin_may_call_the_api_without_credentials() -> None:
    app = hardened(replace(SETTINGS, cors_origins=("https://ops.example.com",)))
    preflight = call(app, "OPTIONS", "/api/v1/service", headers={
        "origin": "https://ops.example.com", "access-control-request-method": "PUT",
        "access-control-request-headers": "authorization, content-type"})
    assert preflight.status == 204
    assert preflight.headers["access-control-allow-origin"] == "https://ops.example.com"
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD, POST, PUT, DELETE"
    assert preflight.headers["access-control-allow-headers"] == "Authorization, Content-Type, X-Api-Key"
    assert "access-control-allow-credentials" not in preflight.headers
    actual = call(app, "GET", "/cors", headers={"origin": "https://ops.example.com"})
    assert actual.headers["access-control-allow-origin"] == "https://ops.example.com"
    assert actual.headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in actual.headers
    other = call(app, "GET", "/cors", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    assert call(app, "OPTIONS", "/api/v1/service", headers={
        "origin": "https://evil.example", "access-control-request-method": "GET"}).status == 403


@pytest.mark.parametrize("origin", ["https://evil.example", "null"])
def test_badge_and_status_paths_are_open_to_every_origin(origin: str) -> None:
    assert "/badge/" in CORS_OPEN_PREFIXES and "/status/" in CORS_OPEN_PREFIXES
    app = hardened()
    answer = call(app, "GET", "/badge/nightly", headers={"origin": origin})
    assert (answer.status, answer.body) == (200, b"passing")
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers
    preflight = call(app, "OPTIONS", "/badge/nightly", headers={
        "origin": origin, "access-control-request-method": "GET", "access-control-request-headers": "x-requested-with"})
    assert preflight.status == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD"
    assert "access-control-allow-credentials" not in preflight.headers
    assert call(app, "GET", "/badge/nightly").headers["access-control-allow-origin"] == "*"  # cached answers too
    assert "access-control-allow-origin" not in call(app, "GET", "/cors", headers={"origin": origin}).headers


# Websocket origin


def socket_attempt(policy_settings: Settings, headers: dict[str, str]) -> str:
    """'accepted' when the app behind was reached, else how the layer closed the socket."""
    outcome: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        outcome.append("accepted")

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        outcome.append(f"{message['type']} {message.get('code')}")

    scope = {"type": "websocket", "path": "/_event/", "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(harden(app, HttpPolicy.from_settings(policy_settings))(scope, receive, send))
    return outcome[0]


@pytest.mark.parametrize(("headers", "outcome"), [
    ({"host": "lubdub.test"}, "accepted"),  # no Origin: not a browser page
    ({"host": "10.0.0.5:3000", "origin": "http://10.0.0.5:3000"}, "accepted"),  # the origin it was reached on
    ({"host": "127.0.0.1:3000", "origin": "http://lubdub.test"}, "accepted"),  # PUBLIC_URL, behind a proxy
    ({"host": "lubdub.test", "origin": "https://evil.example"}, "websocket.close 1008"),
    ({"host": "lubdub.test", "origin": "http://lubdub.test:8080"}, "websocket.close 1008"),
])
def test_the_event_socket_accepts_only_its_own_origin(headers: dict[str, str], outcome: str) -> None:
    assert socket_attempt(SETTINGS, headers) == outcome


def test_a_configured_origin_may_open_the_event_socket() -> None:
    settings = replace(SETTINGS, cors_origins=("https://ops.example.com",))
    assert socket_attempt(settings, {"host": "lubdub.test", "origin": "https://ops.example.com"}) == "accepted"
