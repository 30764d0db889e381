"""Browser tests: one real server (``reflex run --env prod``) per session, driven by chromium.

The server compiles its frontend into its own web directory (not the
checkout's ``.web``), so it never clashes with another ``reflex run`` started
from the same checkout; a file lock keeps two browser sessions from compiling
into that directory at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from dashboard.config import PROJECT_ROOT
from dashboard.db import build_engine
from tests.live_server import LiveServer, start_live_server

CHROMIUM = os.environ.get("LUBDUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def e2e_web_dir() -> Path:
    """A web directory kept between runs (dependencies stay installed), one per checkout."""
    digest = hashlib.sha1(str(PROJECT_ROOT).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"lubdub-e2e-web-{digest}"


@contextmanager
def web_dir_lock() -> Iterator[None]:
    """Held for as long as a server built from ``e2e_web_dir()`` runs."""
    lock_path = e2e_web_dir().with_suffix(".lock")
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not Path(CHROMIUM).exists():
        message = f"no chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with web_dir_lock():
        server = start_live_server(Path(tmp_path_factory.mktemp("e2e")), REFLEX_WEB_WORKDIR=str(e2e_web_dir()))
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def browser(live_app: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Any, live_app: LiveServer) -> Iterator[Any]:
    """A fresh browser profile (no session), allowed to use the clipboard."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_app.url)
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture(scope="session")
def db(live_app: LiveServer) -> Iterator[Engine]:
    """An engine on the live server's database, to arrange data and check results."""
    engine = build_engine(live_app.database_url)
    yield engine
    engine.dispose()
