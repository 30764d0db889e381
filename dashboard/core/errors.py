"""Domain errors raised by ``dashboard.core``.

They carry no HTTP vocabulary: the API maps them to status codes in
``dashboard.api.errors`` and the dashboard shows their messages as they are.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class; ``message`` is written for the person who made the request."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The resource does not exist (or its id is malformed, which we treat the same)."""


class Forbidden(DomainError):
    """Whoever asks may see the thing but not do this to it (core/access.py)."""


class Conflict(DomainError):
    """The change clashes with existing data (a duplicate name, a non-empty service)."""


class Invalid(DomainError):
    """One input field is unacceptable; ``field`` names it, ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class TooLarge(DomainError):
    """The request is well-formed but asks for more than we answer at once."""
