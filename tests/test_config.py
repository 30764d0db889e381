"""Settings from the environment: the security ones."""

from __future__ import annotations

import pytest

from dashboard.config import DEFAULT_HOST, get_settings, reset_settings


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for name in ("HOST", "MAX_BODY_BYTES", "CORS_ORIGINS", "METRICS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    yield
    reset_settings()


def test_the_defaults_are_the_safe_ones() -> None:
    settings = get_settings()
    assert (settings.host, settings.max_body_bytes, settings.cors_origins, settings.metrics_token) == (
        "127.0.0.1", 1024 * 1024, (), None)
    assert DEFAULT_HOST == "127.0.0.1"


def test_cors_origins_are_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", " https://Ops.Example.com/ ,http://localhost:8080,,")
    assert get_settings().cors_origins == ("https://ops.example.com", "http://localhost:8080")


@pytest.mark.parametrize("value", ["ops.example.com", "https://ops.example.com/app", "ftp://x", "https://"])
def test_a_value_that_is_not_an_origin_stops_the_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CORS_ORIGINS", value)
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        get_settings()


@pytest.mark.parametrize("value", ["0", "-5"])
def test_the_body_cap_must_be_positive(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", value)
    with pytest.raises(ValueError, match="MAX_BODY_BYTES"):
        get_settings()


def test_host_and_metrics_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("METRICS_TOKEN", "t")
    monkeypatch.setenv("MAX_BODY_BYTES", "5000000")
    settings = get_settings()
    assert (settings.host, settings.metrics_token, settings.max_body_bytes) == ("0.0.0.0", "t", 5_000_000)
