"""Settings from the environment, read in one place.

Every knob an operator may turn lives here so the rest of the code never calls
``os.environ`` directly.  Values are read when ``get_settings()`` is first called;
tests call ``reset_settings()`` after changing the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


DEFAULT_SECRET_KEY = "change-me"
# Loopback: `make run` on a laptop is not reachable from the network until HOST says so.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def _positive(name: str, value: int) -> int:
    if value < 1:
        raise ValueError(f"{name} must be a positive number of bytes, not {value}")
    return value


def _origins(raw: str | None) -> tuple[str, ...]:
    """``CORS_ORIGINS``: comma-separated ``scheme://host[:port]`` origins, or ``*``.

    Checked at start so a typo (a trailing path, a missing scheme) fails loudly
    instead of silently allowing nothing.
    """
    origins = []
    for item in (raw or "").split(","):
        origin = item.strip().rstrip("/")
        if not origin:
            continue
        if origin != "*":
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
                raise ValueError(f"CORS_ORIGINS: {item.strip()!r} is not an origin like https://app.example.com")
            origin = f"{parts.scheme}://{parts.netloc.lower()}"
        origins.append(origin)
    return tuple(origins)


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'data' / 'lubdub.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    public_url: str = "http://localhost:3000"
    redis_url: str | None = None
    # Keys the HMAC under which API keys and session tokens are stored (core/tokens.py).
    secret_key: str = DEFAULT_SECRET_KEY
    # How often the miss detector looks for due deadlines; SPEC requires <= 1 s.
    detector_period_s: float = 0.5
    # At most this many misses are back-filled per heartbeat in one catch-up.
    max_catch_up_misses: int = 1000
    event_retention_days: int = 90
    # Group commit: the writer waits at most this long to fill a batch.
    writer_max_batch: int = 2000
    # "NORMAL" survives a killed process (WAL); "FULL" also survives power loss.
    sqlite_synchronous: str = "NORMAL"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "lubdub@localhost"
    smtp_security: str = "none"  # none | starttls | tls
    # Per-heartbeat check-ins per minute before 429; 0 disables the limit.
    ping_rate_limit_per_minute: int = 0
    run_detector: bool = True
    # The address `make run` binds; 0.0.0.0 (or ::) exposes it to the network.
    host: str = DEFAULT_HOST
    # Request bodies beyond this are refused with 413 before they are read,
    # everywhere but the check-in path (which has its own 100 KB cap).
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # Browser origins allowed to call the API cross-origin; none by default.
    cors_origins: tuple[str, ...] = ()
    # When set, /metrics wants ``Authorization: Bearer <token>``.
    metrics_token: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _load() -> Settings:
    env = os.environ
    return Settings(
        database_url=env.get("DATABASE_URL") or _default_database_url(),
        public_url=(env.get("PUBLIC_URL") or f"http://localhost:{env.get('PORT', '3000')}").rstrip("/"),
        redis_url=env.get("REDIS_URL") or None,
        secret_key=env.get("SECRET_KEY") or DEFAULT_SECRET_KEY,
        detector_period_s=min(_env_float("DETECTOR_PERIOD_SECONDS", 0.5), 1.0),
        max_catch_up_misses=_env_int("MAX_CATCH_UP_MISSES", 1000),
        event_retention_days=_env_int("EVENT_RETENTION_DAYS", 90),
        writer_max_batch=_env_int("WRITER_MAX_BATCH", 2000),
        sqlite_synchronous=env.get("SQLITE_SYNCHRONOUS", "NORMAL").upper(),
        smtp_host=env.get("SMTP_HOST") or None,
        smtp_port=_env_int("SMTP_PORT", 25),
        smtp_user=env.get("SMTP_USER") or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_from=env.get("SMTP_FROM", "lubdub@localhost"),
        smtp_security=env.get("SMTP_SECURITY", "none").lower(),
        ping_rate_limit_per_minute=_env_int("PING_RATE_LIMIT_PER_MINUTE", 0),
        run_detector=env.get("RUN_DETECTOR", "true").lower() not in ("0", "false", "no"),
        host=env.get("HOST") or DEFAULT_HOST,
        max_body_bytes=_positive("MAX_BODY_BYTES", _env_int("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)),
        cors_origins=_origins(env.get("CORS_ORIGINS")),
        metrics_token=env.get("METRICS_TOKEN") or None,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return _load()


def reset_settings() -> None:
    get_settings.cache_clear()
