"""Import the checks of a Healthchecks project into a Lubdub service.

``fetch_project`` reads a project through Healthchecks' API v3 with its read-write
key (only that key shows the checks' UUIDs and integrations); ``import_project``
makes the service's heartbeats match them, **keeping each check's UUID as the
heartbeat's check-in id** (so ``/ping/<uuid>`` only changes host) and its
``unique_key`` as the public id (read-only URLs keep working).  With the project's
ping key (which Healthchecks' API does not show: the user passes it), the
service takes it as its own, so ``/ping/<ping_key>/<slug>`` URLs only change host too.

What is copied: name, slug, tags, description, interval (``timeout``) or cron
schedule and time zone, grace, methods, manual_resume, the paused state, the
check-in count, and the check's integrations as links to the Lubdub channels of
the same name (Healthchecks' API shows an integration's name and kind, never its
settings: create those channels first, then import — again, if need be).

Idempotent: a check already imported is compared field by field and updated
only where it differs; a second run reports every check ``unchanged``.  Checks
Lubdub cannot represent are skipped with the reason (OnCalendar schedules); what
is dropped is noted (keyword filters, a slug another check of the service has).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlmodel import Session, col, select

from dashboard.core import cron, heartbeats, services
from dashboard.core import healthchecks as hc
from dashboard.core.alerts import channels
from dashboard.core.contracts import MAX_DESCRIPTION, HeartbeatCreate, HeartbeatUpdate, ServiceCreate
from dashboard.core.errors import Conflict, DomainError
from dashboard.core.ids import parse_id
from dashboard.core.tags import TagError, normalise_tags
from dashboard.db import session_scope
from dashboard.models import Channel, Heartbeat, Service
from dashboard.timeutil import utcnow

PING_KEY = re.compile(r"^[a-z0-9]{22}$")
REQUEST_TIMEOUT_S = 30.0
MAX_RESPONSE_BYTES = 200 * 1024 * 1024


class ImportFailed(Exception):
    """The import could not start (unreachable server, refused key, bad arguments)."""


@dataclass(frozen=True)
class Project:
    """What Healthchecks' API shows of a project: its checks and its integrations."""

    checks: list[dict[str, Any]]
    integrations: list[dict[str, Any]]


def _get(client: httpx.Client, base: str, path: str, api_key: str) -> Any:
    try:
        response = client.get(f"{base}/api/v3/{path}", headers={"X-Api-Key": api_key})
    except httpx.HTTPError as exc:
        raise ImportFailed(f"could not reach {base}: {exc}") from None
    if response.status_code == 401:
        reason = _error_text(response)
        raise ImportFailed(f"{base} refused the API key ({reason}): give the project's read-write API key")
    if response.status_code != 200:
        raise ImportFailed(f"{base}/api/v3/{path} answered {response.status_code}: {response.text[:200]}")
    if len(response.content) > MAX_RESPONSE_BYTES:
        raise ImportFailed(f"{base}/api/v3/{path} answered more than {MAX_RESPONSE_BYTES} bytes")
    try:
        return response.json()
    except ValueError:
        raise ImportFailed(f"{base}/api/v3/{path} did not answer JSON: is this a Healthchecks server?") from None


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.status_code))
    except (ValueError, AttributeError):
        return str(response.status_code)


def fetch_project(url: str, api_key: str, *, transport: httpx.BaseTransport | None = None) -> Project:
    """Read the project that ``api_key`` belongs to from the Healthchecks server at ``url``."""
    base = url.rstrip("/")
    for suffix in ("/api/v3", "/api"):
        base = base.removesuffix(suffix)
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImportFailed(f"--url must be the Healthchecks server's http(s) address, got {url!r}")
    with httpx.Client(timeout=REQUEST_TIMEOUT_S, transport=transport, follow_redirects=True) as client:
        checks = _get(client, base, "checks/", api_key)
        if not isinstance(checks, dict) or not isinstance(checks.get("checks"), list):
            raise ImportFailed(f"{base}/api/v3/checks/ did not answer a list of checks")
        if any("uuid" not in check for check in checks["checks"]):
            raise ImportFailed("this is a read-only API key: it does not show the checks' UUIDs; "
                               "give the project's read-write API key")
        integrations = _get(client, base, "channels/", api_key)
    return Project(checks["checks"], list(integrations.get("channels", [])) if isinstance(integrations, dict) else [])


def default_service_name(url: str) -> str:
    """The service an import goes to unless named: the Healthchecks server's host (and port)."""
    return urlsplit(url).netloc or "healthchecks"


# --- the plan ---------------------------------------------------------------------------


