"""A dashboard session on two workers sharing Redis (REDIS_URL + GRANIAN_WORKERS=2).

Log in with chromium, make choices that live only in the server-side page state
(the chart's range, the snippet tab), then reload until the page's websocket lands
on the other worker (Reflex records which worker holds each tab's socket in
Redis). The choices must still be there: without shared state the other worker
would start the page afresh (last 24 hours, crontab tab). Then the same the
other way round.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from playwright.sync_api import expect

from dashboard.db import build_engine
from tests.e2e.helpers import ensure_admin, log_in
from tests.factories import make_heartbeat, make_service, ping
from tests.instances import PrivateRedis, private_redis
from tests.live_server import LiveServer, start_live_server

pytestmark = [pytest.mark.browser, pytest.mark.server]

MAX_RELOADS = 25


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, PrivateRedis]]:
    workdir = tmp_path_factory.mktemp("two-workers-browser")
    with private_redis(workdir) as instance:
        # The checkout's own .web: the session's browser server holds the e2e web directory.
        server = start_live_server(workdir, REDIS_URL=instance.url, GRANIAN_WORKERS="2")
        try:
            yield server, instance
        finally:
            server.stop()


def _socket_owner(client: redis.Redis, token: str) -> tuple[str, str] | None:
    """(worker instance id, socket id) of the tab's websocket, as Reflex records it in Redis."""
    raw = client.get(f"token_manager_socket_record_{token}")
    if raw is None:
        return None
    record = pickle.loads(raw)  # noqa: S301 (our own Redis, written by Reflex)
    return record.instance_id, record.sid


def _wait_for_new_socket(client: redis.Redis, token: str, previous_sid: str | None) -> tuple[str, str]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        owner = _socket_owner(client, token)
        if owner is not None and owner[1] != previous_sid:
            return owner
        time.sleep(0.1)
    raise AssertionError("the page did not open a new websocket")


def _reload_until_on_other_worker(page: Any, client: redis.Redis, token: str, current: tuple[str, str]) -> tuple[str, str]:
    owner = current
    for _ in range(MAX_RELOADS):
        page.reload()
        owner = _wait_for_new_socket(client, token, owner[1])
        if owner[0] != current[0]:
            return owner
    raise AssertionError(f"{MAX_RELOADS} reloads all landed on the same worker")


def _expect_choices(page: Any, range_label: str, bucket: str, snippet_tab: str) -> None:
    expect(page.locator("#heartbeat-name")).to_have_text("nightly")
    expect(page.locator("#stats-range")).to_contain_text(range_label)
    expect(page.locator("#stats-interval")).to_contain_text(bucket)
    expect(page.locator(f"#snippet-tab-{snippet_tab}")).to_have_attribute("aria-selected", "true")


def test_a_dashboard_session_survives_landing_on_the_other_worker(
        browser: Any, two_workers: tuple[LiveServer, PrivateRedis]) -> None:
    server, instance = two_workers
    engine = build_engine(server.database_url)
    ensure_admin(engine)
    heartbeat = make_heartbeat(engine, make_service(engine, "backups").id, "nightly", interval=3600)
    ping(engine, heartbeat.id, message="done")
    engine.dispose()
    client = redis.Redis.from_url(instance.url)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        log_in(page, server.url)
        page.goto(f"{server.url}/heartbeats/{heartbeat.id}")
        expect(page.locator("#heartbeat-name")).to_have_text("nightly")
        token = page.evaluate("() => window.sessionStorage.getItem('token')")
        first = _wait_for_new_socket(client, token, None)

        # Choices held only in the server-side state of this tab.
        page.click("#stats-range")
        page.get_by_role("option", name="Last 7 days").click()
        page.click("#snippet-tab-python")
        _expect_choices(page, "Last 7 days", "3h", "python")

        second = _reload_until_on_other_worker(page, client, token, first)
        _expect_choices(page, "Last 7 days", "3h", "python")

        # A change made on this worker is there when the tab comes back to the first one.
        page.click("#snippet-tab-node")
        expect(page.locator("#snippet-tab-node")).to_have_attribute("aria-selected", "true")
        back = _reload_until_on_other_worker(page, client, token, second)
        assert back[0] == first[0]
        _expect_choices(page, "Last 7 days", "3h", "node")
        # Still logged in on both: the page never went to /login.
        assert page.url == f"{server.url}/heartbeats/{heartbeat.id}"
    finally:
        context.close()
        client.close()

