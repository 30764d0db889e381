"""A live Lubdub server (``reflex run --env prod``) with an admin API key, for the ``lubdub`` command and clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live_server import LiveServer, create_api_key, start_live_server


@dataclass
class Live:
    server: LiveServer
    api_key: str

    @property
    def url(self) -> str:
        return self.server.url

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "LUBDUB_URL": self.url, "LUBDUB_API_KEY": self.api_key, **extra}


make_key = create_api_key


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = start_live_server(Path(tmp_path_factory.mktemp("lubdub-live")))
    try:
        yield Live(server, make_key(server, "cli-tests"))
    finally:
        server.stop()
