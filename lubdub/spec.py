"""``lubdub apply`` / ``lubdub export``: services, heartbeats and channel links as a YAML file.

```yaml
services:
  - name: billing
    description: Nightly billing jobs
    channels: [Ops email]            # attached to the whole service
    heartbeats:
      - name: invoice-run
        interval: 3600               # or schedule: "0 9 * * 1-5" (+ timezone)
        grace: 300
        max_runtime: 1800
        slug: invoice-run
        tags: [prod, billing]
        description: Creates the invoices
        methods: [GET, POST, HEAD]
        manual_resume: true
        channels: [Pager]            # attached to this heartbeat
```

The file is the whole truth about what it lists: a field left out means its
default (no tags, no slug, no run-time limit, grace 0, GET/POST/HEAD, manual
resume), and the channel links of a listed service or heartbeat are exactly those
given.  Services and heartbeats the file does not list are left alone, unless
``--prune`` (then they are deleted, among what the key can see).  Channels are
named, not described: their settings hold secrets, so they are made in the
dashboard or the API, and ``apply`` refuses a file naming a channel that does not
exist before changing anything.  Paused or running is state, not configuration:
``apply`` never pauses or resumes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import yaml

from lubdub.client import Api, LubdubError

DEFAULTS: dict[str, Any] = {
    "grace": 0, "max_runtime": None, "slug": None, "tags": [], "description": "",
    "methods": ["GET", "POST", "HEAD"], "manual_resume": True, "timezone": "UTC", "holidays": None, "skip_dates": [],
}
HEARTBEAT_FIELDS = ("interval", "schedule", "timezone", "grace", "max_runtime", "slug", "tags", "description",
                    "methods", "manual_resume", "holidays", "skip_dates")
_ALLOWED_HEARTBEAT_KEYS = {"name", "channels", *HEARTBEAT_FIELDS}
_ALLOWED_SERVICE_KEYS = {"name", "description", "channels", "heartbeats"}


class SpecFileError(LubdubError):
    pass


@dataclass
class HeartbeatSpec:
    name: str
    settings: dict[str, Any]  # the API's field names and forms (tags as a space-separated string)
    channels: list[str]


@dataclass
class ServiceSpec:
    name: str
    description: str
    channels: list[str]
    heartbeats: list[HeartbeatSpec]


def _names(where: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SpecFileError(f"{where}: must be a list of names")
    return list(value)


def _heartbeat(where: str, raw: Any) -> HeartbeatSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise SpecFileError(f"{where}: each heartbeat needs a name")
    unknown = set(raw) - _ALLOWED_HEARTBEAT_KEYS
    if unknown:
        raise SpecFileError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if ("interval" in raw) == ("schedule" in raw):
        raise SpecFileError(f"{where}: give interval (seconds) or schedule (cron), one of them")
    settings = {name: raw.get(name, DEFAULTS.get(name)) for name in HEARTBEAT_FIELDS}
    tags = settings["tags"]
    settings["tags"] = " ".join(_names(f"{where}.tags", tags)) if not isinstance(tags, str) else " ".join(tags.split())
    if settings["skip_dates"]:
        settings["skip_dates"] = [str(day) for day in settings["skip_dates"]]
    return HeartbeatSpec(raw["name"], settings, _names(f"{where}.channels", raw.get("channels")))


def parse(text: str) -> list[ServiceSpec]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecFileError(f"not valid YAML: {exc}") from None
    if document is None:
        document = {}
    if not isinstance(document, dict) or not isinstance(document.get("services", []), list):
        raise SpecFileError("the file must be a mapping with a list under 'services'")
    found: list[ServiceSpec] = []
    for index, raw in enumerate(document.get("services") or []):
        where = f"services[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise SpecFileError(f"{where}: each service needs a name")
        unknown = set(raw) - _ALLOWED_SERVICE_KEYS
        if unknown:
            raise SpecFileError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        where = f"service {raw['name']!r}"
        beats = [_heartbeat(f"{where}, heartbeats[{k}]", hb) for k, hb in enumerate(raw.get("heartbeats") or [])]
        names = [hb.name for hb in beats]
        if len(set(names)) != len(names):
            raise SpecFileError(f"{where}: a heartbeat name is listed twice")
        found.append(ServiceSpec(raw["name"], str(raw.get("description") or ""), _names(f"{where}.channels",
                                                                                        raw.get("channels")), beats))
    if len({s.name for s in found}) != len(found):
        raise SpecFileError("a service is listed twice")
    return found


# --- the server's state ---------------------------------------------------------------


@dataclass
class State:
    services: dict[str, dict[str, Any]]  # by name
    heartbeats: dict[str, dict[str, dict[str, Any]]]  # service id -> heartbeat name -> heartbeat
    channels: dict[str, dict[str, Any]]  # by name
    service_links: dict[str, set[str]] = field(default_factory=dict)  # service id -> channel names
    heartbeat_links: dict[str, set[str]] = field(default_factory=dict)  # heartbeat id -> channel names


def read_state(api: Api) -> State:
    services = {s["name"]: s for s in api.pages("/service")}
    heartbeats: dict[str, dict[str, dict[str, Any]]] = {s["id"]: {} for s in services.values()}
    for hb in api.pages("/heartbeat"):
        heartbeats.setdefault(hb["service_id"], {})[hb["name"]] = hb
    channels = {c["name"]: c for c in api.get("/channel")}
    state = State(services, heartbeats, channels)
    for channel in channels.values():
        for link in channel["links"]:
            if link["service_id"]:
                state.service_links.setdefault(link["service_id"], set()).add(channel["name"])
            elif link["heartbeat_id"]:
                state.heartbeat_links.setdefault(link["heartbeat_id"], set()).add(channel["name"])
    return state


# --- the plan -------------------------------------------------------------------------


@dataclass
class Change:
    sign: str  # + create, ~ change, - delete
    text: str
    act: Callable[[], object]


def _current(hb: dict[str, Any]) -> dict[str, Any]:
    return {name: hb.get(name) for name in HEARTBEAT_FIELDS}


def _heartbeat_diff(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    changed = {name: value for name, value in wanted.items() if current.get(name) != value}
    # One of interval and schedule is null; sending the other one switches the heartbeat.
    changed.pop("schedule" if wanted.get("schedule") is None else "interval", None)
    return changed


def _describe(values: dict[str, Any]) -> str:
    return ", ".join(f"{name} {value!r}" for name, value in values.items())


def plan(api: Api, wanted: list[ServiceSpec], state: State, *, prune: bool) -> list[Change]:
    missing = sorted({name for s in wanted for name in [*s.channels, *(c for hb in s.heartbeats for c in hb.channels)]}
                     - set(state.channels))
    if missing:
        raise SpecFileError(f"no channel named {', '.join(map(repr, missing))} on this server: "
                            "create it (dashboard or API) first; channels hold secrets, so files only name them")
    changes: list[Change] = []
    ids: dict[str, str] = {name: s["id"] for name, s in state.services.items()}

    def call(method: str, path: str, **kwargs: Any) -> Callable[[], object]:
        return partial(api.request, method, path, **kwargs)

    def link(channel: str, target: Callable[[], dict[str, str]], attach: bool) -> Callable[[], object]:
        """Attach or detach; the target's id is read when the change runs (it may be created just before)."""
        def act() -> object:
            return api.request("POST" if attach else "DELETE", f"/channel/{state.channels[channel]['id']}/link",
                               json=target())
        return act

    def service_target(name: str) -> Callable[[], dict[str, str]]:
        return lambda: {"service_id": ids[name]}

    def heartbeat_target(created: dict[str, str]) -> Callable[[], dict[str, str]]:
        return lambda: {"heartbeat_id": created["id"]}

    for service in wanted:
        existing = state.services.get(service.name)
        if existing is None:
            def create_service(service: ServiceSpec = service) -> None:
                ids[service.name] = api.request("POST", "/service", json={"name": service.name,
                                                                         "description": service.description})["id"]
            changes.append(Change("+", f"service {service.name!r}", create_service))
        elif existing["description"] != service.description:
            changes.append(Change("~", f"service {service.name!r}: description {service.description!r}",
                                  call("PUT", f"/service/{existing['id']}", json={"description": service.description})))
        current_beats = state.heartbeats.get(existing["id"], {}) if existing else {}
        current_links = state.service_links.get(existing["id"], set()) if existing else set()
        for channel in sorted(set(service.channels) - current_links):
            changes.append(Change("+", f"link {channel!r} → service {service.name!r}",
                                  link(channel, service_target(service.name), True)))
        for channel in sorted(current_links - set(service.channels)):
            changes.append(Change("-", f"link {channel!r} → service {service.name!r}",
                                  link(channel, service_target(service.name), False)))
        for beat in service.heartbeats:
            label = f"heartbeat {service.name}/{beat.name}"
            hb_links: set[str] = set()
            current = current_beats.get(beat.name)
            created: dict[str, str] = {}
            if current is None:
                body = {k: v for k, v in beat.settings.items() if v is not None or k in ("interval", "schedule")}
                body = {k: v for k, v in body.items() if v is not None}
                if body.get("schedule") is None:
                    body.pop("holidays", None)
                    body.pop("skip_dates", None)

                def create(beat: HeartbeatSpec = beat, service: ServiceSpec = service, body: dict[str, Any] = body,
                           created: dict[str, str] = created) -> None:
                    created["id"] = api.request("POST", "/heartbeat", json={**body, "name": beat.name,
                                                                           "service_id": ids[service.name]})["id"]
                changes.append(Change("+", f"{label} ({_describe({k: v for k, v in body.items() if v != DEFAULTS.get(k)})})",
                                      create))
            else:
                created["id"] = current["id"]
                hb_links = state.heartbeat_links.get(current["id"], set())
                diff = _heartbeat_diff(_current(current), beat.settings)
                if diff:
                    changes.append(Change("~", f"{label}: {_describe(diff)}",
                                          call("PUT", f"/heartbeat/{current['id']}", json=diff)))
            for channel in sorted(set(beat.channels) - hb_links):
                changes.append(Change("+", f"link {channel!r} → {label}",
                                      link(channel, heartbeat_target(created), True)))
            for channel in sorted(hb_links - set(beat.channels)):
                changes.append(Change("-", f"link {channel!r} → {label}",
                                      link(channel, heartbeat_target(created), False)))
        if prune and existing is not None:
            listed = {beat.name for beat in service.heartbeats}
            for name, hb in sorted(current_beats.items()):
                if name not in listed:
                    changes.append(Change("-", f"heartbeat {service.name}/{name}",
                                          call("DELETE", f"/heartbeat/{hb['id']}")))
    if prune:
        listed_services = {s.name for s in wanted}
        for name, service_row in sorted(state.services.items()):
            if name not in listed_services:
                count = len(state.heartbeats.get(service_row["id"], {}))
                changes.append(Change("-", f"service {name!r} and its {count} heartbeat(s)",
                                      call("DELETE", f"/service/{service_row['id']}", params={"cascade": "true"})))
    return changes


