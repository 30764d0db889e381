"""Alert channels: validation per kind, CRUD, links to services and heartbeats, routing.

A channel's settings are stored as JSON text; they contain secrets (webhook
secret and header values, tokens inside URLs), so everything that leaves this
module for people goes through ``mask_config``.  Updates accept the masked form
back and keep the stored secret, so an edit form can round-trip what it showed.

Functions take the caller's session and only flush; the caller owns the
transaction (``session_scope(engine, write=True)`` for the writing ones).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import apprise
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from dashboard.core.contracts import ChannelCreate, ChannelUpdate
from dashboard.core.errors import Conflict, Invalid, NotFound
from dashboard.core.ids import parse_id
from dashboard.models import Channel, ChannelLink, Heartbeat, Service

MASK = "****"
# Shorter secrets are hidden entirely: their last 4 characters would be most of them.
_MIN_SHOWN_LENGTH = 12
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$")
_EMAIL = re.compile(r"^[^@\s,;<>\"\x00]{1,64}@[^@\s,;<>\"\x00]{1,253}\.[^@\s,;<>\"\x00]+$")
# We set these ourselves on every webhook request.
_RESERVED_HEADERS = {"content-type", "content-length", "host", "x-lubdub-signature", "x-lubdub-timestamp"}
SECRET_KEYS = {"webhook": ("url", "secret"), "email": (), "apprise": ("url",)}
Via = Literal["heartbeat", "service", "default"]


# --- secrets ----------------------------------------------------------------------


def mask_secret(secret: str) -> str:
    """``****`` followed by the last 4 characters (only for secrets long enough to spare them)."""
    return MASK + secret[-4:] if len(secret) >= _MIN_SHOWN_LENGTH else MASK


def mask_url(url: str) -> str:
    """Scheme and host stay readable; credentials, path and query are masked."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return mask_secret(url)
    shown = f"{parts.scheme}://{host}{port}"
    rest = url[url.index(parts.netloc) + len(parts.netloc):] if parts.netloc else url
    return shown + rest if rest in ("", "/") else f"{shown}/{mask_secret(rest.lstrip('/'))}"


def mask_apprise_url(url: str) -> str:
    """Apprise's own privacy form (it knows which parts of each service's URL are secret)."""
    try:
        plugin = apprise.Apprise.instantiate(url)
    except Exception:  # noqa: BLE001 - a URL Apprise cannot even parse is masked wholesale
        plugin = None
    if plugin is None:
        return mask_secret(url)
    # Drop the query string, where Apprise lists every default it applied.
    return str(plugin.url(privacy=True)).split("?", 1)[0]


