"""Query parameters shared by the API's routers: paging and timestamps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from dashboard.core.errors import Invalid
from dashboard.core.heartbeats import MAX_LIMIT
from dashboard.core.paging import MAX_PAGE
from dashboard.timeutil import parse_timestamp

PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number.")]
ListLimit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
MAX_TAG_FILTERS = 20
TagFilter = Annotated[
    list[Annotated[str, Query(max_length=100)]],
    Query(max_length=MAX_TAG_FILTERS, description="Only heartbeats with this tag; repeat for several (all must match)."),
]


def timestamp_param(field: str, raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return parse_timestamp(raw)
    except (ValueError, OverflowError):
        raise Invalid(field, "must be an ISO 8601 timestamp such as 2026-11-02T12:00:00Z") from None
