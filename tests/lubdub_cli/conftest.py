"""A live Lubdub server (``reflex run --env prod``) with an admin API key, for the ``lubdub`` command and clients."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashboard.config import PROJECT_ROOT
from tests.live_server import LiveServer, server_env, start_live_server


@dataclass
class Live:
    server: LiveServer
    api_key: str

    @property
    def url(self) -> str:
        return self.server.url

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "LUBDUB_URL": self.url, "LUBDUB_API_KEY": self.api_key, **extra}


def make_key(server: LiveServer, *args: str) -> str:
    done = subprocess.run([str(PROJECT_ROOT / ".venv/bin/python"), "-m", "dashboard", "create-api-key", *args],
                          cwd=PROJECT_ROOT, env=server_env(server.port, server.database_url), check=True,
                          capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = start_live_server(Path(tmp_path_factory.mktemp("lubdub-live")))
    try:
        yield Live(server, make_key(server, "cli-tests"))
    finally:
        server.stop()
