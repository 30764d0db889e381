"""The dashboard in a real browser against the real server (prod build), as a user sees it.

Few tests, each a journey: they assert what is on screen, by stable element ids.
The first one sets the instance up through the first-visit page, so it runs first.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy.engine import Engine

from dashboard.core import heartbeats, services, users
from dashboard.core.contracts import HeartbeatCreate, ServiceCreate
from dashboard.db import session_scope
from dashboard.timeutil import utcnow
from tests.e2e.helpers import EMAIL, PASSWORD, ensure_admin, log_in
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser





def plotted_total(page: Any, chart_id: str, trace: str) -> float:
    """The sum of one trace's values as Plotly holds them in the page."""
    return float(page.evaluate(
        """([id, name]) => {
            const plot = document.getElementById(id);
            const trace = (plot && plot.data || []).find(t => t.name === name);
            return trace ? trace.y.reduce((a, b) => a + (b || 0), 0) : -1;
        }""",
        [chart_id, trace],
    ))


def test_setup_login_create_ping_watch_pause_delete(page: Any, live_app: LiveServer, db: Engine) -> None:
    base = live_app.url
    with session_scope(db) as session:
        fresh_instance = users.count_users(session) == 0  # False only when run after other browser tests

    # First visit to an empty instance: create the admin.
    page.goto(f"{base}/")
    if fresh_instance:
        page.wait_for_url(f"{base}/setup")
        page.fill("#setup-email", EMAIL)
        page.fill("#setup-password", PASSWORD)
        page.fill("#setup-confirm", PASSWORD)
        page.click("#setup-submit")
        page.wait_for_url(f"{base}/")
        page.wait_for_selector("#overview-empty")
    else:
        log_in(page, base)

    # The session survives a reload; logging out and in again works.
    page.reload()
    page.wait_for_selector("#new-service")
    expect(page.locator("#nav-user")).to_have_text(EMAIL)
    page.click("#logout-button")
    page.wait_for_url(f"{base}/login")
    page.fill("#login-email", EMAIL)
    page.fill("#login-password", "not the password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_have_text("wrong email or password")
    log_in(page, base)

    # A service, then a heartbeat in it.
    page.click("#new-service")
    page.fill("#svc-name", "nightly-jobs")
    page.click("#svc-create")
    page.wait_for_url(re.compile(r"/services/[0-9a-f-]{36}$"))
    page.click("#empty-new-heartbeat")
    page.fill("#hb-name", "nightly-backup")
    page.fill("#hb-interval", "1")
    page.click("#hb-save")
    page.wait_for_url(re.compile(r"/heartbeats/[0-9a-f]{40}$"))
    page.wait_for_selector("#events-empty")
    heartbeat_url = page.url

    # Copy the check-in URL and call it like a job would.
    check_in_url = page.inner_text("#checkin-url")
    assert check_in_url.startswith(f"{base}/ping/")
    page.click("#copy-url")
    assert page.evaluate("navigator.clipboard.readText()") == check_in_url
    with httpx.Client(timeout=10) as client:
        assert client.get(check_in_url, params={"result": "run"}).json()["ok"] is True
        assert client.get(check_in_url, params={"result": "complete", "message": "hello from e2e"}).json() == {
            "ok": True, "status": "up"}

    # Without a reload: the events appear, the status flips, the chart counts them.
    page.wait_for_selector(".event-row[data-result='complete']")
    assert page.url == heartbeat_url
    assert "hello from e2e" in page.inner_text("#event-feed")
    assert page.locator(".event-row").count() == 2
    page.wait_for_selector("#heartbeat-status[data-status='up']")
    page.wait_for_function("document.getElementById('stats-checkins').innerText === '1'")
    assert plotted_total(page, "stats-chart", "Complete") == 1
    page.wait_for_selector("#durations-chart")
    expect(page.locator("#stats-uptime")).to_have_text("100 %")

    # Pause: the badge says so, and a check-in is still recorded without unpausing.
    page.click("#pause-heartbeat")
    page.wait_for_selector("#heartbeat-status[data-status='paused']")
    page.wait_for_selector("#resume-heartbeat")
    with httpx.Client(timeout=10) as client:
        assert client.get(check_in_url).json()["status"] == "paused"
    page.wait_for_selector(".event-row[data-result='tick']")

    # Delete, confirmed: back on the service page, and the URL is dead.
    page.click("#delete-heartbeat")
    page.click("#confirm-delete-heartbeat")
    page.wait_for_url(re.compile(r"/services/[0-9a-f-]{36}$"))
    page.wait_for_selector("#service-empty")
    with httpx.Client(timeout=10) as client:
        assert client.get(check_in_url).status_code == 404


def test_service_page_validation_and_bulk_actions(page: Any, live_app: LiveServer, db: Engine) -> None:
    ensure_admin(db)
    now = utcnow()
    with session_scope(db, write=True) as session:
        service = services.create_service(session, ServiceCreate(name="fleet"), now)
        for name in ("host-a", "host-b", "host-c"):
            heartbeats.create_heartbeat(session, HeartbeatCreate(service_id=service.id, name=name, interval=60), now)
    log_in(page, live_app.url)
    page.goto(f"{live_app.url}/services/{service.id}")
    page.wait_for_selector(".hb-row[data-name='host-c']")

    # Validation messages sit next to their fields; the dialog stays open.
    page.click("#new-heartbeat")
    page.fill("#hb-name", "host-a")
    page.fill("#hb-interval", "5")
    page.click("#hb-interval-unit")
    page.get_by_role("option", name="seconds").click()
    page.click("#hb-save")
    expect(page.locator("#hb-interval-error")).to_have_text("must be between 10 seconds and 365 days")
    page.fill("#hb-interval", "30")
    page.click("#hb-save")
    expect(page.locator("#hb-name-error")).to_contain_text("already has a heartbeat named 'host-a'")
    expect(page.locator("#hb-interval-error")).to_have_count(0)
    page.keyboard.press("Escape")

    # Select two, pause them together, then delete them after confirming.
    page.locator(".hb-row[data-name='host-a'] .hb-select").click()
    page.locator(".hb-row[data-name='host-b'] .hb-select").click()
    expect(page.locator("#bulk-count")).to_have_text("2 selected")
    page.click("#bulk-pause")
    page.wait_for_selector(".hb-row[data-name='host-b'] [data-status='paused']")
    assert page.locator(".hb-row[data-name='host-a'] [data-status='paused']").count() == 1
    assert page.locator(".hb-row[data-name='host-c'] [data-status='new']").count() == 1
    page.click("#bulk-delete")
    page.click("#confirm-bulk-delete")
    page.wait_for_selector(".hb-row[data-name='host-a']", state="detached")
    expect(page.locator(".hb-row")).to_have_count(1)
    expect(page.locator(".hb-row").first).to_have_attribute("data-name", "host-c")
    expect(page.locator("#hb-range")).to_have_text("1–1 of 1")


def test_login_is_required_overview_is_live_and_api_keys_work(context: Any, live_app: LiveServer, db: Engine) -> None:
    ensure_admin(db)
    page = context.new_page()
    page.goto(f"{live_app.url}/settings")
    page.wait_for_url(f"{live_app.url}/login")
    log_in(page, live_app.url)

    # The overview follows the database while open: a new heartbeat's check-in shows up by itself.
    now = utcnow()
    with session_scope(db, write=True) as session:
        service = services.create_service(session, ServiceCreate(name="live-check"), now)
        heartbeat = heartbeats.create_heartbeat(session, HeartbeatCreate(service_id=service.id, name="worker",
                                                                         interval=60), now)
    card = f".overview-service[data-service-id='{service.id}']"
    page.wait_for_selector(f"{card} [data-status='new']")
    assert httpx.get(f"{live_app.url}/ping/{heartbeat.ping_id}", params={"result": "fail"}).status_code == 200
    page.wait_for_selector(f"{card} [data-status='down']")
    assert page.locator(f"{card}[data-worst-status='down']").count() == 1

    # An API key is shown once, works against the API, and stops working when revoked.
    page.click("#nav-settings")
    page.wait_for_url(f"{live_app.url}/settings")
    page.click("#new-key")
    page.fill("#key-name", "e2e")
    page.click("#key-create")
    token = page.inner_text("#new-key-token")
    assert token.startswith("lbd_")
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{live_app.url}/api/v1/service/{service.id}", headers=headers).status_code == 200
    page.click("#key-done")
    page.wait_for_selector("#new-key-token", state="detached")
    row = page.locator(".key-row[data-name='e2e']")
    row.locator(".key-revoke").click()
    page.click("#confirm-revoke")
    page.wait_for_selector(".key-row[data-name='e2e'] .key-revoke", state="detached")
    assert httpx.get(f"{live_app.url}/api/v1/service/{service.id}", headers=headers).status_code == 401
