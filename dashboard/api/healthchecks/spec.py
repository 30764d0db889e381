"""The JSON body of Healthchecks' create and update calls, checked as Healthchecks checks it.

Strict types (an integer is a JSON integer, a boolean a JSON boolean), ``null`` is
refused for every field, unknown fields are ignored, and only the first error is
reported, in Healthchecks' field order, as ``json validation error: <field> <what>``.
Lubdub adds its own refusals on top, each naming the field: text that cannot be
stored (NUL, lone surrogates), descriptions and tags over Lubdub's limits, cron
expressions Lubdub does not evaluate (OnCalendar), and the keyword filters it
does not implement (they would silently change what a ping means).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.core import cron
from dashboard.core.contracts import MAX_DESCRIPTION
from dashboard.core.healthchecks import MAX_SECONDS, MIN_SECONDS, UNIQUE_FIELDS, is_cron_expression
from dashboard.core.tags import TagError, normalise_tags

_SLUG = re.compile(r"^[a-z0-9_-]*$")
_FILTERS_UNSUPPORTED = "is not supported by Lubdub (keyword filters on ping bodies)"


class SpecError(ValueError):
    """The first problem with a body; ``field`` names it, ``message`` is Healthchecks' wording."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _storable(field: str, value: str) -> None:
    if "\x00" in value:
        raise SpecError(field, f"{field} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise SpecError(field, f"{field} is not valid text (lone surrogate)") from None


def _string(max_length: int | None = None) -> Callable[[str, Any], str]:
    def check(field: str, value: Any) -> str:
        if not isinstance(value, str):
            raise SpecError(field, f"{field} is not a string")
        if max_length is not None and len(value) > max_length:
            raise SpecError(field, f"{field} is too long")
        _storable(field, value)
        return value
    return check


def _seconds(field: str, value: Any) -> int:
    # A boolean is an integer to Healthchecks (true is 1 s: "too small"); floats are not.
    if not isinstance(value, int):
        raise SpecError(field, f"{field} is not a number")
    if value < MIN_SECONDS:
        raise SpecError(field, f"{field} is too small")
    if value > MAX_SECONDS:
        raise SpecError(field, f"{field} is too large")
    return int(value)


def _boolean(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SpecError(field, f"{field} is not a boolean")
    return value


def _unsupported_filter(field: str, value: Any) -> bool:
    if _boolean(field, value):
        raise SpecError(field, f"{field} {_FILTERS_UNSUPPORTED}")
    return False


def _unsupported_keywords(field: str, value: Any) -> str:
    if _string(200)(field, value):
        raise SpecError(field, f"{field} {_FILTERS_UNSUPPORTED}")
    return ""


def _desc(field: str, value: Any) -> str:
    text = _string()(field, value)
    if len(text) > MAX_DESCRIPTION:
        raise SpecError(field, f"{field} is too long (Lubdub keeps at most {MAX_DESCRIPTION} characters)")
    return text


def _tags(field: str, value: Any) -> str:
    text = _string()(field, value)
    try:
        return normalise_tags(text)
    except TagError as exc:
        raise SpecError(field, f"{field} is too long" if "characters" in str(exc) else f"{field}: {exc}") from None


def _methods(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SpecError(field, f"{field} is not a string")
    if value not in ("", "POST"):
        raise SpecError(field, f"{field} has unexpected value")
    return value


def _schedule(field: str, value: Any) -> str:
    text = _string(100)(field, value)
    invalid = f"{field} is not a valid cron or OnCalendar expression"
    if not is_cron_expression(text):
        raise SpecError(field, f"{invalid} (Lubdub evaluates cron expressions only, not OnCalendar)")
    try:
        return cron.validate_schedule(text)
    except cron.CronError as exc:
        raise SpecError(field, f"{invalid} ({exc})") from None


def _tz(field: str, value: Any) -> str:
    text = _string()(field, value)
    try:
        return cron.validate_timezone(text)
    except cron.CronError:
        raise SpecError(field, f"{field} is not a valid timezone") from None


def _slug(field: str, value: Any) -> str:
    text = _string(100)(field, value)
    if not _SLUG.match(text):
        raise SpecError(field, f"{field} does not match pattern")
    return text


def _unique(field: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise SpecError(field, f"{field} is not an array")
    for item in value:
        if item not in UNIQUE_FIELDS:
            raise SpecError(field, f"an item in '{field}' has unexpected value")
    return list(dict.fromkeys(value))


# Healthchecks reports the first error in the order its schema declares the fields.
_FIELDS: tuple[tuple[str, Callable[[str, Any], Any]], ...] = (
    ("channels", _string()),
    ("desc", _desc),
    ("failure_kw", _unsupported_keywords),
    ("filter_subject", _unsupported_filter),
    ("filter_body", _unsupported_filter),
    ("filter_http_body", _unsupported_filter),
    ("filter_default_fail", _unsupported_filter),
    ("grace", _seconds),
    ("manual_resume", _boolean),
    ("methods", _methods),
    ("name", _string(100)),
    ("schedule", _schedule),
    ("slug", _slug),
    ("start_kw", _unsupported_keywords),
    ("subject", _unsupported_keywords),
    ("subject_fail", _unsupported_keywords),
    ("success_kw", _unsupported_keywords),
    ("tags", _tags),
    ("timeout", _seconds),
    ("tz", _tz),
    ("unique", _unique),
    # Lubdub's extension: the service (Healthchecks' project) to create the check in.
    ("service", _string(100)),
)


@dataclass(frozen=True)
class CheckSpec:
    """The fields a body gave, validated (absent fields are absent)."""

    given: Mapping[str, Any]

    def get(self, field: str, default: Any = None) -> Any:
        return self.given.get(field, default)

    def __contains__(self, field: str) -> bool:
        return field in self.given


def parse_spec(body: Mapping[str, Any]) -> CheckSpec:
    """Validate a JSON object's fields; raises ``SpecError`` for the first bad one."""
    given: dict[str, Any] = {}
    for field, check in _FIELDS:
        if field not in body:
            continue
        value = body[field]
        if value is None:  # Healthchecks refuses null for every field, with the type's wording
            value = 0.0
        given[field] = check(field, value)
    return CheckSpec(given)