@dataclass
class ImportRow:
    """One check: what the import did with it (``create``, ``update``, ``unchanged`` or ``skip``)."""

    action: str
    name: str
    uuid: str
    cadence: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Wanted:
    """The heartbeat a check becomes."""

    uuid: str
    fields: dict[str, Any]  # HeartbeatCreate fields (without service_id)
    channel_ids: list[str]
    n_pings: int
    notes: list[str]


def _cadence(check: Mapping[str, Any]) -> str:
    if "timeout" in check:
        return f"every {check['timeout']} s"
    return f"{check.get('schedule', '?')} ({check.get('tz', 'UTC')})"


def _text(check: Mapping[str, Any], name: str) -> str:
    value = check.get(name)
    return value if isinstance(value, str) else ""


def _wanted(check: Mapping[str, Any], integrations: Mapping[str, Mapping[str, Any]],
            channels_by_name: Mapping[str, Channel]) -> Wanted:
    """The heartbeat fields a check maps to; raises ``ValueError`` saying why it cannot be imported."""
    uuid = parse_id(_text(check, "uuid"))
    if uuid is None:
        raise ValueError("no valid uuid")
    notes: list[str] = []
    fields: dict[str, Any] = {"grace": check.get("grace", hc.DEFAULT_GRACE)}
    if "timeout" in check:
        fields["interval"] = check["timeout"]
    else:
        schedule = _text(check, "schedule")
        if not hc.is_cron_expression(schedule):
            raise ValueError("OnCalendar schedules are not supported by Lubdub (cron only)")
        try:
            fields["schedule"] = cron.validate_schedule(schedule)
            fields["timezone"] = cron.validate_timezone(_text(check, "tz") or "UTC")
        except cron.CronError as exc:
            raise ValueError(f"schedule {schedule!r}: {exc}") from None
    description = _text(check, "desc")
    if len(description) > MAX_DESCRIPTION:
        notes.append(f"description cut to {MAX_DESCRIPTION} characters")
        description = description[:MAX_DESCRIPTION]
    try:
        tags = normalise_tags(_text(check, "tags"))
    except TagError as exc:
        notes.append(f"tags dropped: {exc}")
        tags = ""
    fields.update(
        slug=_text(check, "slug") or None, tags=tags, description=description,
        methods=hc.methods_from_hc(_text(check, "methods")), manual_resume=bool(check.get("manual_resume")),
        enabled=check.get("status") != "paused",
    )
    if check.get("filter_subject") or check.get("filter_body") or check.get("filter_http_body") or any(
            _text(check, kw) for kw in ("start_kw", "success_kw", "failure_kw")):
        notes.append("keyword filters dropped (not supported)")
    channel_ids: list[str] = []
    for integration_id in filter(None, _text(check, "channels").split(",")):
        integration = integrations.get(integration_id.strip(), {})
        name = str(integration.get("name", integration_id))
        found = channels_by_name.get(name)
        if found is None:
            notes.append(f"no channel named {name!r} ({integration.get('kind', '?')}): create it and import again")
        else:
            channel_ids.append(found.id)
    n_pings = check.get("n_pings")
    return Wanted(uuid, fields, sorted(set(channel_ids)), n_pings if isinstance(n_pings, int) else 0, notes)


def _unique_name(base: str, taken: set[str]) -> str:
    name, k = base[:100], 2
    while name in taken:
        suffix = f" ({k})"
        name, k = base[:100 - len(suffix)] + suffix, k + 1
    return name


def _target_service(session: Session, name: str, ping_key: str | None, now: datetime) -> Service:
    service = session.exec(select(Service).where(col(Service.name) == name)).first()
    if service is None:
        service = services.create_service(session, ServiceCreate(name=name), now)
    if ping_key is not None and service.ping_key != ping_key:
        if not PING_KEY.match(ping_key):
            raise ImportFailed("--ping-key must be 22 lowercase letters and digits, as Healthchecks makes them")
        holder = session.exec(select(Service).where(col(Service.ping_key) == ping_key)).first()
        if holder is not None:
            raise ImportFailed(f"the service {holder.name!r} already has this ping key")
        service.ping_key = ping_key
        service.updated_at = now
        session.add(service)
        session.flush()
    return service