# --- export ---------------------------------------------------------------------------


def export(state: State) -> str:
    """The file that ``apply`` turns an empty server into this one with (secrets excluded)."""
    services = []
    for name, service in sorted(state.services.items()):
        entry: dict[str, Any] = {"name": name}
        if service["description"]:
            entry["description"] = service["description"]
        if state.service_links.get(service["id"]):
            entry["channels"] = sorted(state.service_links[service["id"]])
        beats = []
        for hb_name, hb in sorted(state.heartbeats.get(service["id"], {}).items()):
            beat: dict[str, Any] = {"name": hb_name}
            if hb["schedule"] is None:
                beat["interval"] = hb["interval"]
            else:
                beat["schedule"] = hb["schedule"]
            for key in ("timezone", "grace", "max_runtime", "slug", "description", "methods", "manual_resume",
                        "holidays", "skip_dates"):
                if hb.get(key) != DEFAULTS[key] and not (key == "timezone" and hb["schedule"] is None):
                    beat[key] = hb[key]
            if hb["tags"]:
                beat["tags"] = hb["tags"].split()
            if state.heartbeat_links.get(hb["id"]):
                beat["channels"] = sorted(state.heartbeat_links[hb["id"]])
            beats.append(beat)
        if beats:
            entry["heartbeats"] = beats
        services.append(entry)
    header = ("# Lubdub configuration: `lubdub apply` this file to make a server match it.\n"
              "# Channels are named only (their settings hold secrets): they must exist where it is applied.\n")
    return header + yaml.safe_dump({"services": services}, sort_keys=False, allow_unicode=True)
