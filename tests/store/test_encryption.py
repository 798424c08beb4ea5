"""ID and insurance numbers encrypted at rest: the raw columns hold Fernet tokens, the
code reads plain numbers, lookups go through the keyed hashes; key rotation (the old
key still reads, `gateway keys rotate` re-encrypts, the old key can then go); the key
setting; and migration 0008 encrypting rows written before it, on both engines."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select, text

from gateway import create_app
from gateway import runtime as runtimes
from gateway.cli.main import gateway
from gateway.config import Config, ConfigError
from gateway.store import declarations, keyring, schema
from gateway.store.db import make_engine, transaction
from gateway.store.models import Declaration
from tests.conftest import DATA_KEY, PG_ADMIN_URL, SECRET
from tests.test_processes import BIN

NEW_KEY = "sppsu4YjEEXCk0HriMUcE-e5-lT1rXr9zb3gxJkEJjI="
CCCD, PASSPORT, BHYT = "001080012345", "B1234567", "HS4010123456789"


def declare(app, phone: str = "+84912345678", id_number: str | None = CCCD,
            insurance: str | None = BHYT) -> int:
    """A declaration written as every channel writes one; its id."""
    with transaction(runtimes.of(app).sessions) as session:
        made = declarations.create(
            session, valid_hours=24, declarer_phone=phone, subject_phone=phone,
            relation="self", full_name="Tran Thi B", birth_year=1990, gender="female",
            id_type="cccd" if id_number else None, id_number=id_number,
            insurance_number=insurance, province_code=1, province_name="Thành phố Hà Nội",
            ward_code=70, ward_name="Phường Hoàn Kiếm", street="12 Hang Bac", symptoms=[],
            contact=False, travel=False, risk="low", follow_up=False, channel="sms",
            verification="otp", form_version="moh-2025.1",
            answers={"name": "Tran Thi B", "id_number": {"type": "cccd", "number": CCCD},
                     "insurance": BHYT})
        return made.id


def raw(app, declaration_id: int) -> dict:
    """The row as stored, without the column types' decryption."""
    with runtimes.of(app).engine.connect() as connection:
        row = connection.execute(text(
            "SELECT id_number, insurance_number, id_number_hash, insurance_number_hash, "
            "answers FROM declarations WHERE id = :id"), {"id": declaration_id}).mappings().one()
    return dict(row)


def found(app, number: str) -> list[int]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(Declaration.id).where(
            declarations.with_id_number(session, number)).order_by(Declaration.id)))


def with_keys(app, setting: str):
    """Another app on the same database with DATA_ENCRYPTION_KEY = `setting`."""
    return create_app(dataclasses.replace(runtimes.of(app).config,
                                          data_encryption_key=setting))


def test_numbers_are_encrypted_at_rest_and_read_plain(app):
    made = declare(app)
    stored = raw(app, made)
    assert CCCD not in str(stored) and BHYT not in str(stored)
    assert stored["id_number"].startswith("gAAAAA")  # a Fernet token
    ring = keyring.parse(DATA_KEY)
    assert ring.decrypt(stored["id_number"]) == CCCD
    assert ring.decrypt(stored["insurance_number"]) == BHYT
    assert stored["id_number_hash"] == ring.digest(CCCD) != ring.digest(PASSPORT)
    with runtimes.of(app).sessions() as session:
        record = session.get(Declaration, made)
        assert (record.id_number, record.insurance_number) == (CCCD, BHYT)
        # The answers keep the kind of ID, never the numbers.
        assert record.answers == {"name": "Tran Thi B", "id_number": {"type": "cccd"}}


def test_two_writes_of_one_number_differ_but_are_found_together(app):
    first, second = declare(app), declare(app, phone="+84987654321")
    other = declare(app, phone="+84911222333", id_number=PASSPORT, insurance=None)
    assert raw(app, first)["id_number"] != raw(app, second)["id_number"]
    assert found(app, CCCD) == [first, second]
    assert found(app, PASSPORT) == [other]
    assert raw(app, other)["insurance_number"] is None
    assert raw(app, other)["insurance_number_hash"] is None
    assert found(app, "001090012345") == []


