"""The migrations build exactly the schema the models describe, on both engines."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gateway.store import schema
from gateway.store.db import make_engine
from gateway.store.models import Base
from gateway.store.partitions import include_name


def schema_drift(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as connection:
        # The weekly partitions are made by the purge, not described by the models.
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        drift = compare_metadata(context, Base.metadata)
    engine.dispose()
    return drift


@pytest.mark.parametrize("engine_name", ["postgresql", "sqlite"])
def test_migrations_match_the_models(engine_name, pg_url, tmp_path):
    url = pg_url if engine_name == "postgresql" else f"sqlite:///{tmp_path / 'm.db'}"
    schema.upgrade(url)
    assert schema_drift(url) == []


def test_downgrade_to_base_and_back(tmp_path):
    from alembic import command
    url = f"sqlite:///{tmp_path / 'round.db'}"
    schema.upgrade(url)
    command.downgrade(schema.alembic_config(url), "base")
    schema.upgrade(url)
    assert schema_drift(url) == []
