"""Database migrations (Alembic), runnable without an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from gateway.store.keyring import Keyring

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> AlembicConfig:
    """Alembic configuration pointing at our migrations and `database_url`."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head", keyring: Keyring | None = None) -> None:
    """Bring the database schema up to `revision`; `keyring` encrypts the ID numbers
    already stored (migration 0008), needed only when there are some."""
    config = alembic_config(database_url)
    config.attributes["keyring"] = keyring
    command.upgrade(config, revision)
