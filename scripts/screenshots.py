"""Refresh the dashboard screenshots in docs/screenshots/.

    .venv/bin/python scripts/screenshots.py

Seeds a throw-away SQLite database with a week of realistic history, starts
the real app (``reflex run --env prod``) on a free port, drives Debian's
chromium with Playwright through every page (desktop, dark mode, phone width)
and writes the PNGs.  Nothing outside docs/screenshots/ and a temp dir changes.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import Engine  # noqa: E402

from dashboard.core import apikeys, detector, heartbeats, services, users  # noqa: E402
from dashboard.core.contracts import HeartbeatCreate, ServiceCreate  # noqa: E402
from dashboard.core.ingest import PingRequest, apply_pings  # noqa: E402
from dashboard.db import build_engine, session_scope, write_engine, write_lock  # noqa: E402
from dashboard.migrate import upgrade_database  # noqa: E402
from dashboard.models import Heartbeat  # noqa: E402
from dashboard.timeutil import utcnow  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
EMAIL, PASSWORD = "admin@example.com", "correct horse battery"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _ping(engine: Engine, heartbeat: Heartbeat, result: str, at: datetime, message: str = "") -> None:
    request = PingRequest(heartbeat.ping_id, result, message=message, method="GET", source_ip="10.0.4.17",
                          user_agent="curl/8.5.0")
    with write_lock(engine), write_engine(engine).begin() as conn:
        apply_pings(conn, [request], at)


def _service(engine: Engine, name: str, description: str, now: datetime) -> str:
    with session_scope(engine, write=True) as session:
        return services.create_service(session, ServiceCreate(name=name, description=description), now).id


def _heartbeat(engine: Engine, service_id: str, name: str, interval: int, now: datetime, grace: int = 0) -> Heartbeat:
    with session_scope(engine, write=True) as session:
        data = HeartbeatCreate(service_id=service_id, name=name, interval=interval, grace=grace)
        return heartbeats.create_heartbeat(session, data, now)


def seed_demo(engine: Engine, now: datetime) -> dict[str, str]:
    """A small, believable installation; returns ids of the pages worth showing."""
    rng = random.Random(7)
    start = now - timedelta(days=7)
    with session_scope(engine, write=True) as session:
        users.create_user(session, EMAIL, PASSWORD, now=start, is_admin=True)
        users.create_user(session, "oncall@example.com", PASSWORD, now=start + timedelta(days=1))
        apikeys.create_api_key(session, "ci-deploy", "read-write", start + timedelta(days=1))
        key, _ = apikeys.create_api_key(session, "grafana", "read-only", start + timedelta(days=2))
        apikeys.touch_api_key(session, key, now - timedelta(minutes=4))

    billing = _service(engine, "billing", "Invoices, payments and dunning", start)
    backups = _service(engine, "backups", "Database and object-store backups", start)
    search = _service(engine, "search", "", start)

    # An hourly job that reports its start and end (so run times are charted), failing now and then.
    invoices = _heartbeat(engine, billing, "invoice-run", 3600, start, grace=600)
    moment = start.replace(minute=5, second=0, microsecond=0)
    while moment < now - timedelta(minutes=2):
        _ping(engine, invoices, "run", moment)
        took = timedelta(seconds=rng.uniform(40, 95) + (60 if moment.hour in (0, 1) else 0))
        if rng.random() < 0.04:
            _ping(engine, invoices, "fail", moment + took, "stripe API timed out after 30 s")
        else:
            _ping(engine, invoices, "complete", moment + took, f"{rng.randint(180, 420)} invoices sent")
        moment += timedelta(hours=1)

    # A frequent sync that has just gone quiet: late now (inside its grace).
    sync = _heartbeat(engine, billing, "stripe-sync", 300, start, grace=900)
    moment = now - timedelta(hours=6)
    while moment < now - timedelta(minutes=7):
        _ping(engine, sync, "tick", moment)
        moment += timedelta(minutes=5)

    dunning = _heartbeat(engine, billing, "dunning-mails", 86_400, start, grace=3600)
    for day in range(7):
        _ping(engine, dunning, "complete", (start + timedelta(days=day)).replace(hour=6, minute=0), "")
    _ping(engine, dunning, "complete", now - timedelta(hours=2), "12 reminders")

    # A nightly backup that stopped two days ago: down, with misses recorded by the detector.
    nightly = _heartbeat(engine, backups, "postgres-nightly", 86_400, start, grace=1800)
    for day in range(5):
        _ping(engine, nightly, "complete", (start + timedelta(days=day)).replace(hour=2, minute=30),
              "pg_dump 14.2 GB")
    detector.run_pass(engine, now)

    mirror = _heartbeat(engine, backups, "s3-mirror", 3600, start)
    _ping(engine, mirror, "tick", now - timedelta(days=3))
    with session_scope(engine, write=True) as session:
        heartbeats.pause_heartbeat(session, mirror, now - timedelta(days=2))

    _heartbeat(engine, search, "reindex", 1800, now - timedelta(minutes=20))
    indexer = _heartbeat(engine, search, "queue-worker", 60, start, grace=60)
    moment = now - timedelta(hours=3)
    while moment < now - timedelta(seconds=60):
        _ping(engine, indexer, "tick", moment)
        moment += timedelta(seconds=60)
    _ping(engine, indexer, "tick", now - timedelta(seconds=5))
    return {"service": billing, "heartbeat": invoices.public_id, "down": nightly.public_id}


def _login(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("#login-email", EMAIL)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/", timeout=30_000)


def _settle(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(selector, timeout=30_000)
    page.mouse.move(5, page.viewport_size["height"] - 5)  # no hover effects in the picture
    page.wait_for_timeout(1200)  # let charts draw and fonts settle


def take(base: str, ids: dict[str, str], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport={"width": 1280, "height": 860}, color_scheme=scheme,
                                          device_scale_factor=1)
            page = context.new_page()
            suffix = "" if scheme == "light" else "-dark"
            if scheme == "light":
                page.goto(f"{base}/login")
                _settle(page, "#login-submit")
                shots.append(out / "login.png")
                page.screenshot(path=shots[-1])
            _login(page, base)
            _settle(page, ".overview-service")
            shots.append(out / f"overview{suffix}.png")
            page.screenshot(path=shots[-1], full_page=True)
            page.goto(f"{base}/heartbeats/{ids['heartbeat']}")
            _settle(page, ".event-row")
            page.wait_for_selector("#stats-chart .bars", state="attached", timeout=30_000)
            shots.append(out / f"heartbeat{suffix}.png")
            page.screenshot(path=shots[-1], full_page=True)
            if scheme == "light":
                page.goto(f"{base}/services/{ids['service']}")
                _settle(page, ".hb-row")
                page.locator(".hb-select").nth(0).click()
                page.locator(".hb-select").nth(1).click()
                page.wait_for_selector("#bulk-count")
                shots.append(out / "service.png")
                page.screenshot(path=shots[-1], full_page=True)
                page.locator(".hb-edit").nth(0).click()
                _settle(page, "#hb-name")
                shots.append(out / "heartbeat-edit.png")
                page.screenshot(path=shots[-1])
                page.keyboard.press("Escape")
                page.goto(f"{base}/heartbeats/{ids['down']}")
                _settle(page, ".event-row")
                shots.append(out / "heartbeat-down.png")
                page.screenshot(path=shots[-1], full_page=True)
                page.goto(f"{base}/settings")
                _settle(page, ".key-row")
                shots.append(out / "settings.png")
                page.screenshot(path=shots[-1], full_page=True)
                if page.locator("#nav-notifications").count():
                    page.click("#nav-notifications")
                    page.wait_for_url(f"{base}/settings/notifications", timeout=30_000)
                    _settle(page, "#nav-notifications")
                    page.wait_for_timeout(1500)
                    shots.append(out / "notifications.png")
                    page.screenshot(path=shots[-1], full_page=True)
            context.close()

        phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                    has_touch=True)
        page = phone.new_page()
        _login(page, base)
        _settle(page, ".overview-service")
        shots.append(out / "phone-overview.png")
        page.screenshot(path=shots[-1], full_page=True)
        page.goto(f"{base}/heartbeats/{ids['heartbeat']}")
        _settle(page, ".event-row")
        shots.append(out / "phone-heartbeat.png")
        page.screenshot(path=shots[-1], full_page=True)
        phone.close()
        browser.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the PNGs")
    parser.add_argument("--url", help="use this running server instead of starting one (must use --database-url)")
    parser.add_argument("--database-url", help="with --url: the database that server uses (it is seeded)")
    args = parser.parse_args(argv)

    from tests.e2e.conftest import e2e_web_dir, web_dir_lock
    from tests.live_server import start_live_server

    with tempfile.TemporaryDirectory(prefix="lubdub-shots-") as tmp:
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'lubdub.db'}"
        upgrade_database(database_url)
        engine = build_engine(database_url)
        ids = seed_demo(engine, utcnow())
        engine.dispose()
        if args.url:
            shots = take(args.url.rstrip("/"), ids, args.out)
        else:
            started = time.monotonic()
            with web_dir_lock():
                server = start_live_server(Path(tmp), database_url, REFLEX_WEB_WORKDIR=str(e2e_web_dir()))
                print(f"server up in {time.monotonic() - started:.0f}s at {server.url}")
                try:
                    shots = take(server.url, ids, args.out)
                finally:
                    server.stop()
    for shot in shots:
        print(f"wrote {shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
