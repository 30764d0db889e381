"""OpenAPI documentation helpers shared by the API's routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dashboard.api.errors import error_doc

_ERROR_DOCS = {
    400: "Malformed request (unparseable JSON, or the body is not an object)",
    401: "Missing, unknown or revoked API key",
    403: "The API key is read-only",
    404: "No such resource (malformed ids included)",
    409: "Conflicts with existing data",
    422: "An input field is invalid; `fields` says which and why",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` documentation of these error statuses."""
    return {status: error_doc(_ERROR_DOCS[status]) for status in statuses}


def optional(**extra: Any) -> Callable[[dict[str, Any]], None]:
    """Schema fix-up for an optional query parameter: it is absent or a value, never null.

    Without it the document would offer ``null``, which a query string cannot carry.
    """

    def adjust(schema: dict[str, Any]) -> None:
        branches = [branch for branch in schema.pop("anyOf", []) if branch.get("type") != "null"]
        if len(branches) == 1:
            schema.update(branches[0])
        schema.pop("default", None)
        schema.update(extra)

    return adjust


OPTIONAL_TIMESTAMP = optional(format="date-time")
