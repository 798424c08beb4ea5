"""`Idempotency-Key`: a retry gets the first response and creates nothing; a reused
key with another body is refused; keys belong to a token; concurrent requests with
one key make one record."""

import threading
import uuid

import pytest
from sqlalchemy import func, select

from gateway import runtime as runtimes
from gateway.store.models import (
    Consent,
    Declaration,
    Event,
    IdempotencyKey,
    OutboundMessage,
    Visit,
)
from tests.api.conftest import (
    ME,
    Api,
    case_body,
    declaration_body,
    declared,
    make_token,
    manager,
    venue,
)


def count(app, model) -> int:
    with runtimes.of(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def test_a_retry_returns_the_first_response_and_creates_nothing(app, api):
    key = str(uuid.uuid4())
    first = api.post("/api/v1/declarations", declaration_body(), headers=keyed(key))
    retry = api.post("/api/v1/declarations", declaration_body(), headers=keyed(key))
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json == first.json
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(app, Declaration) == 1 and count(app, Consent) == 1
    assert count(app, Event) == 2  # the declaration and its consent, once


def test_key_order_and_spacing_of_the_json_do_not_matter(app, api):
    body = declaration_body()
    api.post("/api/v1/declarations", body, headers=keyed("k1"))
    reordered = dict(reversed(list(body.items())))
    assert api.post("/api/v1/declarations", reordered,
                    headers=keyed("k1")).headers.get("Idempotent-Replayed") == "true"


def test_the_same_key_with_another_body_is_refused(app, api):
    api.post("/api/v1/declarations", declaration_body(), headers=keyed("k1"))
    other = api.post("/api/v1/declarations", declaration_body(full_name="Someone Else"),
                     headers=keyed("k1"))
    assert other.status_code == 422
    assert other.json["type"] == "urn:gateway:problem:idempotency-key-reused"
    elsewhere = api.post("/api/v1/venues", {"name": "X", "province_code": 1},
                         headers=keyed("k1"))
    assert elsewhere.status_code == 422
    assert count(app, Declaration) == 1


def test_keys_belong_to_a_token(app, api, client):
    other = Api(client, make_token(app, "other-system"))
    api.post("/api/v1/declarations", declaration_body(), headers=keyed("k1"))
    theirs = other.post("/api/v1/declarations", declaration_body(), headers=keyed("k1"))
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert count(app, Declaration) == 2


def test_an_error_is_not_stored_so_the_fixed_request_can_reuse_the_key(app, api):
    wrong = api.post("/api/v1/declarations", declaration_body(birth_year=1800),
                     headers=keyed("k1"))
    assert wrong.status_code == 422
    assert count(app, IdempotencyKey) == 0
    fixed = api.post("/api/v1/declarations", declaration_body(), headers=keyed("k1"))
    assert fixed.status_code == 201 and count(app, Declaration) == 1


def test_a_replay_is_the_first_answer_even_after_the_record_changed(app, api):
    boss = manager(app)
    first = api.post("/api/v1/quarantine-cases", case_body(boss), headers=keyed("enrol-1"))
    api.patch(f"/api/v1/quarantine-cases/{first.json['id']}", {"status": "closed"})
    retry = api.post("/api/v1/quarantine-cases", case_body(boss), headers=keyed("enrol-1"))
    assert retry.json == first.json and retry.json["status"] == "active"
    assert count(app, OutboundMessage) == 1  # one welcome SMS


def test_a_retried_check_in_is_replayed_not_repeated(app, api):
    declared(api)
    code = venue(api)["code"]
    body = {"venue_code": code, "phone": ME}
    first = api.post("/api/v1/visits", body, headers=keyed("ci-1"))
    retry = api.post("/api/v1/visits", body, headers=keyed("ci-1"))
    assert (first.status_code, retry.status_code) == (201, 201)
    assert count(app, Visit) == 1


def test_patch_takes_a_key_too(app, api):
    case = api.post("/api/v1/quarantine-cases", case_body(manager(app))).json
    path = f"/api/v1/quarantine-cases/{case['id']}"
    first = api.patch(path, {"end_date": "2030-01-01"}, headers=keyed("p1"))
    retry = api.patch(path, {"end_date": "2030-01-01"}, headers=keyed("p1"))
    assert retry.json == first.json and retry.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", ["", "x" * 121, "tab\tkey", "khóa"])
def test_malformed_keys_are_refused(api, key):
    response = api.post("/api/v1/declarations", declaration_body(),
                        headers={"Idempotency-Key": key.encode("utf-8").decode("latin-1")})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "Idempotency-Key"


@pytest.mark.parametrize("path", ["/api/v1/declarations", "/api/v1/quarantine-cases"])
def test_concurrent_requests_with_one_key_make_one_record(app, api, path):
    boss = manager(app)
    body = declaration_body() if "declarations" in path else case_body(boss)
    threads, answers = 8, []
    start = threading.Barrier(threads)

    def send() -> None:
        own = Api(app.test_client(), api.secret)
        start.wait()
        answers.append(own.post(path, body, headers=keyed("same-key")))

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(a.status_code for a in answers) == [201] * threads
    assert len({a.get_data() for a in answers}) == 1  # every one got the same answer
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == threads - 1
    # One record (a declaration also records its consent: two events), one key.
    assert count(app, Event) == (2 if "declarations" in path else 1)
    assert count(app, IdempotencyKey) == 1


def test_concurrent_requests_with_one_key_on_sqlite(demo_app):
    """The embedded setup: SQLite serializes the writers; the key still decides."""
    secret = make_token(demo_app, "web")
    answers, start = [], threading.Barrier(4)

    def send() -> None:
        own = Api(demo_app.test_client(), secret)
        start.wait()
        answers.append(own.post("/api/v1/venues", {"name": "Cho", "province_code": 1},
                                headers=keyed("v-1")))

    workers = [threading.Thread(target=send) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.get_data() for a in answers}) == 1
    assert len(Api(demo_app.test_client(), secret).get("/api/v1/venues").json["items"]) == 1
