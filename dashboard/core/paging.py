"""Offset pagination shared by the list functions in ``dashboard.core``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from dashboard.core.errors import Invalid

T = TypeVar("T")

MAX_PAGE = 1_000_000  # keeps OFFSET inside a 64-bit integer whatever the caller sends


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    limit: int
    total: int


def offset(page: int, limit: int, max_limit: int) -> int:
    """The row offset of ``page``; out-of-range values raise ``Invalid``."""
    if not 1 <= page <= MAX_PAGE:
        raise Invalid("page", f"must be between 1 and {MAX_PAGE}")
    if not 1 <= limit <= max_limit:
        raise Invalid("limit", f"must be between 1 and {max_limit}")
    return (page - 1) * limit
