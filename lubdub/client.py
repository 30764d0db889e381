"""HTTP to a Lubdub server: the management API (``/api/v1``, Bearer key) and check-ins.

Check-ins are retried on what may pass (a timeout, a refused or reset connection,
408, 429 and 5xx answers) with exponential backoff and never on other 4xx (the
request itself is wrong, a retry would not help).  ``send_checkin`` never raises: a
check-in that cannot be delivered must not fail the job that sends it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PAGE_LIMIT = 500


class LubdubError(Exception):
    """Something the user must fix or know about; the message says what."""


class ApiError(LubdubError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


def is_uuid(text: str) -> bool:
    return bool(_UUID.match(text))


class _Retriable(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.status_code}")
        self.response = response


@dataclass
class CheckinResult:
    ok: bool
    status: int | None = None
    body_limit: int | None = None  # the server's Ping-Body-Limit, when it sent one
    error: str | None = None
    attempts: int = 0
    headers: dict[str, str] = field(default_factory=dict)


def send_checkin(url: str, *, body: bytes = b"", params: Mapping[str, str] | None = None, timeout: float = 10.0,
                 attempts: int = 3, backoff: float = 0.5, user_agent: str = "lubdub-cli") -> CheckinResult:
    """POST one check-in to ``url`` (text/plain body), retrying what may pass; never raises."""
    result = CheckinResult(ok=False)

    def once() -> httpx.Response:
        result.attempts += 1
        response = httpx.post(url, content=body, params=dict(params or {}), timeout=timeout,
                              headers={"Content-Type": "text/plain; charset=utf-8", "User-Agent": user_agent})
        if response.status_code in RETRIED_STATUSES:
            raise _Retriable(response)
        return response

    retrying = Retrying(
        stop=stop_after_attempt(max(1, attempts)),
        wait=wait_exponential(multiplier=backoff, max=10 * backoff),
        retry=retry_if_exception(lambda exc: isinstance(exc, (_Retriable, httpx.TransportError))),
        reraise=False,
    )
    try:
        response = retrying(once)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        if isinstance(last, _Retriable):
            response = last.response
        else:
            result.error = f"{type(last).__name__}: {last}" if last else "failed"
            return result
    except httpx.HTTPError as exc:  # not retried (an invalid URL, say)
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    result.status = response.status_code
    result.headers = dict(response.headers)
    result.ok = 200 <= response.status_code < 300
    limit = response.headers.get("ping-body-limit", "")
    result.body_limit = int(limit) if limit.isdigit() else None
    if not result.ok:
        result.error = _error_text(response)
    return result


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            return str(error.get("message", error))
        if error is not None:
            return str(error)
    return response.text[:300]


class Api:
    """The management API of one server."""

    def __init__(self, url: str, api_key: str | None, *, timeout: float = 30.0) -> None:
        if not api_key:
            raise LubdubError("this command needs an API key: set LUBDUB_API_KEY or pass --api-key")
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=f"{self.url}/api/v1", timeout=timeout,
                                 headers={"Authorization": f"Bearer {api_key}", "User-Agent": "lubdub-cli"})

    def request(self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        try:
            response = self.http.request(method, path, json=json, params=params)
        except httpx.HTTPError as exc:
            raise LubdubError(f"could not reach {self.url}: {exc}") from None
        if response.status_code >= 400:
            raise ApiError(response.status_code, _error_text(response))
        return None if response.status_code == 204 or not response.content else response.json()

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def pages(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paged list."""
        page = 1
        while True:
            data = self.get(path, page=page, limit=PAGE_LIMIT, **params)
            yield from data["items"]
            if page * PAGE_LIMIT >= data["total"] or not data["items"]:
                return
            page += 1

    def find_heartbeat(self, ref: str) -> dict[str, Any]:
        """A heartbeat by check-in id, public id, slug or name (the last two must be unambiguous)."""
        if is_uuid(ref) or re.fullmatch(r"[0-9a-fA-F]{40}", ref):
            return self.get(f"/heartbeat/{quote(ref)}")  # type: ignore[no-any-return]
        found = list(self.pages("/heartbeat", slug=ref)) if re.fullmatch(r"[a-z0-9_-]{1,100}", ref) else []
        if not found:
            found = [hb for hb in self.pages("/heartbeat") if hb["name"] == ref]
        if not found:
            raise LubdubError(f"no heartbeat with the id, slug or name {ref!r}")
        if len(found) > 1:
            raise LubdubError(f"{len(found)} heartbeats answer to {ref!r} (in different services): use its id")
        return found[0]
