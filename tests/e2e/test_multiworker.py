"""The dashboard on two workers sharing Redis (REDIS_URL + GRANIAN_WORKERS=2) and a
private PostgreSQL, in chromium: a session across workers, then outages.

- Log in, make choices that live only in the server-side page state (the chart's
  range, the snippet tab), then reload until the page's websocket lands on the other
  worker (Reflex records which worker holds each tab's socket in Redis). The choices
  must still be there: without shared state the other worker would start the page
  afresh (last 24 hours, crontab tab). Then the same the other way round.
- PostgreSQL stopped: the open page says "The database is unavailable" (no error
  toast, no traceback) and the banner goes once PostgreSQL is back.
- Redis killed (last: it stays dead): the page says the dashboard cannot reach Redis;
  check-ins are still answered.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis
from playwright.sync_api import expect

from dashboard.db import build_engine
from tests.e2e.helpers import ensure_admin, log_in
from tests.factories import make_heartbeat, make_service, ping
from tests.instances import PrivatePostgres, PrivateRedis, private_postgres, private_redis
from tests.live_server import LiveServer, start_live_server

pytestmark = [pytest.mark.browser, pytest.mark.server]

MAX_RELOADS = 25


@dataclass
class Deployment:
    server: LiveServer
    redis: PrivateRedis
    postgres: PrivatePostgres


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp("two-workers-browser")
    with private_postgres() as postgres, private_redis(workdir) as instance:
        # The checkout's own .web: the session's browser server holds the e2e web directory.
        server = start_live_server(workdir, database_url=postgres.create_database(),
                                   REDIS_URL=instance.url, GRANIAN_WORKERS="2")
        try:
            yield Deployment(server, instance, postgres)
        finally:
            server.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


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


def _seed(server: LiveServer) -> str:
    """An admin and a heartbeat with a check-in; returns the heartbeat's public id (its page's)."""
    engine = build_engine(server.database_url)
    try:
        ensure_admin(engine)
        heartbeat = make_heartbeat(engine, make_service(engine, "backups").id, "nightly", interval=3600)
        ping(engine, heartbeat.id, message="done")
        return heartbeat.public_id
    finally:
        engine.dispose()


def test_a_dashboard_session_survives_landing_on_the_other_worker(page: Any, two_workers: Deployment) -> None:
    server = two_workers.server
    public_id = _seed(server)
    client = redis.Redis.from_url(two_workers.redis.url)
    try:
        log_in(page, server.url)
        page.goto(f"{server.url}/heartbeats/{public_id}")
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
        assert page.url == f"{server.url}/heartbeats/{public_id}"
    finally:
        client.close()


def test_the_dashboard_says_when_the_database_is_unavailable_and_recovers(page: Any, two_workers: Deployment) -> None:
    server = two_workers.server
    log_in(page, server.url)
    expect(page.locator("#overview-services, #overview-empty").first).to_be_visible()
    banner = page.locator("#database-unavailable")
    expect(banner).to_have_count(0)
    two_workers.postgres.stop()
    try:
        # The next poll (every 2 s) finds the database gone.
        expect(banner).to_be_visible(timeout=15_000)
        expect(banner).to_contain_text("The database is unavailable")
        expect(page.get_by_text("An error occurred")).to_have_count(0)
        assert "Traceback" not in page.inner_text("body")
    finally:
        two_workers.postgres.start()
    expect(banner).to_have_count(0, timeout=15_000)


def test_the_dashboard_says_when_redis_is_unavailable(page: Any, two_workers: Deployment) -> None:
    """Last in the module: Redis stays dead."""
    server = two_workers.server
    log_in(page, server.url)
    two_workers.redis.kill()
    page.reload()
    expect(page.get_by_text("The dashboard cannot reach Redis")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Check-ins, misses and alerts carry on")).to_be_visible()
    ping_id = _seed_heartbeat_only(server)
    assert httpx.get(f"{server.url}/ping/{ping_id}", timeout=10).status_code == 200


def _seed_heartbeat_only(server: LiveServer) -> str:
    engine = build_engine(server.database_url)
    try:
        heartbeat = make_heartbeat(engine, make_service(engine, "redis-down").id, "hourly", interval=3600)
        return heartbeat.ping_id
    finally:
        engine.dispose()