def test_a_changed_number_gets_a_new_hash(app):
    made = declare(app)
    with transaction(runtimes.of(app).sessions) as session:
        session.get(Declaration, made).id_number = PASSPORT
    assert (found(app, CCCD), found(app, PASSPORT)) == ([], [made])


def test_rotation_old_key_reads_rotate_re_encrypts_then_the_old_key_can_go(app):
    made = declare(app)
    before = raw(app, made)
    both = with_keys(app, f"{NEW_KEY},{DATA_KEY}")   # the new key put in front
    with runtimes.of(both).sessions() as session:
        assert session.get(Declaration, made).id_number == CCCD  # the old key still reads
    assert found(both, CCCD) == [made]                # the old hash is still found
    later = declare(both, phone="+84987654321")       # new writes use the new key
    assert keyring.parse(NEW_KEY).decrypt(raw(both, later)["id_number"]) == CCCD

    rotated = CliRunner().invoke(gateway, ["keys", "rotate"],
                                 obj=ScriptInfo(create_app=lambda: both))
    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 1 row(s)" in rotated.output  # the later one was already current
    after = raw(both, made)
    assert after["id_number"] != before["id_number"]
    assert keyring.parse(NEW_KEY).decrypt(after["id_number"]) == CCCD
    assert after["id_number_hash"] == keyring.parse(NEW_KEY).digest(CCCD)
    again = CliRunner().invoke(gateway, ["keys", "rotate"],
                               obj=ScriptInfo(create_app=lambda: both))
    assert "re-encrypted 0 row(s)" in again.output

    only_new = with_keys(app, NEW_KEY)                # the old key removed
    with runtimes.of(only_new).sessions() as session:
        assert session.get(Declaration, made).insurance_number == BHYT
    assert found(only_new, CCCD) == [made, later]
    for built in (both, only_new):
        runtimes.of(built).engine.dispose()


def test_rotate_also_encrypts_a_number_an_old_process_wrote_in_plain(app):
    made = declare(app)
    with runtimes.of(app).engine.begin() as connection:  # as code from before 0008 did
        connection.execute(text("UPDATE declarations SET id_number = :plain, "
                                "id_number_hash = NULL WHERE id = :id"),
                           {"plain": PASSPORT, "id": made})
    rotated = CliRunner().invoke(gateway, ["keys", "rotate"],
                                 obj=ScriptInfo(create_app=lambda: app))
    assert "re-encrypted 1 row(s)" in rotated.output
    assert keyring.parse(DATA_KEY).decrypt(raw(app, made)["id_number"]) == PASSPORT
    assert found(app, PASSPORT) == [made]


def test_a_removed_key_is_reported_not_misread(app):
    made = declare(app)
    wrong = with_keys(app, NEW_KEY)
    with runtimes.of(wrong).sessions() as session, pytest.raises(keyring.Unreadable,
                                                                 match="gateway keys rotate"):
        session.get(Declaration, made)
    runtimes.of(wrong).engine.dispose()


@pytest.mark.parametrize(("setting", "reason"), [
    ("", "DATA_ENCRYPTION_KEY is required"),
    ("not-a-key", "DATA_ENCRYPTION_KEY key 1 is not a Fernet key"),
    (f"{DATA_KEY},short", "DATA_ENCRYPTION_KEY key 2 is not a Fernet key"),
    (f"{DATA_KEY},,", "DATA_ENCRYPTION_KEY must be one or more Fernet keys"),
])
def test_a_bad_key_setting_is_one_line_naming_the_variable(setting, reason):
    with pytest.raises(ConfigError) as raised:
        Config.from_env({"SECRET_KEY": "s", "DATA_ENCRYPTION_KEY": setting}, dotenv=False)
    message = str(raised.value)
    assert message.startswith(reason) and "\n" not in message
    assert "short" not in message and DATA_KEY not in message  # keys are never repeated


