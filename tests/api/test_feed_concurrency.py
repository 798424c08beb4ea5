"""The change feed under concurrent writers on PostgreSQL: a consumer polling while
several threads write collects every event exactly once, although transactions
commit out of id order all the time."""

import random
import threading
import time

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store import venues
from gateway.store.db import transaction
from gateway.store.models import Event, Phone
from tests.api.conftest import Api
from tests.api.test_events import settled

WRITERS = 4
WRITES = 15


def write(app, writer: int) -> None:
    """Transactions that take their transaction id early (a Phone row) and write the
    fed record late, after a random pause: the order that loses events when a feed
    is read in id order."""
    rng = random.Random(writer)
    for n in range(WRITES):
        with transaction(runtimes.of(app).sessions) as session:
            session.add(Phone(number=f"+8491{writer}{n:06d}"))
            session.flush()
            time.sleep(rng.uniform(0, 0.01))
            made = venues.create(session, name=f"w{writer}-{n}", kind="shop",
                                 province_code=1, province_name="Ha Noi")
            time.sleep(rng.uniform(0, 0.01))
            if n % 3 == 0:
                made.street = "changed"  # an update event in the same transaction
                session.flush()


def test_a_polling_consumer_sees_every_event_once(app, api):
    done = threading.Event()
    seen: list[tuple[int, str]] = []  # (event position as served, cursor)
    inversions = 0

    def consume() -> None:
        nonlocal inversions
        reader = Api(app.test_client(), api.secret)
        after, highest = None, 0
        while True:
            finished = done.is_set()
            if finished:
                assert settled(app)
            query = {"limit": 7, **({"after": after} if after else {})}
            page = reader.get("/api/v1/events", query_string=query).json
            for item in page["items"]:
                seen.append((item["record_id"], item["cursor"]))
            ids = [_event_id(item["cursor"]) for item in page["items"]]
            inversions += sum(1 for i in ids if i < highest)
            highest = max([highest, *ids])
            after = page["next"]
            if finished and not page["items"]:
                return
            time.sleep(0.002)

    consumer = threading.Thread(target=consume)
    writers = [threading.Thread(target=write, args=(app, w)) for w in range(WRITERS)]
    consumer.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    done.set()
    consumer.join(timeout=60)
    assert not consumer.is_alive()

    with runtimes.of(app).sessions() as session:
        every = session.scalars(select(Event.id).order_by(Event.txid, Event.id)).all()
    served = [_event_id(cursor) for _, cursor in seen]
    assert len(every) == WRITERS * (WRITES + (WRITES + 2) // 3)
    assert served == list(every)  # all of them, once each, in the feed's order
    assert len(set(served)) == len(served)
    # The run did exercise the hazard: some events were served after a larger id.
    assert inversions > 0


def _event_id(cursor: str) -> int:
    import base64
    plain = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    return int(plain.split(":")[2])
