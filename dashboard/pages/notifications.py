"""/settings/notifications: alert channels, where they are attached, test sends, the log.

Also ``heartbeat_notifications()``: a card for the heartbeat page with the
heartbeat's alert threshold, the channels its alerts go to and its latest
notifications.

Secrets never reach the browser: channels are shown and edited in their masked
form, and the engine keeps a stored secret whenever the masked value comes back
unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import reflex as rx
from pydantic import ValidationError

from dashboard.components.humanize import exact_text, relative_text
from dashboard.components.layout import confirm_dialog, dialog_actions, empty_state, field_error, live_poller, page_shell, relative_time
from dashboard.config import get_settings
from dashboard.core import heartbeats
from dashboard.core.alerts import channels as core_channels
from dashboard.core.alerts import history as alert_history
from dashboard.core.alerts.delivery import send_test
from dashboard.core.alerts.senders import SendOptions
from dashboard.core.contracts import ChannelCreate, ChannelUpdate
from dashboard.core.errors import DomainError, Invalid, NotFound
from dashboard.db import get_engine, session_scope
from dashboard.models import Heartbeat, Service
from dashboard.state import AuthState, in_thread
from dashboard.styles import mono
from dashboard.timeutil import utcnow

KINDS = ["webhook", "email", "apprise"]
KIND_LABELS = {"webhook": "Webhook", "email": "Email", "apprise": "Apprise"}
STATUS_FILTERS = ["all", "pending", "sending", "delivered", "failed"]
DELIVERY_COLORS = {"pending": "amber", "sending": "blue", "delivered": "grass", "failed": "tomato"}
KIND_COLORS = {"alert": "tomato", "recovery": "grass", "renotify": "orange", "test": "gray"}
LOG_LIMIT = 50


# --- rows the components render ---------------------------------------------------


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
class DeliveryRow:
    id: int = 0
    kind: str = ""
    status: str = ""
    channel_name: str = ""
    heartbeat_name: str = ""
    heartbeat_href: str = ""
    reason: str = ""
    attempts: int = 0
    created_text: str = ""
    created_exact: str = ""
    detail: str = ""
    attempt_lines: list[str] = field(default_factory=list)


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
    renotify: str = ""


# --- plain functions over core (run in a thread) -----------------------------------


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
                    else LinkRow(f"heartbeat:{link.heartbeat_id}", f"heartbeat {link.heartbeat_name}")
                    for link in links[c.id]
                ],
            )
            for c in found
        ]


def target_options() -> list[TargetOption]:
    """Every service and heartbeat a channel can be attached to."""
    with session_scope() as session:
        services = {s.id: s.name for s in session.query(Service).order_by(Service.name)}
        options = [TargetOption(f"service:{sid}", f"Service · {name} (all its heartbeats)")
                   for sid, name in services.items()]
        for hb in session.query(Heartbeat).order_by(Heartbeat.name):
            options.append(TargetOption(f"heartbeat:{hb.id}", f"Heartbeat · {services.get(hb.service_id, '?')} / "
                                                              f"{hb.name}"))
    options.sort(key=lambda option: option.label)
    return options


def delivery_row(view: alert_history.DeliveryView, now: datetime) -> DeliveryRow:
    lines = [
        f"#{a.attempt} {exact_text(a.started_at)}: "
        + ("ok" if a.ok else "failed")
        + (f" ({a.status_code})" if a.status_code else "")
        + (f" — {a.error}" if a.error else "")
        for a in view.attempt_log
    ]
    detail = ""
    if view.status == "pending" and view.next_attempt_at is not None:
        detail = f"next try {relative_text(view.next_attempt_at, now)}"
    elif view.status == "failed" and view.kind != "test":
        detail = f"gave up after {view.attempts} attempts"
    return DeliveryRow(
        id=view.id, kind=view.kind, status=view.status, channel_name=view.channel_name,
        heartbeat_name=view.heartbeat_name or "—",
        heartbeat_href=f"/heartbeats/{view.heartbeat_id}" if view.heartbeat_id else "",
        reason=view.reason or "", attempts=view.attempts, created_text=relative_text(view.created_at, now),
        created_exact=exact_text(view.created_at), detail=detail, attempt_lines=lines,
    )


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


def delete_channel(channel_id: str) -> None:
    with session_scope(write=True) as session:
        core_channels.delete_channel(session, channel_id)


def _split_target(key: str) -> dict[str, str]:
    kind, _, target_id = key.partition(":")
    return {"service_id": target_id} if kind == "service" else {"heartbeat_id": target_id}


def attach_channel(channel_id: str, key: str) -> str:
    """"" when attached, else why not."""
    if not key:
        return "Choose a service or a heartbeat"
    try:
        with session_scope(write=True) as session:
            core_channels.attach(session, channel_id, utcnow(), **_split_target(key))
    except DomainError as exc:
        return getattr(exc, "reason", exc.message)
    return ""


def detach_channel(channel_id: str, key: str) -> None:
    try:
        with session_scope(write=True) as session:
            core_channels.detach(session, channel_id, **_split_target(key))
    except NotFound:
        pass  # already gone


def send_channel_test(channel_id: str) -> tuple[bool, str]:
    settings = get_settings()
    outcome = send_test(get_engine(), channel_id, utcnow(), SendOptions.from_settings(settings),
                        public_url=settings.public_url, clock=utcnow)
    return outcome.result.ok, outcome.result.error or ""


# --- the page's state -------------------------------------------------------------


class NotificationsState(AuthState):
    channels: list[ChannelRow] = []
    deliveries: list[DeliveryRow] = []
    status_filter: str = "all"
    # Create / edit dialog.
    dialog_open: bool = False
    editing_id: str = ""
    form: ChannelForm = ChannelForm()
    form_kind: str = "webhook"
    form_errors: dict[str, str] = {}
    form_version: int = 0
    # Attach dialog.
    attach_open: bool = False
    attach_channel_id: str = ""
    attach_channel_name: str = ""
    attach_target: str = ""
    attach_error: str = ""
    targets: list[TargetOption] = []
    # Delete confirmation.
    confirm_open: bool = False
    confirm_id: str = ""
    confirm_name: str = ""
    # The last test send, shown under its channel.
    test_channel_id: str = ""
    test_running: bool = False
    test_ok: bool = False
    test_message: str = ""

    @rx.var
    def err_name(self) -> str:
        return self.form_errors.get("name", "")

    @rx.var
    def err_url(self) -> str:
        return self.form_errors.get("config.url", "")

    @rx.var
    def err_secret(self) -> str:
        return self.form_errors.get("config.secret", "")

    @rx.var
    def err_headers(self) -> str:
        return self.form_errors.get("config.headers", "")

    @rx.var
    def err_to(self) -> str:
        return self.form_errors.get("config.to", "")

    @rx.var
    def err_renotify(self) -> str:
        return self.form_errors.get("renotify_minutes", "")

    @rx.var
    def err_other(self) -> str:
        known = {"name", "config.url", "config.secret", "config.headers", "config.to", "renotify_minutes"}
        return "; ".join(f"{k}: {v}" for k, v in self.form_errors.items() if k not in known)

    async def _refresh(self) -> None:
        self.channels = await in_thread(channel_rows)
        self.deliveries = await in_thread(delivery_rows, self.status_filter, utcnow())

    @rx.event
    async def load(self) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        await self._refresh()
        return None

    @rx.event
    async def tick(self, _value: str = "") -> None:
        """Every few seconds while open: the log moves as deliveries are retried."""
        if await self._user() is not None:
            fresh = await in_thread(delivery_rows, self.status_filter, utcnow())
            if fresh != self.deliveries:
                self.deliveries = fresh

    @rx.event
    async def set_status_filter(self, value: str) -> None:
        if value in STATUS_FILTERS and await self._user() is not None:
            self.status_filter = value
            self.deliveries = await in_thread(delivery_rows, value, utcnow())

    # --- create / edit ----------------------------------------------------------
    @rx.event
    def open_new(self) -> None:
        self.editing_id, self.form, self.form_kind, self.form_errors = "", ChannelForm(), "webhook", {}
        self.form_version += 1
        self.dialog_open = True

    @rx.event
    async def open_edit(self, channel_id: str) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        try:
            self.form = await in_thread(channel_form, channel_id)
        except NotFound:
            await self._refresh()
            return rx.toast.error("This channel no longer exists")
        self.editing_id, self.form_kind, self.form_errors = channel_id, self.form.kind, {}
        self.form_version += 1
        self.dialog_open = True
        return None

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value
        if not value:
            self.form_errors = {}

    @rx.event
    def set_form_kind(self, value: str | list[str]) -> None:
        if isinstance(value, str) and value in KINDS:
            self.form_kind = value

    @rx.event
    async def submit_channel(self, form: dict[str, Any]) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        errors = await in_thread(save_channel, self.editing_id, {**form, "kind": self.form_kind})
        if errors:
            self.form_errors = errors
            return None
        self.form_errors, self.dialog_open = {}, False
        await self._refresh()
        return rx.toast.success("Channel saved", duration=2000)

    # --- delete -----------------------------------------------------------------
    @rx.event
    def ask_delete(self, channel_id: str, name: str) -> None:
        self.confirm_id, self.confirm_name, self.confirm_open = channel_id, name, True

    @rx.event
    def set_confirm_open(self, value: bool) -> None:
        self.confirm_open = value

    @rx.event
    async def confirm_delete(self) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        self.confirm_open = False
        try:
            await in_thread(delete_channel, self.confirm_id)
        except NotFound:
            pass
        await self._refresh()
        return rx.toast.success(f"Deleted {self.confirm_name}")

    # --- attach / detach --------------------------------------------------------
    @rx.event
    async def open_attach(self, channel_id: str, name: str) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        self.targets = await in_thread(target_options)
        self.attach_channel_id, self.attach_channel_name = channel_id, name
        self.attach_target, self.attach_error, self.attach_open = "", "", True
        return None

    @rx.event
    def set_attach_open(self, value: bool) -> None:
        self.attach_open = value

    @rx.event
    def set_attach_target(self, value: str) -> None:
        self.attach_target = value

    @rx.event
    async def confirm_attach(self) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        self.attach_error = await in_thread(attach_channel, self.attach_channel_id, self.attach_target)
        if self.attach_error:
            return None
        self.attach_open = False
        await self._refresh()
        return rx.toast.success(f"Attached {self.attach_channel_name}", duration=2000)

    @rx.event
    async def detach(self, channel_id: str, key: str) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        await in_thread(detach_channel, channel_id, key)
        await self._refresh()
        return None

    # --- test send --------------------------------------------------------------
    @rx.event
    async def send_test(self, channel_id: str) -> Any:
        if await self._user() is None:
            yield await self._login_redirect()
            return
        self.test_channel_id, self.test_running, self.test_message = channel_id, True, ""
        yield
        try:
            self.test_ok, self.test_message = await in_thread(send_channel_test, channel_id)
        except NotFound:
            self.test_ok, self.test_message = False, "This channel no longer exists"
        self.test_running = False
        self.deliveries = await in_thread(delivery_rows, self.status_filter, utcnow())
        yield (rx.toast.success("Test notification sent", duration=2000) if self.test_ok
               else rx.toast.error("The test notification failed"))


# --- components -------------------------------------------------------------------


def _link_badge(channel: ChannelRow, link: LinkRow) -> rx.Component:
    return rx.badge(
        link.label,
        rx.icon("x", size=12, cursor="pointer", on_click=NotificationsState.detach(channel.id, link.key),
                aria_label="Detach", class_name="link-detach"),
        variant="soft", color_scheme="gray", class_name="channel-link",
    )


def _test_result(channel: ChannelRow) -> rx.Component:
    return rx.cond(
        NotificationsState.test_channel_id == channel.id,
        rx.cond(
            NotificationsState.test_running,
            rx.hstack(rx.spinner(size="1"), rx.text("Sending…", size="1"), align="center", spacing="2"),
            rx.cond(
                NotificationsState.test_ok,
                rx.text("✓ Delivered", color_scheme="grass", size="1", class_name="test-result",
                        custom_attrs={"data-ok": "true"}),
                rx.text("✗ ", NotificationsState.test_message, color_scheme="red", size="1", class_name="test-result",
                        custom_attrs={"data-ok": "false"}, style={"word_break": "break-word"}),
            ),
        ),
    )


def _channel_row(channel: ChannelRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(
            rx.hstack(rx.text(channel.name, weight="medium"),
                      rx.cond(channel.is_default, rx.badge("default", color_scheme="iris", variant="outline")),
                      spacing="2", align="center"),
            _test_result(channel),
            spacing="1",
        )),
        rx.table.cell(rx.badge(channel.kind, variant="soft")),
        rx.table.cell(rx.code(channel.target, style={**mono, "word_break": "break-all"}),
                      display=["none", "table-cell"]),
        rx.table.cell(rx.flex(rx.foreach(channel.links, lambda link: _link_badge(channel, link)),
                              rx.text(channel.renotify_text, size="1", color_scheme="gray"),
                              wrap="wrap", gap="1")),
        rx.table.cell(rx.hstack(
            rx.button(rx.icon("send", size=14), "Test", size="1", variant="soft",
                      on_click=NotificationsState.send_test(channel.id), class_name="channel-test",
                      loading=NotificationsState.test_running & (NotificationsState.test_channel_id == channel.id)),
            rx.button("Attach", size="1", variant="soft", color_scheme="gray",
                      on_click=NotificationsState.open_attach(channel.id, channel.name), class_name="channel-attach"),
            rx.button("Edit", size="1", variant="soft", color_scheme="gray",
                      on_click=NotificationsState.open_edit(channel.id), class_name="channel-edit"),
            rx.button("Delete", size="1", variant="soft", color_scheme="red",
                      on_click=NotificationsState.ask_delete(channel.id, channel.name), class_name="channel-delete"),
            spacing="2", wrap="wrap",
        )),
        class_name="channel-row",
        custom_attrs={"data-channel-id": channel.id, "data-name": channel.name},
        align="center",
    )


def _channels_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading("Notification channels", size="4"),
                    rx.text("Where alerts go when a heartbeat goes down and when it recovers. Attach a channel to a "
                            "service (all its heartbeats) or to one heartbeat; heartbeats with none attached use "
                            "the default channels.", size="2", color_scheme="gray"),
                    spacing="1",
                ),
                rx.spacer(),
                rx.button(rx.icon("plus", size=14), "New channel", on_click=NotificationsState.open_new,
                          id="new-channel"),
                width="100%", align="center", wrap="wrap",
            ),
            rx.cond(
                NotificationsState.channels.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell("Name"),
                            rx.table.column_header_cell("Kind"),
                            rx.table.column_header_cell("Sends to", display=["none", "table-cell"]),
                            rx.table.column_header_cell("Attached to"),
                            rx.table.column_header_cell(""),
                        )),
                        rx.table.body(rx.foreach(NotificationsState.channels, _channel_row)),
                        size="1", width="100%", id="channel-table",
                    ),
                    width="100%", overflow_x="auto",
                ),
                empty_state("bell-off", "No channels yet",
                            "Add a webhook, an email list or any Apprise URL (Slack, Discord, Telegram, ntfy, "
                            "Teams, PagerDuty…), then attach it to a service or mark it as a default.",
                            id="channels-empty"),
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _input(name: str, value: Any, input_id: str, **props: Any) -> rx.Component:
    return rx.input(name=name, default_value=value, id=input_id, width="100%", **props)


def _field(label: str, control: rx.Component, error: Any, error_id: str, hint: str = "") -> rx.Component:
    parts = [rx.text(label, size="2", weight="medium"), control]
    if hint:
        parts.append(rx.text(hint, size="1", color_scheme="gray"))
    parts.append(field_error(error, error_id))
    return rx.vstack(*parts, spacing="1", width="100%", align="stretch")


def _channel_dialog() -> rx.Component:
    form = NotificationsState.form
    kind = NotificationsState.form_kind
    webhook_fields = rx.vstack(
        _field("URL", _input("url", form.url, "channel-url", placeholder="https://example.com/hooks/lubdub"),
               NotificationsState.err_url, "channel-url-error",
               "We POST JSON: heartbeat, service, status, reason, last check-in, dashboard link."),
        _field("Signing secret (optional)", _input("secret", form.secret, "channel-secret", type="password",
                                                   auto_complete="off"),
               NotificationsState.err_secret, "channel-secret-error",
               "Signs each request: X-Lubdub-Signature: sha256=HMAC(secret, timestamp + '.' + body)."),
        _field("Extra headers (optional)", rx.text_area(name="headers", default_value=form.headers,
                                                        id="channel-headers", placeholder="Authorization: Bearer …",
                                                        width="100%", rows="2"),
               NotificationsState.err_headers, "channel-headers-error", "One 'Name: value' per line."),
        spacing="2", width="100%",
    )
    email_fields = _field("Recipients", _input("to", form.recipients, "channel-to", placeholder="ops@example.com, dev@…"),
                          NotificationsState.err_to, "channel-to-error",
                          "Comma-separated. Sent through the server's SMTP settings (SMTP_HOST, ...).")
    apprise_fields = _field("Apprise URL", _input("url", form.url, "channel-apprise-url",
                                                  placeholder="slack://T000/B000/XXXX or ntfy://topic"),
                            NotificationsState.err_url, "channel-apprise-url-error",
                            "Any Apprise URL: Slack, Discord, Telegram, ntfy, Teams, PagerDuty and 100+ more.")
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(NotificationsState.editing_id == "", "New channel", "Edit channel")),
            rx.form(
                rx.vstack(
                    _field("Name", _input("name", form.name, "channel-name", auto_focus=True),
                           NotificationsState.err_name, "channel-name-error"),
                    rx.text("Kind", size="2", weight="medium"),
                    rx.segmented_control.root(
                        *[rx.segmented_control.item(KIND_LABELS[k], value=k) for k in KINDS],
                        value=kind, on_change=NotificationsState.set_form_kind, id="channel-kind",
                    ),
                    rx.match(kind, ("email", email_fields), ("apprise", apprise_fields), webhook_fields),
                    _field("Re-notify while down, every … minutes (optional)",
                           _input("renotify", form.renotify, "channel-renotify", placeholder="never"),
                           NotificationsState.err_renotify, "channel-renotify-error"),
                    rx.text(rx.hstack(rx.checkbox(name="is_default", default_checked=form.is_default,
                                                  id="channel-default"),
                                      "Default: used by heartbeats with no channel of their own or of their service",
                                      spacing="2", align="center"), as_="label", size="2"),
                    field_error(NotificationsState.err_other, "channel-error"),
                    dialog_actions(rx.button("Save", type="submit", id="channel-save")),
                    spacing="3", width="100%",
                ),
                on_submit=NotificationsState.submit_channel,
                # A fresh form each time the dialog opens, so default values follow the channel edited.
                key=NotificationsState.form_version,
            ),
            max_width="560px",
        ),
        open=NotificationsState.dialog_open,
        on_open_change=NotificationsState.set_dialog_open,
    )


def _attach_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Attach ", NotificationsState.attach_channel_name),
            rx.vstack(
                rx.select.root(
                    rx.select.trigger(placeholder="Choose a service or a heartbeat", width="100%", id="attach-target"),
                    rx.select.content(rx.foreach(
                        NotificationsState.targets,
                        lambda option: rx.select.item(option.label, value=option.key),
                    )),
                    value=NotificationsState.attach_target,
                    on_change=NotificationsState.set_attach_target,
                ),
                field_error(NotificationsState.attach_error, "attach-error"),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Attach", on_click=NotificationsState.confirm_attach, id="attach-confirm"),
                    justify="end", spacing="3", width="100%",
                ),
                spacing="3", width="100%",
            ),
            max_width="520px",
        ),
        open=NotificationsState.attach_open,
        on_open_change=NotificationsState.set_attach_open,
    )


def _delete_dialog() -> rx.Component:
    return confirm_dialog(
        NotificationsState.confirm_open, NotificationsState.set_confirm_open,
        rx.text("Delete ", NotificationsState.confirm_name, "?"),
        "Its attachments and its notification log are deleted too.",
        "Delete", NotificationsState.confirm_delete, "channel-delete-confirm",
    )


def _delivery_badges(row: DeliveryRow) -> rx.Component:
    return rx.hstack(
        rx.badge(row.kind, color_scheme=rx.match(row.kind, *KIND_COLORS.items(), "gray"), variant="soft"),
        rx.badge(row.status, color_scheme=rx.match(row.status, *DELIVERY_COLORS.items(), "gray"),
                 class_name="delivery-status"),
        spacing="1",
    )


def delivery_row_component(row: DeliveryRow, *, show_heartbeat: bool = True) -> rx.Component:
    cells = [
        rx.table.cell(relative_time(row.created_text, row.created_exact)),
        rx.table.cell(_delivery_badges(row)),
        rx.table.cell(rx.text(row.channel_name, size="2")),
    ]
    if show_heartbeat:
        cells.append(rx.table.cell(rx.cond(row.heartbeat_href != "",
                                           rx.link(row.heartbeat_name, href=row.heartbeat_href, size="2"),
                                           rx.text("—", size="2", color_scheme="gray"))))
    cells.append(rx.table.cell(rx.vstack(
        rx.text(row.detail, size="1", color_scheme=rx.cond(row.status == "failed", "red", "gray")),
        rx.foreach(row.attempt_lines, lambda line: rx.text(line, size="1", style={**mono, "word_break": "break-word"},
                                                             class_name="attempt-line")),
        spacing="1",
    )))
    return rx.table.row(*cells, class_name="delivery-row", custom_attrs={"data-delivery-id": row.id},
                        align="center")


def _log_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(rx.heading("Notifications log", size="4"),
                          rx.text("Every alert, recovery, re-notification and test, with each attempt.",
                                  size="2", color_scheme="gray"), spacing="1"),
                rx.spacer(),
                rx.select(STATUS_FILTERS, value=NotificationsState.status_filter,
                          on_change=NotificationsState.set_status_filter, id="log-status-filter", size="2"),
                width="100%", align="center", wrap="wrap",
            ),
            rx.cond(
                NotificationsState.deliveries.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell("When"),
                            rx.table.column_header_cell("What"),
                            rx.table.column_header_cell("Channel"),
                            rx.table.column_header_cell("Heartbeat"),
                            rx.table.column_header_cell("Attempts"),
                        )),
                        rx.table.body(rx.foreach(NotificationsState.deliveries, delivery_row_component)),
                        size="1", width="100%", id="delivery-table",
                    ),
                    width="100%", overflow_x="auto",
                ),
                rx.text("Nothing sent yet.", size="2", color_scheme="gray", id="deliveries-empty"),
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def notifications_page() -> rx.Component:
    return page_shell(
        live_poller(NotificationsState.tick, 3000),
        rx.heading("Notifications", size="6"),
        _channels_card(),
        _log_card(),
        _channel_dialog(),
        _attach_dialog(),
        _delete_dialog(),
        id="notifications-page",
    )


# --- the heartbeat page's card ----------------------------------------------------


@dataclass
class RoutedRow:
    name: str = ""
    kind: str = ""
    via: str = ""


def heartbeat_alerting(heartbeat_id: str, now: datetime) -> tuple[int, list[RoutedRow], list[DeliveryRow]]:
    with session_scope() as session:
        heartbeat, routed = core_channels.channels_for_heartbeat(session, heartbeat_id)
        views = alert_history.heartbeat_deliveries(session, heartbeat.id, limit=20)
    rows = [RoutedRow(r.channel.name, r.channel.kind, r.via) for r in routed]
    return heartbeat.alert_threshold, rows, [delivery_row(view, now) for view in views]


def save_threshold(heartbeat_id: str, raw: str) -> str:
    if not raw.strip().isdigit():
        return "a whole number from 1 to 1000"
    try:
        with session_scope(write=True) as session:
            heartbeats.set_alert_threshold(session, heartbeat_id, int(raw))
    except Invalid as exc:
        return exc.reason
    return ""


class HeartbeatAlertsState(AuthState):
    heartbeat_id: str = ""
    alert_threshold: int = 1
    routed: list[RoutedRow] = []
    recent: list[DeliveryRow] = []
    threshold_error: str = ""

    def _route_heartbeat_id(self) -> str:
        parts = [p for p in self.router.url.path.split("/") if p]
        return parts[1] if len(parts) >= 2 and parts[0] == "heartbeats" else ""

    @rx.event
    async def load(self, _value: str = "") -> None:
        heartbeat_id = self._route_heartbeat_id()
        if not heartbeat_id or await self._user() is None:
            return
        if heartbeat_id != self.heartbeat_id:
            self.threshold_error = ""
        self.heartbeat_id = heartbeat_id
        try:
            self.alert_threshold, self.routed, self.recent = await in_thread(heartbeat_alerting, heartbeat_id, utcnow())
        except NotFound:
            self.routed, self.recent = [], []

    @rx.event
    async def submit_threshold(self, form: dict[str, Any]) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        self.threshold_error = await in_thread(save_threshold, self.heartbeat_id,
                                               str(form.get("alert_threshold", "")))
        if self.threshold_error:
            return None
        await self.load()
        return rx.toast.success("Alert threshold saved", duration=2000)


def heartbeat_notifications() -> rx.Component:
    """A card for the heartbeat page: threshold, where alerts go, latest notifications."""
    routed = rx.cond(
        HeartbeatAlertsState.routed.length() > 0,
        rx.flex(rx.foreach(HeartbeatAlertsState.routed, lambda r: rx.badge(
            r.name, " · ", r.kind, rx.cond(r.via == "default", " (default)", ""), variant="soft")),
            wrap="wrap", gap="1", id="heartbeat-channels"),
        rx.text("No channel: nobody is alerted. ", rx.link("Add one", href="/settings/notifications"), ".",
                size="2", color_scheme="gray", id="heartbeat-channels-empty"),
    )
    threshold = rx.form(
        rx.hstack(
            rx.text("Alert after", size="2"),
            rx.input(name="alert_threshold", default_value=HeartbeatAlertsState.alert_threshold.to_string(),
                     id="alert-threshold", width="70px", type="number", min="1", max="1000"),
            rx.text("consecutive failures", size="2"),
            rx.button("Save", size="1", variant="soft", type="submit", id="alert-threshold-save"),
            align="center", spacing="2", wrap="wrap",
        ),
        field_error(HeartbeatAlertsState.threshold_error, "alert-threshold-error"),
        on_submit=HeartbeatAlertsState.submit_threshold,
        key=HeartbeatAlertsState.heartbeat_id,
    )
    recent = rx.cond(
        HeartbeatAlertsState.recent.length() > 0,
        rx.box(rx.table.root(
            rx.table.body(rx.foreach(HeartbeatAlertsState.recent,
                                     lambda row: delivery_row_component(row, show_heartbeat=False))),
            size="1", width="100%", id="heartbeat-deliveries"), width="100%", overflow_x="auto"),
        rx.text("No notifications sent for this heartbeat yet.", size="2", color_scheme="gray",
                id="heartbeat-deliveries-empty"),
    )
    return rx.card(
        rx.vstack(
            rx.heading("Alerts", size="4"),
            routed,
            threshold,
            rx.heading("Latest notifications", size="3"),
            recent,
            live_poller(HeartbeatAlertsState.load, 5000),
            spacing="3", width="100%",
        ),
        width="100%",
        on_mount=HeartbeatAlertsState.load,
        id="heartbeat-alerts",
    )
