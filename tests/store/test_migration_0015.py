"""Migration 0015 (community teams) on a database that already holds cases, reports and
alerts, on PostgreSQL and on SQLite (where changing a column rebuilds the table that
reports and alerts point at): nothing is lost, every key still holds, a case may then
have no phone; going back removes only the cases without a phone."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic import command
from sqlalchemy import text

from gateway.store import schema
from gateway.store.db import make_engine
from tests.conftest import PG_ADMIN_URL

ROWS = (
    "INSERT INTO users (username, display_name, role, active, failed_logins, created_at) "
    "VALUES ('mgr', '', 'manager', true, 0, '2026-01-01')",
    "INSERT INTO quarantine_cases (phone, full_name, kind, start_date, end_date, manager_id, "
    "status, alert, channel, created_at, updated_at) VALUES ('+84912345678', 'An', 'home', "
    "'2026-01-01', '2026-01-10', 1, 'active', true, 'cli', '2026-01-01', '2026-01-01')",
    "INSERT INTO health_reports (case_id, report_date, symptoms, danger, channel, created_at, "
    "updated_at) VALUES (1, '2026-01-02', '[3]', true, 'sms', '2026-01-02', '2026-01-02')",
    "INSERT INTO alerts (case_id, report_id, raised_at, reasons, note) "
    "VALUES (1, 1, '2026-01-02', '[3]', '')",
)
LONE = ("INSERT INTO quarantine_cases (phone, full_name, kind, start_date, end_date, "
        "manager_id, status, alert, channel, created_at, updated_at, birth_year, address) "
        "VALUES (NULL, 'Cuc', 'home', '2026-01-01', '2026-01-10', 1, 'active', false, 'team', "
        "'2026-01-01', '2026-01-01', 1948, 'Xom 3')")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> Iterator[str]:
    """An empty database of each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    name = f"gwmig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield re.sub(r"/[^/]*$", f"/{name}", PG_ADMIN_URL)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(url: str, query: str) -> list[tuple]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(text(query))]
    engine.dispose()
    return found


def write(url: str, *statements: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def test_0015_keeps_every_case_report_and_alert_and_goes_back(url):
    schema.upgrade(url, "0011")
    write(url, *ROWS)
    schema.upgrade(url, "0015")
    assert rows(url, "SELECT id, phone, birth_year, address FROM quarantine_cases") == [
        (1, "+84912345678", None, None)]
    assert rows(url, "SELECT id, case_id, relation, verified FROM health_reports") == [
        (1, 1, None, True)]
    assert rows(url, "SELECT case_id, report_id FROM alerts") == [(1, 1)]
    if url.startswith("sqlite"):
        assert rows(url, "PRAGMA foreign_key_check") == []
        assert rows(url, "PRAGMA foreign_keys") == [(1,)]  # on again for everyone after
    write(url, LONE)  # a resident without a phone
    write(url, "INSERT INTO health_reports (case_id, report_date, symptoms, danger, channel, "
               "created_at, updated_at, relation, verified) VALUES (2, '2026-01-02', '[]', "
               "false, 'team', '2026-01-02', '2026-01-02', 'neighbour', false)")
    command.downgrade(schema.alembic_config(url), "0011")
    assert rows(url, "SELECT id, phone FROM quarantine_cases") == [(1, "+84912345678")]
    assert rows(url, "SELECT id, case_id FROM health_reports") == [(1, 1)]
    assert rows(url, "SELECT case_id, report_id FROM alerts") == [(1, 1)]
