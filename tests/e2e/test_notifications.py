"""Alerts in a real browser against the real server: channels, test sends, and a real alert end to end."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from dashboard.core import heartbeats, services
from dashboard.core.contracts import HeartbeatCreate, ServiceCreate
from dashboard.db import session_scope
from dashboard.timeutil import utcnow
from tests.alerts.receivers import HttpReceiver, free_port
from tests.e2e.helpers import ensure_admin, log_in
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    running = HttpReceiver().start()
    yield running
    running.stop()


def test_channels_test_sends_and_a_real_alert(page: Any, live_app: LiveServer, db: Any,
                                              receiver: HttpReceiver) -> None:
    ensure_admin(db)
    now = utcnow()
    with session_scope(db, write=True) as session:
        service = services.create_service(session, ServiceCreate(name="alerts-e2e"), now)
        heartbeat = heartbeats.create_heartbeat(
            session, HeartbeatCreate(service_id=service.id, name="nightly-export", interval=3600), now)
    log_in(page, live_app.url)
    page.goto(f"{live_app.url}/settings/notifications")

    # A webhook with a signing secret, attached to the service.
    page.click("#new-channel")
    page.fill("#channel-name", "ops hook")
    page.fill("#channel-url", "ftp://example.com")
    page.click("#channel-save")
    expect(page.locator("#channel-url-error")).to_have_text("must be an http:// or https:// URL with a host")
    page.fill("#channel-url", receiver.url)
    page.fill("#channel-secret", SECRET)
    page.click("#channel-save")
    hook = page.locator(".channel-row[data-name='ops hook']")
    expect(hook).to_be_visible()
    expect(page.locator("#channel-table")).not_to_contain_text(SECRET)

    hook.locator(".channel-test").click()
    expect(hook.locator(".test-result")).to_have_text("✓ Delivered")
    assert json.loads(receiver.wait_for(1)[0].body)["event"] == "test"

    hook.locator(".channel-attach").click()
    page.click("#attach-target")
    page.get_by_role("option", name="Service · alerts-e2e (all its heartbeats)").click()
    page.click("#attach-confirm")
    expect(hook.locator(".channel-link")).to_have_text("service alerts-e2e")

    # A channel whose receiver is down: the test says exactly why.
    page.click("#new-channel")
    page.fill("#channel-name", "nobody home")
    page.fill("#channel-url", f"http://127.0.0.1:{free_port()}/hook")
    page.click("#channel-save")
    broken = page.locator(".channel-row[data-name='nobody home']")
    broken.locator(".channel-test").click()
    expect(broken.locator(".test-result")).to_have_text("✗ ConnectError: [Errno 111] Connection refused")

    # A real failure ping: the alert reaches the receiver, signed, and shows in the log.
    assert httpx.get(f"{live_app.url}/ping/{heartbeat.ping_id}?result=fail").status_code == 200
    requests = receiver.wait_for(2, timeout=15)
    assert len(requests) == 2
    alert = requests[1]
    body = json.loads(alert.body)
    assert (body["event"], body["reason"], body["heartbeat"]["name"]) == ("down", "fail", "nightly-export")
    signed = alert.headers["x-lubdub-timestamp"].encode() + b"." + alert.body
    assert alert.headers["x-lubdub-signature"] == "sha256=" + hmac.new(SECRET.encode(), signed,
                                                                      hashlib.sha256).hexdigest()
    row = page.locator(".delivery-row", has_text="nightly-export")
    expect(row).to_be_visible(timeout=10_000)
    expect(row.locator(".delivery-status")).to_have_text("delivered")

    # The heartbeat page says where its alerts go and what was sent.
    page.goto(f"{live_app.url}/heartbeats/{heartbeat.public_id}")
    expect(page.locator("#heartbeat-channels")).to_contain_text("ops hook")
    expect(page.locator("#heartbeat-deliveries")).to_contain_text("delivered")
