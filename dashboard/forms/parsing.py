"""Turning form input into the core's input models, and their errors into per-field messages.

The dashboard validates with the same pydantic models as the REST API
(``core/contracts.py``), so a value the API refuses is refused here too, with
the message next to its field: the field → message dicts made here become a
page state's ``errors``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dashboard.components.humanize import UNITS
from dashboard.core.contracts import MAX_SECONDS, MIN_INTERVAL, HeartbeatCreate, HeartbeatUpdate
from dashboard.core.errors import Conflict, DomainError, Invalid
from dashboard.models import ALLOWED_METHODS

HEARTBEAT_FIELDS = ("name", "interval", "grace", "methods", "service_id")
Model = TypeVar("Model", bound=BaseModel)


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    field = str(error["loc"][0]) if error.get("loc") else ""
    if kind == "missing":
        return "required"
    if kind == "string_too_short" or (kind == "string_pattern_mismatch" and field in ("name",)):
        return "required" if ctx.get("min_length", 1) <= 1 else f"at least {ctx['min_length']} characters"
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if field == "interval" and kind in ("greater_than_equal", "less_than_equal"):
        return f"must be between {MIN_INTERVAL} seconds and 365 days"
    if field == "grace" and kind in ("greater_than_equal", "less_than_equal"):
        return "must be between 0 and 365 days"
    if kind == "too_short" and field == "methods":
        return "choose at least one method"
    if kind == "string_pattern_mismatch":
        return "contains characters that are not allowed"
    return str(error.get("msg", "invalid value"))


def validation_errors(exc: ValidationError) -> dict[str, str]:
    """field → the first problem with it, worded for a person."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else "form"
        errors.setdefault(field, _message(dict(error)))
    return errors


def place_errors(errors: dict[str, str], fields: Iterable[str], fallback: str) -> dict[str, str]:
    """Errors keyed by the fields a form shows: any other message goes under ``fallback``, unless it has its own."""
    shown = set(fields)
    placed = {field: message for field, message in errors.items() if field in shown}
    strays = [message for field, message in errors.items() if field not in shown]
    if strays and fallback not in placed:
        placed[fallback] = strays[0]
    return placed


def domain_errors(exc: DomainError, *, name_field: str = "name") -> dict[str, str]:
    """A core error as a field message: a name clash belongs under the name."""
    if isinstance(exc, Invalid):
        return {exc.field: exc.reason}
    if isinstance(exc, Conflict):
        return {name_field: exc.message}
    return {"form": exc.message}


def parse_seconds(value: Any, unit: Any, field: str, errors: dict[str, str], *, default: int | None = None) -> int | None:
    """``"5"`` + ``"minutes"`` → 300; a message in ``errors[field]`` when that is not a whole number of seconds."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    if text == "":
        if default is not None:
            return default
        errors[field] = "required"
        return None
    size = UNITS.get(str(unit), None)
    if size is None:
        errors[field] = f"choose a unit: {', '.join(UNITS)}"
        return None
    try:
        number = float(text)
    except ValueError:
        errors[field] = "enter a number"
        return None
    if not math.isfinite(number) or number < 0:
        errors[field] = "enter a positive number"
        return None
    seconds = number * size
    if seconds > MAX_SECONDS * 10:
        # Far out of range: let the schema word it, without float precision noise.
        return MAX_SECONDS + 1
    if abs(seconds - round(seconds)) > 1e-6:
        errors[field] = "must be a whole number of seconds"
        return None
    return int(round(seconds))


def service_input(form: dict[str, Any], model: type[Model]) -> tuple[Model | None, dict[str, str]]:
    """The new- or edit-service form → (a valid ``model``, {}) or (None, field errors)."""
    try:
        return model.model_validate({"name": str(form.get("name", "")), "description": str(form.get("description", ""))}), {}
    except ValidationError as exc:
        return None, validation_errors(exc)


def _methods(form: dict[str, Any]) -> list[str]:
    return [m for m in ALLOWED_METHODS if form.get(f"method_{m}") in (True, "on", "true", m)]


def _heartbeat_model(form: dict[str, Any], model: type[Model], known: dict[str, Any]) -> tuple[Model | None, dict[str, str]]:
    """The heartbeat form's fields, with ``known`` ones, validated as ``model``."""
    errors: dict[str, str] = {}
    interval = parse_seconds(form.get("interval"), form.get("interval_unit", "minutes"), "interval", errors)
    grace = parse_seconds(form.get("grace"), form.get("grace_unit", "minutes"), "grace", errors, default=0)
    data = {**known, "name": str(form.get("name", "")), "interval": interval, "grace": grace, "methods": _methods(form)}
    try:
        parsed = model.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        for field, message in validation_errors(exc).items():
            errors.setdefault(field, message)
        return None, errors
    return (parsed, errors) if not errors else (None, errors)


def heartbeat_input(form: dict[str, Any], service_id: str) -> tuple[HeartbeatCreate | None, dict[str, str]]:
    """The create form → (a valid ``HeartbeatCreate`` or None, field errors)."""
    return _heartbeat_model(form, HeartbeatCreate, {"service_id": service_id})


def heartbeat_update_input(form: dict[str, Any]) -> tuple[HeartbeatUpdate | None, dict[str, str]]:
    """The edit form → (a valid ``HeartbeatUpdate`` or None, field errors)."""
    moved_to = {"service_id": str(form["service_id"])} if form.get("service_id") else {}
    return _heartbeat_model(form, HeartbeatUpdate, moved_to)
