"""Apply Alembic migrations programmatically (used by `make run`, the CLI and tests)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from dashboard.config import PROJECT_ROOT, get_settings


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["url"] = url or get_settings().database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade_database(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")
