"""Consent records and data-subject requests in the purge: the proofs are kept as long
as they prove something (RETENTION_CONSENTS_DAYS, RETENTION_DATA_REQUESTS_DAYS), then
go; an erasure keeps them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.privacy import erasure, intake
from gateway.store import consents, data_requests
from gateway.store.db import transaction
from gateway.store.models import Consent, DataRequest, Phone, utcnow
from tests.purge.test_purge import as_of, output_counts
from tests.test_processes import cli

KEPT_PHONE = "+84912000021"  # opted out: its phone row, hence its last answer, stays
GONE_PHONE = "+84912000022"  # no phone row left: its last answer goes a year on
YEAR = 365


def answer(session, phone: str, said: str) -> int:
    return consents.record(session, phone=phone, channel="sms", answer=said,
                           notice_version="v1", notice_hash="0" * 64).id


def consent_ids(app) -> set[int]:
    with runtimes.of(app).sessions() as session:
        return set(session.scalars(select(Consent.id)))


def request_ids(app) -> set[int]:
    with runtimes.of(app).sessions() as session:
        return set(session.scalars(select(DataRequest.id)))


def test_consents_go_a_year_after_they_stop_proving_anything(app, config):
    with transaction(runtimes.of(app).sessions) as session:
        session.add(Phone(number=KEPT_PHONE, opted_out=True))
        agreed = answer(session, KEPT_PHONE, "agree")
        withdrew = answer(session, KEPT_PHONE, "withdraw")
        refused = answer(session, GONE_PHONE, "refuse")
    inside = cli(config, "purge", "--as-of", as_of(YEAR - 5))
    assert inside.exit_code == 0, inside.output
    assert output_counts(inside.output)["consent records"] == 0
    assert consent_ids(app) == {agreed, withdrew, refused}
    dry = cli(config, "purge", "--dry-run", "--as-of", as_of(YEAR + 1))
    assert output_counts(dry.output)["consent records"] == 2
    result = cli(config, "purge", "--as-of", as_of(YEAR + 1))
    assert result.exit_code == 0, result.output
    assert output_counts(result.output)["consent records"] == 2
    # The superseded answer and the last answer of a phone with nothing left go; the
    # current answer of a phone still held stays: it is what its records rest on.
    assert consent_ids(app) == {withdrew}


def test_requests_go_a_year_after_they_were_done_and_never_while_open(app, config):
    tz = runtimes.of(app).config.tz
    with transaction(runtimes.of(app).sessions) as session:
        done = intake.receive(session, tz, phone=GONE_PHONE, kind="access", channel="sms")
        data_requests.close(done, "done")
        still_open = intake.receive(session, tz, phone=GONE_PHONE, kind="erasure",
                                    channel="web", now=utcnow() - timedelta(days=3))
        ids = (done.id, still_open.id)
    assert cli(config, "purge", "--as-of", as_of(YEAR - 5)).exit_code == 0
    assert request_ids(app) == set(ids)
    result = cli(config, "purge", "--as-of", as_of(YEAR + 1))
    assert output_counts(result.output)["data-subject requests"] == 1
    assert request_ids(app) == {ids[1]}


def test_an_erasure_keeps_the_consents_and_its_own_request(app):
    tz = runtimes.of(app).config.tz
    with transaction(runtimes.of(app).sessions) as session:
        session.add(Phone(number=GONE_PHONE))
        agreed = answer(session, GONE_PHONE, "agree")
        request = intake.receive(session, tz, phone=GONE_PHONE, kind="erasure", channel="web")
        erased = erasure.perform(session, runtimes.of(app).redis, request, "api:test")
        request_id = request.id
    assert erased.counts["phone"] == 1
    assert consent_ids(app) == {agreed}
    with runtimes.of(app).sessions() as session:
        assert session.get(DataRequest, request_id).outcome == "done"
