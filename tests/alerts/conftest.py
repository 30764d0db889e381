"""Fixtures for the alert tests: real loopback receivers and tiny helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dashboard.core.alerts import channels
from dashboard.core.contracts import ChannelCreate
from dashboard.db import session_scope
from dashboard.models import Channel
from tests.alerts.receivers import HangingReceiver, HttpReceiver, SmtpReceiver

PUBLIC_URL = "http://lubdub.test"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    running = HttpReceiver().start()
    yield running
    running.stop()


@pytest.fixture
def hanging() -> Iterator[HangingReceiver]:
    running = HangingReceiver()
    yield running
    running.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpReceiver]:
    running = SmtpReceiver().start()
    yield running
    running.stop()


def make_channel(
    engine: Engine, kind: str = "webhook", config: dict[str, Any] | None = None, *, name: str | None = None,
    now: datetime, **fields: Any,
) -> Channel:
    with session_scope(engine, write=True) as session:
        data = ChannelCreate.model_validate({
            "name": name or f"{kind} channel", "kind": kind, "config": config or {}, **fields,
        })
        return channels.create_channel(session, data, now)


def attach(engine: Engine, channel: Channel, now: datetime, **target: str) -> None:
    with session_scope(engine, write=True) as session:
        channels.attach(session, channel.id, now, **target)


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def deliveries(engine: Engine) -> list[Any]:
    return rows(engine, "SELECT id, flip_id, seq, channel_id, heartbeat_id, kind, status, attempts, last_error, "
                        "next_attempt_at FROM delivery ORDER BY id")
