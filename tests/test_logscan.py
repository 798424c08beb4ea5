"""The scan of a run's logs for personal data (tests/logscan.py) finds what it must and
fails the run; the formatter hides what the database quotes in its errors; the
engine hides statement parameters."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.ops.logs import JsonFormatter
from gateway.store.db import make_engine
from tests.logscan import leaks

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("line", "kinds"), [
    ('{"message": "sent to +84912345678"}', ["phone"]),
    ('{"message": "sent to 0912345678"}', ["phone"]),
    ('{"message": "sent to 0912 345 678"}', ["phone"]),
    ('{"message": "sent to 84912345678"}', ["phone"]),
    ('{"message": "declared by NGUYỄN VĂN AN"}', ["name"]),
    ('{"message": "id 001080012345"}', ["id number"]),
    ('{"message": "report: Sot, Khó thở, 38.5C"}', ["symptom"]),
    ('{"message": "reported sore throat"}', ["symptom"]),
    ('{"message": "Hồ Chí Minh: sorted 3 rows"}', []),
    ('{"message": "sent to +849*****678"}', []),
    ('{"message": "request 3f0912345678ab", "sid": "SM0123456789abcdef"}', []),
    ('{"message": "took 1234567890123 ns"}', []),
])
def test_the_scan_finds_personal_data_and_only_that(line, kinds):
    assert leaks(line) == kinds


def test_a_leak_fails_the_whole_run(tmp_path):
    (tmp_path / "test_leak.py").write_text(
        "import logging\n"
        "def test_leaks():\n"
        "    logging.getLogger('x').warning('declared by %s', 'Nguyễn Văn An')\n"
        "def test_is_clean():\n"
        "    logging.getLogger('x').warning('sent to %s', '+84912345678')  # masked\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.logscan", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert "personal data in the logs" in result.stdout
    assert "(name)" in result.stdout and "Nguy" in result.stdout
    assert "+849*****678" not in result.stdout.split("personal data in the logs")[1]


def test_the_database_detail_of_a_refused_row_is_hidden():
    record = logging.makeLogRecord({"msg": "duplicate key\nDETAIL:  Key (full_name)=(Le Thi "
                                           "Hoa) already exists.\n[SQL: INSERT]"})
    line = JsonFormatter().format(record)
    assert "Le Thi Hoa" not in line and "DETAIL: [hidden]" in line and "[SQL: INSERT]" in line


def test_a_failed_statement_shows_neither_its_parameters_nor_the_row(pg_url):
    engine = make_engine(pg_url)
    insert = text("INSERT INTO people VALUES (1, :name)")
    with pytest.raises(Exception) as failure, engine.connect() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE people (id int UNIQUE, name text "
                                "UNIQUE)"))
        connection.execute(insert, {"name": "Tran Thi Binh"})
        connection.execute(insert, {"name": "Le Thi Hoa"})
    engine.dispose()
    assert "Le Thi Hoa" not in str(failure.value)  # only the key is quoted
    assert "parameters hidden" in str(failure.value)
    record = logging.makeLogRecord({"msg": "failed", "exc_info": (
        failure.type, failure.value, failure.tb)})
    assert "DETAIL" in str(failure.value) and "Key (id)=(1)" not in JsonFormatter().format(
        record)
