"""What the notifications page reads and writes: plain functions over core (run in a thread), and its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from dashboard.components.deliveries import DeliveryRow, delivery_row
from dashboard.config import get_settings
from dashboard.core import heartbeats
from dashboard.core.alerts import channels as core_channels
from dashboard.core.alerts import delivery
from dashboard.core.alerts import history as alert_history
from dashboard.core.alerts.senders import SendOptions
from dashboard.core.contracts import ChannelCreate, ChannelUpdate
from dashboard.core.errors import DomainError, Invalid, NotFound
from dashboard.db import get_engine, session_scope
from dashboard.timeutil import utcnow

KINDS = ["webhook", "email", "apprise"]
STATUS_FILTERS = ["all", "pending", "sending", "delivered", "failed"]
LOG_LIMIT = 50


@dataclass
class LinkRow:
    key: str = ""  # "service:<id>" or "heartbeat:<id>"
    label: str = ""


@dataclass
class ChannelRow:
    id: str = ""
    name: str = ""
    kind: str = ""
    target: str = ""
    is_default: bool = False
    renotify_text: str = ""
    links: list[LinkRow] = field(default_factory=list)


@dataclass
class TargetOption:
    key: str = ""
    label: str = ""


@dataclass
class ChannelForm:
    """What the edit dialog starts from (secrets masked)."""

    name: str = ""
    kind: str = "webhook"
    url: str = ""
    secret: str = ""
    headers: str = ""
    recipients: str = ""
    is_default: bool = False
    include_ping_url: bool = False
    renotify: str = ""


def _target_text(kind: str, masked: dict[str, Any]) -> str:
    if kind == "email":
        return ", ".join(masked.get("to", []))
    return str(masked.get("url", ""))


def channel_rows() -> list[ChannelRow]:
    with session_scope() as session:
        found = core_channels.list_channels(session)
        links = core_channels.links_of(session, [c.id for c in found])
        return [
            ChannelRow(
                id=c.id, name=c.name, kind=c.kind,
                target=_target_text(c.kind, core_channels.mask_config(c.kind, core_channels.load_config(c))),
                is_default=c.is_default,
                renotify_text=f"every {c.renotify_minutes} min" if c.renotify_minutes else "",
                links=[
                    LinkRow(f"service:{link.service_id}", f"service {link.service_name}") if link.service_id
                    else LinkRow(f"heartbeat:{link.heartbeat_public_id}", f"heartbeat {link.heartbeat_name}")
                    for link in links[c.id]
                ],
            )
            for c in found
        ]


def target_options() -> list[TargetOption]:
    """Every service and heartbeat a channel can be attached to (heartbeats by public id)."""
    with session_scope() as session:
        targets = core_channels.attach_targets(session)
    options = [
        TargetOption(f"{t.kind}:{t.id}", f"Service · {t.service_name} (all its heartbeats)" if t.kind == "service"
                     else f"Heartbeat · {t.service_name} / {t.heartbeat_name}")
        for t in targets
    ]
    options.sort(key=lambda option: option.label)
    return options


def delivery_rows(status: str, now: datetime) -> list[DeliveryRow]:
    with session_scope() as session:
        page = alert_history.list_deliveries(session, status=None if status == "all" else status, limit=LOG_LIMIT)
    return [delivery_row(view, now) for view in page.items]


def channel_form(channel_id: str) -> ChannelForm:
    with session_scope() as session:
        channel = core_channels.get_channel(session, channel_id)
        masked = core_channels.mask_config(channel.kind, core_channels.load_config(channel))
    return ChannelForm(
        name=channel.name, kind=channel.kind, url=str(masked.get("url", "")), secret=masked.get("secret") or "",
        headers="\n".join(f"{k}: {v}" for k, v in masked.get("headers", {}).items()),
        recipients=", ".join(masked.get("to", [])), is_default=channel.is_default,
        include_ping_url=bool(masked.get("include_ping_url")),
        renotify=str(channel.renotify_minutes or ""),
    )


def _parse_headers(text: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise Invalid("config.headers", f"line {number} must look like 'Name: value'")
        headers[name.strip()] = value.strip()
    return headers


def form_payload(form: dict[str, Any]) -> dict[str, Any]:
    """The channel fields as the API takes them, from the dialog's form."""
    kind = str(form.get("kind") or "webhook")
    config: dict[str, Any]
    if kind == "webhook":
        config = {"url": str(form.get("url", "")).strip(), "headers": _parse_headers(str(form.get("headers", "")))}
        secret = str(form.get("secret", "")).strip()
        config["secret"] = secret or None
    elif kind == "email":
        config = {"to": [a.strip() for a in str(form.get("to", "")).replace(";", ",").split(",") if a.strip()]}
    else:
        config = {"url": str(form.get("url", "")).strip()}
    config["include_ping_url"] = form.get("include_ping_url") in (True, "on", "true")
    renotify = str(form.get("renotify", "")).strip()
    if renotify and not renotify.isdigit():
        raise Invalid("renotify_minutes", "must be a whole number of minutes, or empty for never")
    return {
        "name": str(form.get("name", "")), "kind": kind, "config": config,
        "is_default": form.get("is_default") in (True, "on", "true"),
        "renotify_minutes": int(renotify) if renotify else None,
    }


def _validation_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "name"
        errors.setdefault(name, str(error["msg"]).removeprefix("Value error, "))
    return errors


def save_channel(channel_id: str, form: dict[str, Any]) -> dict[str, str]:
    """Create (no id) or update a channel; returns field → message for what is wrong."""
    try:
        payload = form_payload(form)
        now = utcnow()
        with session_scope(write=True) as session:
            if channel_id:
                core_channels.update_channel(session, channel_id, ChannelUpdate.model_validate(payload), now)
            else:
                core_channels.create_channel(session, ChannelCreate.model_validate(payload), now)
    except ValidationError as exc:
        return _validation_errors(exc)
    except Invalid as exc:
        return {exc.field: exc.reason}
    except DomainError as exc:
        return {"name": exc.message}
    return {}


def remove_channel(channel_id: str) -> None:
    try:
        with session_scope(write=True) as session:
            core_channels.delete_channel(session, channel_id)
    except NotFound:
        pass  # already gone


def _split_target(session: Session, key: str) -> dict[str, str]:
    """``service:<id>`` or ``heartbeat:<public id>`` → the core call's keyword (row ids)."""
    kind, _, target_id = key.partition(":")
    if kind == "service":
        return {"service_id": target_id}
    return {"heartbeat_id": heartbeats.get_by_public_id(session, target_id).id}


def attach_channel(channel_id: str, key: str) -> str:
    """"" when attached, else why not."""
    if not key:
        return "Choose a service or a heartbeat"
    try:
        with session_scope(write=True) as session:
            core_channels.attach(session, channel_id, utcnow(), **_split_target(session, key))
    except DomainError as exc:
        return getattr(exc, "reason", exc.message)
    return ""


def detach_channel(channel_id: str, key: str) -> None:
    try:
        with session_scope(write=True) as session:
            core_channels.detach(session, channel_id, **_split_target(session, key))
    except NotFound:
        pass  # already gone


def send_channel_test(channel_id: str) -> tuple[bool, str]:
    settings = get_settings()
    outcome = delivery.send_test(get_engine(), channel_id, utcnow(), SendOptions.from_settings(settings),
                        public_url=settings.public_url, clock=utcnow)
    return outcome.result.ok, outcome.result.error or ""
