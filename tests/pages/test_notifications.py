"""The notifications page's state: channels, validation, attach, test send, log; the heartbeat card."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import reflex as rx
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dashboard.core.alerts.dispatcher import dispatch_pass
from dashboard.db import write_engine
from dashboard.pages.heartbeat.alerts_state import HeartbeatAlertsState
from dashboard.pages.notifications import NotificationsState
from dashboard.pages.notifications.state import DELETE_CHANNEL
from dashboard.state import AuthState
from tests.alerts.receivers import HttpReceiver, free_port
from tests.factories import ping
from tests.pages.helpers import run, visit

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    running = HttpReceiver().start()
    yield running
    running.stop()


async def drain(outcome: Any) -> list[Any]:
    """What an event handler returned or yielded (it may be plain, a coroutine or an async generator)."""
    if hasattr(outcome, "__anext__"):
        return [item async for item in outcome]
    if hasattr(outcome, "__await__"):
        return [await outcome]
    return [outcome]


def call(state: rx.State, name: str, *args: Any) -> list[Any]:
    return run(drain(getattr(type(state), name).fn(state, *args)))


def test_a_logged_out_tab_is_sent_to_login(state: Callable[..., Any]) -> None:
    page = state(NotificationsState)
    assert call(page, "load")[0] is not None
    assert page.channels == []


def test_create_with_errors_then_test_send_and_log(state: Callable[..., Any], logged_in: AuthState,
                                                    receiver: HttpReceiver) -> None:
    page = state(NotificationsState)
    call(page, "load")
    assert page.channels == []

    call(page, "open_new")
    call(page, "submit_channel", {"name": "", "url": "ftp://x"})
    assert page.errors.get("name", "") != ""
    assert page.dialog_open
    call(page, "submit_channel", {"name": "hook", "url": "ftp://x"})
    assert page.errors == {"config.url": "must be an http:// or https:// URL with a host"}
    call(page, "submit_channel", {"name": "hook", "url": receiver.url, "secret": SECRET,
                                  "headers": "X-Team: ops", "renotify": "15", "is_default": "on"})
    assert page.errors == {} and not page.dialog_open
    [row] = page.channels
    assert (row.name, row.kind, row.is_default, row.renotify_text) == ("hook", "webhook", True, "every 15 min")
    assert SECRET not in str(row)

    call(page, "send_test_notification", row.id)
    assert (page.test_channel_id, page.test_ok, page.test_message) == (row.id, True, "")
    assert len(receiver.requests) == 1
    [logged] = page.deliveries
    assert (logged.kind, logged.status, logged.attempt_lines) == ("test", "delivered", [logged.attempt_lines[0]])
    assert logged.attempt_lines[0].endswith(": ok (200)")

    # Editing shows the secret masked and keeps it when saved unchanged.
    call(page, "open_edit", row.id)
    assert page.form.secret == "****cdef" and page.form.headers == "X-Team: ****"
    call(page, "submit_channel", {"name": "hook", "url": page.form.url, "secret": page.form.secret,
                                  "headers": page.form.headers, "renotify": "", "is_default": "on"})
    assert page.errors == {}
    call(page, "send_test_notification", row.id)
    request = receiver.requests[-1]
    assert request.headers["x-team"] == "ops" and "x-lubdub-signature" in request.headers


def test_a_failing_test_send_shows_the_exact_error(state: Callable[..., Any], logged_in: AuthState) -> None:
    page = state(NotificationsState)
    call(page, "load")
    call(page, "submit_channel", {"name": "down", "url": f"http://127.0.0.1:{free_port()}/x"})
    call(page, "send_test_notification", page.channels[0].id)
    assert (page.test_ok, page.test_message) == (False, "ConnectError: [Errno 111] Connection refused")
    assert page.deliveries[0].status == "failed"


def test_attach_detach_and_delete(state: Callable[..., Any], logged_in: AuthState, make_heartbeat) -> None:  # type: ignore[no-untyped-def]
    hb = make_heartbeat("nightly")
    page = state(NotificationsState)
    call(page, "load")
    page.form_kind = "email"
    call(page, "submit_channel", {"name": "mail", "to": "ops@example.com; dev@example.com"})
    [row] = page.channels
    assert row.target == "ops@example.com, dev@example.com"

    call(page, "open_attach", row.id, row.name)
    assert {o.key for o in page.targets} == {f"service:{hb.service_id}", f"heartbeat:{hb.public_id}"}
    call(page, "confirm_attach")
    assert page.errors == {"target": "Choose a service or a heartbeat"}
    page.attach_target = f"heartbeat:{hb.public_id}"
    call(page, "confirm_attach")
    assert not page.attach_open
    assert [(link.key, link.label) for link in page.channels[0].links] == [(f"heartbeat:{hb.public_id}", "heartbeat nightly")]
    call(page, "open_attach", row.id, row.name)
    page.attach_target = f"heartbeat:{hb.public_id}"
    call(page, "confirm_attach")
    assert page.errors == {"target": "the channel is already attached there"}

    call(page, "detach", row.id, f"heartbeat:{hb.public_id}")
    assert page.channels[0].links == []
    call(page, "ask_confirm", DELETE_CHANNEL, row.id, row.name)
    assert page.confirm_action == DELETE_CHANNEL
    call(page, "confirm_delete")
    assert page.channels == [] and page.confirm_action == ""


def test_the_heartbeat_card_shows_routing_threshold_and_latest(
    root: rx.State, state: Callable[..., Any], logged_in: AuthState, engine: Engine, make_heartbeat, now,  # type: ignore[no-untyped-def]
) -> None:
    hb = make_heartbeat("nightly")
    page = state(NotificationsState)
    call(page, "submit_channel", {"name": "hook", "url": "https://example.com/x", "is_default": "on"})
    ping(engine, hb.id, "fail", at=now)
    dispatch_pass(engine, now, public_url="http://lubdub.test")

    visit(root, f"/heartbeats/{hb.public_id}")
    card = state(HeartbeatAlertsState)
    call(card, "load")
    assert [(r.name, r.kind, r.via) for r in card.routed] == [("hook", "webhook", "default")]
    assert card.alert_threshold == 1
    [row] = card.recent
    assert (row.kind, row.status, row.reason) == ("alert", "pending", "fail")

    call(card, "submit_threshold", {"alert_threshold": "0"})
    assert card.errors == {"alert_threshold": "must be between 1 and 1000"}
    call(card, "submit_threshold", {"alert_threshold": "3"})
    assert card.errors == {}
    with write_engine(engine).connect() as conn:
        assert conn.execute(text("SELECT alert_threshold FROM heartbeat")).scalar() == 3
    assert card.alert_threshold == 3
