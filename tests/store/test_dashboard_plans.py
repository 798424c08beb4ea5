"""The dashboard's queries stay on indexes at scale: on PostgreSQL filled with a year of
generated rows (ROWS declarations, a quarter as many check-ins, CASES quarantine
cases, few of them active) and ANALYZEd, EXPLAIN of every dashboard query — for the
whole country, a province and a commune — shows no sequential scan of a big table.
The plans are the planner's own choice (nothing is switched off), and each query's
execution time is printed (`-s`) for the record. `DASHBOARD_PLAN_ROWS=1000000` runs
it at a million declarations (about two minutes more)."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from gateway import runtime as runtimes
from gateway.store import dashboard, dashboard_cases
from gateway.store.areas import Area
from gateway.store.dashboard import Scope
from gateway.store.db import transaction
from tests.store.dashboard_data import HAC_THANH, TH

ROWS = int(os.environ.get("DASHBOARD_PLAN_ROWS", "300000"))
CASES = 100_000
BIG_TABLES = {"declarations", "visits", "quarantine_cases", "health_reports", "venues"}
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LAST_DAY = date(2026, 11, 30)
# Province codes spread over the country, Thanh Hoa among them; ward codes 14797+.
FILL = f"""
INSERT INTO users (username, display_name, role, active, failed_logins, created_at)
SELECT 'mgr' || m, '', 'manager', true, 0, now() FROM generate_series(1, 200) m;
INSERT INTO area_limits (user_id, province_code, ward_code, created_at)
SELECT id, CASE WHEN id % 10 = 0 THEN {TH} ELSE id % 34 + 40 END, NULL, now() FROM users;
INSERT INTO declarations (code, declarer_phone, subject_phone, relation, full_name,
  birth_year, gender, province_code, province_name, ward_code, ward_name, street, symptoms,
  contact, travel, risk, follow_up, channel, verification, form_version, answers,
  created_at, valid_until)
SELECT 'G' || i, '+8491' || lpad(i::text, 7, '0'), NULL, 'self', 'Người ' || i, 1980,
  'male', CASE WHEN i % 20 = 0 THEN {TH} ELSE i % 34 + 40 END, 'P',
  CASE WHEN i % 20 = 0 THEN {HAC_THANH} + i % 7 ELSE 20000 + i % 3000 END, 'W', 'S', '[]',
  false, false, CASE WHEN i % 10 = 0 THEN 'high' ELSE 'low' END, false,
  (ARRAY['sms','ussd','hotline','web'])[i % 4 + 1], 'otp', 't', '{{}}',
  TIMESTAMP '{LAST_DAY}' - (i % 365) * INTERVAL '1 day' - (i % 1440) * INTERVAL '1 minute',
  TIMESTAMP '{LAST_DAY}' FROM generate_series(1, {ROWS}) i;
INSERT INTO venues (code, name, kind, province_code, province_name, ward_code, ward_name,
  street, active, channel, created_at)
SELECT 'V' || v, 'Venue ' || v, 'market', CASE WHEN v % 20 = 0 THEN {TH} ELSE v % 34 + 40 END,
  'P', CASE WHEN v % 20 = 0 THEN {HAC_THANH} + v % 7 ELSE 20000 + v % 3000 END, 'W', '',
  true, 'cli', now() FROM generate_series(1, 5000) v;
INSERT INTO visits (venue_id, phone, channel, checked_in_at)
SELECT i % 5000 + 1, '+8491' || lpad(i::text, 7, '0'), 'sms',
  TIMESTAMP '{LAST_DAY}' - (i % 365) * INTERVAL '1 day' FROM generate_series(1, {ROWS // 4}) i;
INSERT INTO quarantine_cases (phone, full_name, kind, start_date, end_date, manager_id,
  status, alert, channel, created_at, updated_at)
SELECT '+8490' || lpad(c::text, 7, '0'), 'Ca ' || c, 'home',
  DATE '{LAST_DAY}' - (c % 400) - 14, DATE '{LAST_DAY}' - (c % 400),
  c % 200 + 1, CASE WHEN c % 400 < 3 THEN 'active' ELSE 'closed' END, c % 97 = 0, 'cli',
  now(), now() FROM generate_series(1, {CASES}) c;
INSERT INTO health_reports (case_id, report_date, symptoms, danger, channel, created_at,
  updated_at)
SELECT id, start_date + d, '[]', false, 'sms', now(), now()
FROM quarantine_cases, generate_series(0, 13) d WHERE id % 20 = 0 OR status = 'active';
ANALYZE;
"""


@pytest.fixture
def filled(app):
    sessions = runtimes.of(app).sessions
    with transaction(sessions) as session:
        session.execute(text(FILL))
    return sessions


def scans(plan: dict) -> list[tuple[str, str]]:
    """(node type, table) of every scan in a JSON plan."""
    found = [(plan["Node Type"], plan["Relation Name"])] if "Relation Name" in plan else []
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


def queries(session, scope: Scope) -> dict:
    return {"declarations": dashboard.declarations_query(session, scope),
            "high_risk": dashboard.high_risk_query(session, scope),
            "top_venues": dashboard.top_venues_query(session, scope),
            "checkins": dashboard.checkins_query(session, scope, [1, 20, 40]),
            "compliance": dashboard.compliance_query(session, scope, LAST_DAY),
            "follow_up": dashboard_cases.follow_up_query(session, scope, LAST_DAY)}


SCOPES = {"country": (None, None), "province": (Area(TH), None),
          "commune": (Area(TH), HAC_THANH)}


def test_every_dashboard_query_reads_its_big_tables_through_an_index(filled):
    slow = []
    with filled() as session:
        for label, (area, commune) in SCOPES.items():
            scope = Scope(LAST_DAY - timedelta(days=13), LAST_DAY, TZ, area, commune)
            for name, query in queries(session, scope).items():
                sql = str(query.compile(dialect=postgresql.dialect(),
                                        compile_kwargs={"literal_binds": True}))
                [[plan]] = session.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)).one()
                plan = plan if isinstance(plan, dict) else json.loads(plan)[0]
                found = scans(plan["Plan"])
                assert found, name
                slow += [f"{label} {name}: {kind} on {table}" for kind, table in found
                         if kind == "Seq Scan" and table in BIG_TABLES]
                print(f"{label} {name}: {plan['Execution Time']:.1f} ms, {sorted(set(found))}")
    assert not slow, "\n".join(slow)