def _differences(heartbeat: Heartbeat, fields: Mapping[str, Any], channel_ids: list[str],
                 current_channels: list[str]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for name, value in fields.items():
        current = heartbeat.method_list if name == "methods" else getattr(heartbeat, name)
        if current != value:
            changed[name] = value
    if channel_ids != current_channels:
        changed["channels"] = channel_ids
    return changed


def import_project(session: Session, project: Project, *, service_name: str, ping_key: str | None,
                   now: datetime) -> list[ImportRow]:
    """Make the service's heartbeats match the project's checks; one row per check, in the project's order."""
    service = _target_service(session, service_name, ping_key, now)
    integrations = {str(i.get("id")): i for i in project.integrations}
    channels_by_name = {channel.name: channel for channel in channels.list_channels(session)}
    uuids = {parse_id(_text(check, "uuid")) for check in project.checks} - {None}
    others = [hb for hb in session.exec(select(Heartbeat).where(col(Heartbeat.service_id) == service.id))
              if hb.ping_id not in uuids]
    taken_names = {hb.name for hb in others}
    taken_slugs = {hb.slug for hb in others if hb.slug}
    rows: list[ImportRow] = []
    for check in project.checks:
        row = ImportRow("skip", _text(check, "name"), _text(check, "uuid"), _cadence(check))
        rows.append(row)
        try:
            wanted = _wanted(check, integrations, channels_by_name)
        except ValueError as exc:
            row.notes.append(str(exc))
            continue
        row.notes.extend(wanted.notes)
        base = _text(check, "name").strip() or wanted.fields["slug"] or f"unnamed-{wanted.uuid[:8]}"
        wanted.fields["name"] = _unique_name(base, taken_names)
        if wanted.fields["name"] != base:
            row.notes.append(f"renamed to {wanted.fields['name']!r}: another heartbeat is named {base!r}")
        taken_names.add(wanted.fields["name"])
        slug = wanted.fields["slug"]
        if slug in taken_slugs:
            row.notes.append(f"slug {slug!r} dropped: another heartbeat of the service has it")
            wanted.fields["slug"] = None
        elif slug:
            taken_slugs.add(slug)
        row.name = wanted.fields["name"]
        try:
            row.action = _apply(session, service, wanted, now)
        except (DomainError, ValueError) as exc:
            row.action, row.notes = "skip", [*row.notes, getattr(exc, "message", str(exc))]
    return rows


def _apply(session: Session, service: Service, wanted: Wanted, now: datetime) -> str:
    existing = session.exec(select(Heartbeat).where(col(Heartbeat.ping_id) == wanted.uuid)).first()
    if existing is not None and existing.service_id != service.id:
        owner = session.get(Service, existing.service_id)
        raise Conflict(f"already a heartbeat of the service {owner.name if owner else existing.service_id!r}: left alone")
    if existing is None:
        data = HeartbeatCreate.model_validate({**wanted.fields, "service_id": service.id})
        with session.begin_nested():
            created = heartbeats.create_heartbeat(session, data, now)
            created.ping_id, created.public_id, created.n_pings = wanted.uuid, hc.unique_key(wanted.uuid), wanted.n_pings
            session.add(created)
            session.flush()
            channels.set_heartbeat_channels(session, created.id, wanted.channel_ids, now)
        return "create"
    current_channels = channels.heartbeat_channel_ids(session, [existing.id])[existing.id]
    changed = _differences(existing, wanted.fields, wanted.channel_ids, current_channels)
    if not changed:
        return "unchanged"
    link_change = changed.pop("channels", None)
    with session.begin_nested():
        if changed:
            heartbeats.update_heartbeat(session, existing.id, HeartbeatUpdate.model_validate(changed), now)
        if link_change is not None:
            channels.set_heartbeat_channels(session, existing.id, link_change, now)
    return "update"


def format_table(rows: Sequence[ImportRow]) -> str:
    """The rows as a plain-text table, then a one-line summary."""
    header = ("ACTION", "CHECK", "UUID", "SCHEDULE", "NOTES")
    body = [(r.action, r.name or "(unnamed)", r.uuid, r.cadence, "; ".join(r.notes)) for r in rows]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header) - 1)]
    lines = ["  ".join(str(cell).ljust(widths[i]) if i < len(widths) else str(cell) for i, cell in enumerate(line)).rstrip()
             for line in [header, *body]]
    counts = {action: sum(1 for r in rows if r.action == action) for action in ("create", "update", "unchanged", "skip")}
    lines.append(f"{len(rows)} checks: " + ", ".join(f"{count} {action}" for action, count in counts.items()))
    return "\n".join(lines)


class _DryRun(Exception):
    """Raised inside the transaction of a dry run, so nothing it did is kept."""


def run_import(project: Project, *, service_name: str, ping_key: str | None, dry_run: bool,
               engine: Any = None) -> int:
    """Import in one transaction (rolled back for a dry run), print the table; the exit status."""
    rows: list[ImportRow] = []
    try:
        with session_scope(engine, write=True) as session:
            rows = import_project(session, project, service_name=service_name, ping_key=ping_key, now=utcnow())
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except (ImportFailed, DomainError) as exc:
        print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    print(format_table(rows))
    print(f"dry run: nothing was changed (service {service_name!r})" if dry_run else f"into the service {service_name!r}")
    return 0
