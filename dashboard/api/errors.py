"""One error shape for every failure of the management API.

``{"error": {"code": "...", "message": "...", "fields": {...}}}`` — for domain
errors from ``dashboard.core``, FastAPI's validation errors, unknown routes,
wrong methods and malformed bodies alike, so clients parse a single format.

Status codes: 400 malformed request (unparseable or non-object body, or a
request too large to answer), 401 no usable API key, 403 read-only key on a
write, 404 unknown resource, 405 wrong method, 409 conflict, 422 invalid field
(``fields`` maps each offending field to what is wrong with it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from dashboard.api.schemas import ErrorBody
from dashboard.core.contracts import METHOD_PATTERN, NAME_PATTERN, SLUG_PATTERN, TEXT_PATTERN
from dashboard.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, TooLarge
from dashboard.db import is_database_unavailable

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    500: "internal_error",
    503: "unavailable",
}

_PATTERN_MEANINGS = {
    NAME_PATTERN: "must contain a non-whitespace character and no NUL characters",
    TEXT_PATTERN: "must not contain NUL characters",
    METHOD_PATTERN: "must be one of GET, POST, HEAD, PUT",
    SLUG_PATTERN: "must be 1 to 100 lowercase letters, digits, - or _",
}


class ApiError(Exception):
    """An HTTP error raised by the API layer itself (authentication, mostly)."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def error_response(
    status_code: int,
    message: str,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": CODES.get(status_code, "error"), "message": message, "fields": dict(fields or {})}}
    return JSONResponse(body, status_code=status_code, headers=dict(headers or {}))


def _describe(error: Mapping[str, Any]) -> str:
    """A short reason for one pydantic error, phrased for the field it belongs to."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "must be an integer"
    if kind in ("bool_type", "bool_parsing"):
        return "must be true or false"
    if kind == "string_type":
        return "must be a string"
    if kind == "list_type":
        return "must be a list"
    if kind in ("greater_than_equal", "less_than_equal"):
        word, bound = ("at least", ctx.get("ge")) if kind == "greater_than_equal" else ("at most", ctx.get("le"))
        return f"must be {word} {bound}"
    if kind in ("string_too_short", "string_too_long"):
        word = "at least" if kind == "string_too_short" else "at most"
        return f"must be {word} {ctx.get('min_length', ctx.get('max_length'))} characters long"
    if kind in ("too_short", "too_long"):
        word = "at least" if kind == "too_short" else "at most"
        return f"must have {word} {ctx.get('min_length', ctx.get('max_length'))} items"
    if kind in ("literal_error", "enum"):
        return f"must be one of {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        return _PATTERN_MEANINGS.get(ctx.get("pattern", ""), "has an invalid format")
    if kind == "value_error" and ctx.get("error") is not None:
        # A validator's own words, e.g. "minute 61 is out of range 0-59".
        return str(ctx["error"])
    return str(error.get("msg", "is invalid"))


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "methods", 0) -> "methods"; ("query", "limit") -> "limit".
    return str(loc[1]) if len(loc) > 1 else str(loc[0])


def _is_malformed(error: Mapping[str, Any]) -> bool:
    """Unparseable JSON, or a body that is not an object at all."""
    loc = tuple(error.get("loc", ()))
    return error["type"] == "json_invalid" or loc == ("body",)


async def _on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(_is_malformed(error) for error in errors):
        return error_response(400, "malformed request: the body must be a JSON object")
    fields: dict[str, str] = {}
    for error in errors:
        fields.setdefault(_field_name(tuple(error["loc"])), _describe(error))
    message = "; ".join(f"{name} {reason}" for name, reason in fields.items())
    return error_response(422, f"invalid input: {message}", fields)


_DOMAIN_STATUS: dict[type[DomainError], int] = {NotFound: 404, Conflict: 409, TooLarge: 400, Forbidden: 403}


async def _on_domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    if isinstance(exc, Invalid):
        return error_response(422, f"invalid input: {exc.field} {exc.reason}", {exc.field: exc.reason})
    return error_response(_DOMAIN_STATUS.get(type(exc), 400), exc.message)


async def _on_api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.message, exc.fields, exc.headers)


def _allowed_methods(request: Request) -> str | None:
    """Every method the request's path supports, from the OpenAPI document.

    Starlette's own ``Allow`` names only the first route that matched the path,
    while GET and POST on one path are separate routes here.
    """
    app = request.app
    if not isinstance(app, FastAPI):
        return None
    root_path = request.scope.get("root_path", "")
    path = request.url.path.removeprefix(root_path)
    for template, operations in app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\{[^/}]+\}", "[^/]+", template), path):
            return ", ".join(sorted(method.upper() for method in operations))
    return None


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "error")
    if exc.status_code == 404 and message == "Not Found":
        message = "no such resource"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return error_response(exc.status_code, message, headers=headers)


async def _on_unexpected(_: Request, exc: Exception) -> JSONResponse:
    if is_database_unavailable(exc):
        # Down, restarting, full, locked too long: the client should retry, nothing was changed.
        log.warning("management API request failed: the database is unavailable (%s)", type(exc).__name__)
        return error_response(503, "the database is unavailable; nothing was changed, retry shortly",
                              headers={"Retry-After": "5"})
    log.exception("unhandled error in the management API", exc_info=exc)
    return error_response(500, "internal error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unexpected)


def error_doc(description: str) -> dict[str, Any]:
    """An OpenAPI ``responses`` entry for an error status."""
    return {"model": ErrorBody, "description": description}