def mask_config(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    masked = dict(config)
    if kind == "webhook":
        masked["url"] = mask_url(config["url"])
        masked["secret"] = mask_secret(config["secret"]) if config.get("secret") else None
        masked["headers"] = {name: mask_secret(value) for name, value in config.get("headers", {}).items()}
    elif kind == "apprise":
        masked["url"] = mask_apprise_url(config["url"])
    return masked


# --- validation per kind ----------------------------------------------------------


class _Config(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    # Put the heartbeat's check-in URL in this channel's messages.  Off by default:
    # whoever reads the messages could otherwise check in for a failing job.
    include_ping_url: bool = False


class WebhookConfig(_Config):
    url: str = Field(max_length=2000)
    headers: dict[str, str] = Field(default_factory=dict, max_length=20)
    secret: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        try:
            parts = urlsplit(url)
        except ValueError:
            raise ValueError("is not a valid URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        if any(c in url for c in "\r\n\x00 "):
            raise ValueError("must not contain spaces or control characters")
        return url

    @field_validator("headers")
    @classmethod
    def _headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if name.lower() in _RESERVED_HEADERS:
                raise ValueError(f"{name!r} is set by Lubdub and cannot be overridden")
            if len(value) > 2000 or any(c in value for c in "\r\n\x00"):
                raise ValueError(f"the value of {name!r} must be at most 2000 characters without line breaks")
        return headers


class EmailConfig(_Config):
    to: list[str] = Field(min_length=1, max_length=20)

    @field_validator("to")
    @classmethod
    def _addresses(cls, addresses: list[str]) -> list[str]:
        cleaned = [address.strip() for address in addresses]
        for address in cleaned:
            if len(address) > 254 or not _EMAIL.match(address):
                raise ValueError(f"{address!r} is not an email address")
        return list(dict.fromkeys(cleaned))


class AppriseConfig(_Config):
    url: str = Field(min_length=1, max_length=2000)

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, url: str) -> str:
        if apprise.Apprise.instantiate(url.strip()) is None:
            raise ValueError("is not a URL Apprise supports (see https://github.com/caronc/apprise/wiki)")
        return url.strip()


_CONFIG_MODELS: dict[str, type[_Config]] = {"webhook": WebhookConfig, "email": EmailConfig, "apprise": AppriseConfig}


def _unmask(kind: str, incoming: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """Values sent back exactly as we masked them mean "keep the stored one"."""
    merged = dict(incoming)
    masked = mask_config(kind, stored) if stored else {}
    for key in SECRET_KEYS[kind]:
        if key in merged and key in stored and merged[key] == masked.get(key):
            merged[key] = stored[key]
    if kind == "webhook" and isinstance(merged.get("headers"), dict):
        old_headers = stored.get("headers", {})
        merged["headers"] = {
            name: old_headers[name] if name in old_headers and value == mask_secret(old_headers[name]) else value
            for name, value in merged["headers"].items()
        }
    return merged


def validate_config(kind: str, raw: dict[str, Any], stored: dict[str, Any] | None = None) -> dict[str, Any]:
    """The canonical config for ``kind``; omitted keys keep ``stored``'s values.

    Raises ``Invalid`` naming the exact key (``config.url``, ``config.headers``...).
    """
    base = dict(stored or {})
    merged = {**base, **_unmask(kind, raw, base)}
    try:
        model = _CONFIG_MODELS[kind].model_validate(merged)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = ".".join(str(part) for part in error["loc"][:1])
        reason = {"missing": "is required", "extra_forbidden": f"is not a {kind} setting"}.get(
            error["type"], str(error["msg"]).removeprefix("Value error, ")
        )
        raise Invalid(f"config.{loc}" if loc else "config", reason) from None
    return model.model_dump(exclude_none=True)


def load_config(channel: Channel) -> dict[str, Any]:
    return dict(json.loads(channel.config))


# --- CRUD -------------------------------------------------------------------------


def get_channel(session: Session, channel_id: str, *, for_update: bool = False) -> Channel:
    canonical = parse_id(channel_id)
    channel = session.get(Channel, canonical, with_for_update=for_update) if canonical else None
    if channel is None:
        raise NotFound("no channel with this id")
    return channel


def list_channels(session: Session) -> list[Channel]:
    return list(session.exec(select(Channel).order_by(col(Channel.name), col(Channel.id))))


def _ensure_name_free(session: Session, name: str, exclude_id: str | None = None) -> None:
    query = select(Channel.id).where(Channel.name == name)
    if exclude_id is not None:
        query = query.where(Channel.id != exclude_id)
    if session.exec(query).first() is not None:
        raise Conflict(f"a channel named {name!r} already exists")


def _flush(session: Session, name: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same name (PostgreSQL)
        raise Conflict(f"a channel named {name!r} already exists") from exc


def create_channel(session: Session, data: ChannelCreate, now: datetime) -> Channel:
    config = validate_config(data.kind, data.config)
    _ensure_name_free(session, data.name)
    channel = Channel(
        name=data.name, kind=data.kind, config=json.dumps(config), is_default=data.is_default,
        renotify_minutes=data.renotify_minutes, created_at=now, updated_at=now,
    )
    session.add(channel)
    _flush(session, data.name)
    return channel


def update_channel(session: Session, channel_id: str, data: ChannelUpdate, now: datetime) -> Channel:
    channel = get_channel(session, channel_id, for_update=True)
    given = data.model_fields_set
    kind = data.kind if "kind" in given else channel.kind
    if "config" in given or kind != channel.kind:
        stored = load_config(channel) if kind == channel.kind else {}
        channel.config = json.dumps(validate_config(kind, data.config or {}, stored))
        channel.kind = kind
    if "name" in given and data.name != channel.name:
        _ensure_name_free(session, data.name, exclude_id=channel.id)
        channel.name = data.name
    if "is_default" in given:
        channel.is_default = data.is_default
    if "renotify_minutes" in given:
        channel.renotify_minutes = data.renotify_minutes
    channel.updated_at = now
    session.add(channel)
    _flush(session, channel.name)
    return channel


def delete_channel(session: Session, channel_id: str) -> None:
    """Its links and its delivery log go with it (ON DELETE CASCADE)."""
    channel = get_channel(session, channel_id, for_update=True)
    session.exec(delete(Channel).where(col(Channel.id) == channel.id))
    session.expunge(channel)


# --- links ------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkView:
    channel_id: str
    service_id: str | None
    service_name: str | None
    heartbeat_id: str | None
    heartbeat_name: str | None
    heartbeat_ping_id: str | None = None
    heartbeat_public_id: str | None = None
    heartbeat_service_id: str | None = None


def _target(session: Session, service_id: str | None, heartbeat_id: str | None) -> tuple[str | None, str | None]:
    """Canonical (service_id, heartbeat_id), exactly one set and existing."""
    if (service_id is None) == (heartbeat_id is None):
        raise Invalid("service_id", "give exactly one of service_id and heartbeat_id")
    if service_id is not None:
        canonical = parse_id(service_id)
        if canonical is None or session.get(Service, canonical) is None:
            raise Invalid("service_id", "no service with this id")
        return canonical, None
    assert heartbeat_id is not None
    canonical = parse_id(heartbeat_id)
    if canonical is None or session.get(Heartbeat, canonical) is None:
        raise Invalid("heartbeat_id", "no heartbeat with this id")
    return None, canonical


def _link_query(channel_id: str, service_id: str | None, heartbeat_id: str | None):  # type: ignore[no-untyped-def]
    query = select(ChannelLink).where(ChannelLink.channel_id == channel_id)
    if service_id is not None:
        return query.where(ChannelLink.service_id == service_id)
    return query.where(ChannelLink.heartbeat_id == heartbeat_id)


def attach(
    session: Session, channel_id: str, now: datetime, *, service_id: str | None = None, heartbeat_id: str | None = None
) -> None:
    channel = get_channel(session, channel_id)
    service_id, heartbeat_id = _target(session, service_id, heartbeat_id)
    if session.exec(_link_query(channel.id, service_id, heartbeat_id)).first() is not None:
        raise Conflict("the channel is already attached there")
    session.add(ChannelLink(channel_id=channel.id, service_id=service_id, heartbeat_id=heartbeat_id, created_at=now))
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("the channel is already attached there") from exc


def detach(
    session: Session, channel_id: str, *, service_id: str | None = None, heartbeat_id: str | None = None
) -> None:
    channel = get_channel(session, channel_id)
    if (service_id is None) == (heartbeat_id is None):
        raise Invalid("service_id", "give exactly one of service_id and heartbeat_id")
    service_id = parse_id(service_id) if service_id is not None else None
    heartbeat_id = parse_id(heartbeat_id) if heartbeat_id is not None else None
    link = None
    if service_id is not None or heartbeat_id is not None:
        link = session.exec(_link_query(channel.id, service_id, heartbeat_id)).first()
    if link is None:
        raise NotFound("the channel is not attached there")
    session.delete(link)
    session.flush()


def links_of(session: Session, channel_ids: Sequence[str]) -> dict[str, list[LinkView]]:
    found: dict[str, list[LinkView]] = {channel_id: [] for channel_id in channel_ids}
    if not channel_ids:
        return found
    query = text(
        "SELECT l.channel_id, l.service_id, s.name AS service_name, l.heartbeat_id, h.name AS heartbeat_name, "
        "h.ping_id AS heartbeat_ping_id, h.public_id AS heartbeat_public_id, h.service_id AS heartbeat_service_id "
        "FROM channel_link l LEFT JOIN service s ON s.id = l.service_id "
        "LEFT JOIN heartbeat h ON h.id = l.heartbeat_id WHERE l.channel_id IN :ids "
        "ORDER BY s.name, h.name, l.id"
    ).bindparams(bindparam("ids", expanding=True))
    for row in session.connection().execute(query, {"ids": list(channel_ids)}):
        found[row.channel_id].append(
            LinkView(row.channel_id, row.service_id, row.service_name, row.heartbeat_id, row.heartbeat_name,
                     row.heartbeat_ping_id, row.heartbeat_public_id, row.heartbeat_service_id)
        )
    return found


_CONFIGS = text("SELECT id, config FROM channel WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))


def ping_url_channels(conn: Connection, channel_ids: Iterable[str]) -> set[str]:
    """Which of these channels put the check-in URL in their messages."""
    ids = sorted(channel_ids)
    if not ids:
        return set()
    return {row.id for row in conn.execute(_CONFIGS, {"ids": ids}) if json.loads(row.config).get("include_ping_url")}


# --- routing ----------------------------------------------------------------------

_ROUTES = text(
    "SELECT l.heartbeat_id AS heartbeat_id, l.channel_id AS channel_id, 'heartbeat' AS via "
    "FROM channel_link l WHERE l.heartbeat_id IN :ids "
    "UNION ALL "
    "SELECT h.id, l.channel_id, 'service' FROM heartbeat h JOIN channel_link l ON l.service_id = h.service_id "
    "WHERE h.id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_DEFAULTS = text("SELECT id FROM channel WHERE is_default = :yes ORDER BY id")


def route(conn: Connection, heartbeat_ids: Iterable[str]) -> dict[str, dict[str, Via]]:
    """For each heartbeat: the channels its alerts go to, and why.

    A heartbeat's own channels and its service's channels together; a heartbeat
    with neither uses the default channels.
    """
    ids = sorted(set(heartbeat_ids))
    routes: dict[str, dict[str, Via]] = {heartbeat_id: {} for heartbeat_id in ids}
    if not ids:
        return routes
    for row in conn.execute(_ROUTES, {"ids": ids}):
        # A channel attached both ways is listed once, as the heartbeat's own.
        routes[row.heartbeat_id].setdefault(row.channel_id, row.via)
    if any(not channels for channels in routes.values()):
        defaults = [row.id for row in conn.execute(_DEFAULTS, {"yes": True})]
        for channels in routes.values():
            if not channels:
                channels.update(dict.fromkeys(defaults, "default"))
    return routes


@dataclass(frozen=True)
class RoutedChannel:
    channel: Channel
    via: Via


def channels_for_heartbeat(session: Session, heartbeat_id: str) -> tuple[Heartbeat, list[RoutedChannel]]:
    canonical = parse_id(heartbeat_id)
    heartbeat = session.get(Heartbeat, canonical) if canonical else None
    if heartbeat is None:
        raise NotFound("no heartbeat with this id")
    routes = route(session.connection(), [heartbeat.id])[heartbeat.id]
    if not routes:
        return heartbeat, []
    channels = session.exec(select(Channel).where(col(Channel.id).in_(list(routes))).order_by(col(Channel.name)))
    return heartbeat, [RoutedChannel(channel, routes[channel.id]) for channel in channels]


@dataclass(frozen=True)
class AttachTarget:
    """Somewhere a channel can be attached: a whole service, or one heartbeat (by its public id)."""

    kind: str  # "service" | "heartbeat"
    id: str  # the service id, or the heartbeat's public id
    service_name: str
    heartbeat_name: str | None = None


def attach_targets(session: Session) -> list[AttachTarget]:
    """Every service, and every heartbeat with its service's name, by name."""
    services = {s.id: s.name for s in session.exec(select(Service).order_by(col(Service.name)))}
    targets = [AttachTarget("service", service_id, name) for service_id, name in services.items()]
    rows = session.exec(select(Heartbeat.public_id, Heartbeat.service_id, Heartbeat.name).order_by(col(Heartbeat.name)))
    targets += [AttachTarget("heartbeat", public_id, services.get(service_id, "?"), name)
                for public_id, service_id, name in rows]
    return targets


# --- a heartbeat's own channels (Healthchecks' `channels` field) -----------------


def resolve_channels(session: Session, refs: Sequence[str]) -> list[Channel]:
    """The channels ``refs`` name, each by id or by exact name, in the order given (duplicates once).

    Raises ``Invalid("channels", …)`` naming the first reference that matches nothing.
    """
    found: dict[str, Channel] = {}
    for ref in refs:
        if not ref:
            raise Invalid("channels", "empty channel identifier")
        canonical = parse_id(ref)
        channel = session.get(Channel, canonical) if canonical is not None else None
        if channel is None:
            channel = session.exec(select(Channel).where(col(Channel.name) == ref)).first()
        if channel is None:
            raise Invalid("channels", f"invalid channel identifier: {ref[:100]}")
        found.setdefault(channel.id, channel)
    return list(found.values())


def heartbeat_channel_ids(session: Session, heartbeat_ids: Sequence[str]) -> dict[str, list[str]]:
    """For each heartbeat, the ids of the channels attached to it (not to its service), sorted."""
    found: dict[str, list[str]] = {heartbeat_id: [] for heartbeat_id in heartbeat_ids}
    for start in range(0, len(heartbeat_ids), 500):
        chunk = list(heartbeat_ids[start:start + 500])
        query = select(ChannelLink.heartbeat_id, ChannelLink.channel_id).where(col(ChannelLink.heartbeat_id).in_(chunk))
        for heartbeat_id, channel_id in session.exec(query):
            found[str(heartbeat_id)].append(channel_id)
    return {heartbeat_id: sorted(ids) for heartbeat_id, ids in found.items()}


def set_heartbeat_channels(session: Session, heartbeat_id: str, channel_ids: Sequence[str], now: datetime) -> None:
    """Attach exactly these channels to the heartbeat itself (its service's links are untouched)."""
    wanted = set(channel_ids)
    current = set(heartbeat_channel_ids(session, [heartbeat_id])[heartbeat_id])
    for channel_id in current - wanted:
        session.exec(delete(ChannelLink).where(col(ChannelLink.heartbeat_id) == heartbeat_id,
                                               col(ChannelLink.channel_id) == channel_id))
    for channel_id in sorted(wanted - current):
        session.add(ChannelLink(channel_id=channel_id, heartbeat_id=heartbeat_id, created_at=now))
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent change of the same links (PostgreSQL)
        raise Conflict("the heartbeat's channels changed meanwhile; try again") from exc