def test_the_demo_derives_a_key_and_several_keys_parse():
    demo = Config.from_env({"REDIS_URL": "memory://"}, dotenv=False)
    assert demo.data_keys.decrypt(demo.data_keys.encrypt(CCCD)) == CCCD
    assert demo.data_keys.digest(CCCD) != keyring.parse(DATA_KEY).digest(CCCD)
    ring = Config.from_env({"SECRET_KEY": "s", "DATA_ENCRYPTION_KEY":
                            f" {NEW_KEY} , {DATA_KEY} "}, dotenv=False).data_keys
    assert len(ring.digests(CCCD)) == 2


def test_the_command_line_says_one_line_for_a_bad_key(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "SECRET_KEY": "s",
           "REDIS_URL": "redis://127.0.0.1:6379/0", "DATA_ENCRYPTION_KEY": "oops"}
    result = subprocess.run([str(BIN / "gateway"), "keys", "rotate"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DATA_ENCRYPTION_KEY key 1 is not a Fernet key" in result.stderr
    assert "Traceback" not in result.stderr and "oops" not in result.stderr
    made = subprocess.run([str(BIN / "gateway"), "keys", "generate"], env={}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0 and keyring.parse(made.stdout.strip())


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """A database of its own, with no schema yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"gwmig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield re.sub(r"/[^/]*$", f"/{name}", PG_ADMIN_URL)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


OLD_ROW = text(
    "INSERT INTO declarations (code, declarer_phone, subject_phone, relation, full_name, "
    "birth_year, gender, id_type, id_number, insurance_number, province_code, province_name, "
    "ward_code, ward_name, street, symptoms, contact, travel, risk, follow_up, channel, "
    "verification, form_version, answers, created_at, valid_until) VALUES (:code, "
    "'+84912345678', '+84912345678', 'self', 'Tran Thi B', 1990, 'female', :type, :number, "
    ":insurance, 1, 'Ha Noi', 70, 'Hoan Kiem', '12 Hang Bac', '[]', false, false, 'low', "
    "false, 'sms', 'otp', 'moh-2025.1', :answers, :now, :until)")


def test_migration_0008_encrypts_the_rows_already_stored(empty_url):
    schema.upgrade(empty_url, "0004")
    engine = make_engine(empty_url)
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        for code, number, insurance in (("AAAA1111", CCCD, BHYT), ("BBBB2222", None, None)):
            connection.execute(OLD_ROW, {
                "code": code, "type": "cccd" if number else None, "number": number,
                "insurance": insurance, "now": now, "until": now + timedelta(days=1),
                "answers": json.dumps({"name": "Tran Thi B", "insurance": insurance,
                                       "id_number": {"type": "cccd", "number": number}})})
    with pytest.raises(RuntimeError, match="DATA_ENCRYPTION_KEY"):
        schema.upgrade(empty_url)  # numbers stored and no key: refused, nothing changed
    ring = keyring.parse(DATA_KEY)
    schema.upgrade(empty_url, keyring=ring)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT code, id_number, insurance_number, id_number_hash, answers "
            "FROM declarations ORDER BY code")).mappings().all()
    engine.dispose()
    assert CCCD not in str(rows) and BHYT not in str(rows)
    first, empty = rows
    assert ring.decrypt(first["id_number"]) == CCCD
    assert ring.decrypt(first["insurance_number"]) == BHYT
    assert first["id_number_hash"] == ring.digest(CCCD)
    assert empty["id_number"] is None and empty["id_number_hash"] is None
    answers = first["answers"]
    answers = answers if isinstance(answers, dict) else json.loads(answers)  # SQLite: text
    assert answers == {"name": "Tran Thi B", "id_number": {"type": "cccd"}}
    app = create_app(Config(database_url=empty_url, redis_url="memory://",
                            secret_key=SECRET, data_encryption_key=DATA_KEY))
    assert found(app, CCCD) and len(found(app, CCCD)) == 1
    runtimes.of(app).engine.dispose()
