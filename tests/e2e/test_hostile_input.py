"""Check-in messages are data: HTML and script in them are shown as text, never run."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from dashboard.core import heartbeats, services
from dashboard.core.contracts import HeartbeatCreate, ServiceCreate
from dashboard.db import session_scope
from dashboard.timeutil import utcnow
from tests.e2e.helpers import ensure_admin, log_in
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script><b>bold?</b> '; DROP TABLE event;--"


def test_a_hostile_message_is_shown_verbatim_and_not_executed(page: Any, live_app: LiveServer, db: Any) -> None:
    ensure_admin(db)
    now = utcnow()
    with session_scope(db, write=True) as session:
        service = services.create_service(session, ServiceCreate(name="hostile-e2e"), now)
        heartbeat = heartbeats.create_heartbeat(
            session, HeartbeatCreate(service_id=service.id, name="untrusted-job", interval=3600), now)
    httpx.post(f"{live_app.url}/ping/{heartbeat.ping_id}?result=fail", content=HOSTILE.encode(), timeout=10).raise_for_status()

    log_in(page, live_app.url)
    page.goto(f"{live_app.url}/heartbeats/{heartbeat.public_id}")
    row = page.locator(".event-row[data-result='fail']")
    expect(row).to_contain_text(HOSTILE)
    assert page.evaluate("window.__pwned") is None
    assert row.locator("b").count() == 0 and row.locator("img").count() == 0
