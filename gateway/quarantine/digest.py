"""The managers' evening digest: per manager, the day's counts (active, reported, with
symptoms, missing), who reported symptoms (danger signs first) and who did not report
(two or more missed days first).

`build` gives it as data for the console; `text` as one SMS of at most three
segments, naming as many people as fit and pointing to the console for the rest;
`run` sends it to every manager with active cases (the `digest` slot).
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from redis.lock import Lock
from sqlalchemy.orm import Session

from gateway.flows.messages import render
from gateway.flows.report import FEVER_TEMPERATURE
from gateway.flows.report_messages import DIGEST_NAME_MAX
from gateway.quarantine.batching import batches
from gateway.runtime import Runtime
from gateway.store import isolation
from gateway.store import quarantine as store
from gateway.text import segments

log = logging.getLogger(__name__)

MAX_SEGMENTS = 3
LIST_LIMIT = 30      # people per list in the data; far more than an SMS can name
MANAGER_BATCH = 100
CONSOLE_PATH = "/hotline/"


@dataclass(frozen=True)
class Person:
    """One case in a digest list."""

    case_id: int
    name: str
    phone: str | None  # None: a resident without a phone (community teams)
    symptoms: tuple[int, ...] = ()
    temperature: float | None = None
    danger: bool = False
    missed_days: int = 0


@dataclass(frozen=True)
class AreaLine:
    """One isolation area the manager has (issue 17): its residents on the day."""

    code: str
    residents: int
    reported: int

    @property
    def missing(self) -> int:
        """Residents without the day's report."""
        return self.residents - self.reported


@dataclass(frozen=True)
class Digest:
    """A manager's day: counts, and the people to look at (lists cut at `LIST_LIMIT`)."""

    manager_id: int
    day: date
    active: int
    reported: int
    unwell: int
    missing: int
    unwell_people: tuple[Person, ...]
    missing_people: tuple[Person, ...]
    areas: tuple[AreaLine, ...] = ()  # the manager's isolation areas, each with its counts

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for the console and the API)."""
        data = asdict(self)
        data["day"] = self.day.isoformat()
        return data


def build(session: Session, manager_id: int, day: date, limit: int = LIST_LIMIT) -> Digest:
    """The digest of a manager's cases active on `day` (three queries)."""
    return build_many(session, [manager_id], day, limit)[manager_id]


def build_many(session: Session, manager_ids: Sequence[int], day: date,
               limit: int = LIST_LIMIT) -> dict[int, Digest]:
    """The digests of several managers, by id, in four queries whatever their number
    (a run builds a batch of managers at once; four queries per manager made the
    digest of 1,000 managers take 46 s in the benchmark)."""
    counts = store.digest_counts_many(session, manager_ids, day, FEVER_TEMPERATURE)
    unwell = store.unwell_cases_many(session, manager_ids, day, FEVER_TEMPERATURE, limit)
    missing = store.missing_cases_many(session, manager_ids, day, limit)
    lines: dict[int, list[AreaLine]] = {}
    for area in isolation.compliance(session, day, manager_ids=manager_ids):
        lines.setdefault(area.manager_id, []).append(
            AreaLine(area.code, area.residents, area.reported))
    built = {}
    for manager_id in manager_ids:
        count = counts.get(manager_id)
        active, reported, sick = (count.active, count.reported, int(count.unwell)) \
            if count else (0, 0, 0)
        built[manager_id] = Digest(
            manager_id, day, active, reported, sick, active - reported,
            tuple(Person(r.id, r.full_name, r.phone, tuple(r.symptoms or ()), r.temperature,
                         bool(r.danger)) for r in unwell.get(manager_id, ())),
            tuple(Person(r.id, r.full_name, r.phone, missed_days=_missed(day, r))
                  for r in missing.get(manager_id, ())),
            tuple(lines.get(manager_id, ())))
    return built


def _missed(day: date, row: Any) -> int:
    """Days without a report up to `day`: since the last report, or since the start."""
    if row.last_report is not None:
        return (day - row.last_report).days
    return (day - row.start_date).days + 1


def text(digest: Digest, language: str, console: str) -> str:
    """The digest as one SMS of at most MAX_SEGMENTS: counts, then names (symptoms
    first, then missing), as many as fit, then '+N more' and the console."""
    head = render("quarantine.digest", language, {
        "day": digest.day.strftime("%d/%m"), "active": digest.active,
        "reported": digest.reported, "unwell": digest.unwell, "missing": digest.missing})
    head = _with_areas(head, digest.areas, language)
    lists = [("quarantine.digest_unwell", digest.unwell,
              [_name(p, language) for p in digest.unwell_people]),
             ("quarantine.digest_missing", digest.missing,
              [_name(p, language) for p in digest.missing_people])]
    shown = [0, 0]

    def compose() -> str:
        body = head + "".join(render(key, language, {"names": ", ".join(names[:count])})
                              for (key, _, names), count in zip(lists, shown, strict=True)
                              if count)
        more = sum(total for _, total, _ in lists) - sum(shown)
        return body + _tail(language, more, console)

    def fits(index: int, count: int) -> bool:
        shown[index] = count
        return segments(compose()) <= MAX_SEGMENTS

    for index, (_, _, names) in enumerate(lists):
        if fits(index, len(names)):
            continue
        # Short of the whole list the tail says '+N more', so every name shown makes the
        # text longer: the most that fit is found by bisection, not one name at a time.
        too_many = bisect.bisect_left(range(len(names)), True, key=lambda n: not fits(index, n))
        shown[index] = max(too_many - 1, 0)
        break  # the second list starts only once the first is complete
    return compose()


def _with_areas(head: str, lines: tuple[AreaLine, ...], language: str) -> str:
    """The counts followed by the isolation areas' lines, as many as leave the last
    segment to the names and the console ('+N areas' for the rest: the console's
    digest lists them all)."""
    for index, line in enumerate(lines):
        longer = head + render("quarantine.digest_area", language, {
            "code": line.code, "reported": line.reported, "residents": line.residents})
        rest = render("quarantine.digest_areas_more", language, {"more": len(lines) - index - 1})
        if segments(longer + (rest if index < len(lines) - 1 else "")) > MAX_SEGMENTS - 1:
            return head + render("quarantine.digest_areas_more", language,
                                 {"more": len(lines) - index})
        head = longer
    return head


def _name(person: Person, language: str) -> str:
    name = person.name[:DIGEST_NAME_MAX]
    if person.danger:
        return f"{name} (!)"
    if person.missed_days >= 2:
        return render("quarantine.digest_days", language, {"name": name,
                                                           "days": person.missed_days})
    return name


def _tail(language: str, more: int, console: str) -> str:
    """'+N more' (if any) and the console's address; without an address, only '+N'."""
    if not console:
        return render("quarantine.digest_more_only", language, {"more": more}) if more else ""
    if more:
        return render("quarantine.digest_more", language, {"more": more, "console": console})
    return render("quarantine.digest_console", language, {"console": console})


def console_pointer(runtime: Runtime, language: str) -> str:
    """Where the rest is: the console's address (PUBLIC_BASE_URL/hotline/), or '' when
    PUBLIC_BASE_URL is not set (a pointer to 'the console' without an address would
    leave the manager nowhere to go)."""
    base = runtime.config.public_base_url
    return base + CONSOLE_PATH if base else ""


def run(runtime: Runtime, slot: str, day: date, lock: Lock) -> dict[str, Any]:
    """Send each manager with active cases their digest of `day` (once per manager and
    day), a batch of managers at a time."""
    def read(session: Session, after: int) -> list[Any]:
        managers = store.managers_batch(session, day, after, MANAGER_BATCH)
        return _prepared(runtime, session, managers, day)

    return batches(runtime, slot, day, lock, read, lambda prepared: prepared.message)


@dataclass(frozen=True)
class _Prepared:
    id: int
    message: dict[str, Any] | None


def _prepared(runtime: Runtime, session: Session, manager_ids: list[int],
              day: date) -> list[_Prepared]:
    """Each manager's digest message (None for a manager without a phone): two queries
    and `build_many`'s three for the whole batch."""
    contacts = store.manager_contacts(session, manager_ids)
    reachable = [m for m in manager_ids if contacts.get(m) is not None and contacts[m].phone]
    digests = build_many(session, reachable, day) if reachable else {}
    prepared = []
    for manager_id in manager_ids:
        if manager_id not in digests:
            log.warning("manager without a phone gets no digest",
                        extra={"manager_id": manager_id})
            prepared.append(_Prepared(manager_id, None))
            continue
        contact = contacts[manager_id]
        body = text(digests[manager_id], contact.language,
                    console_pointer(runtime, contact.language))
        prepared.append(_Prepared(manager_id, {
            "phone": contact.phone, "body": body, "kind": "digest", "priority": "bulk",
            "dedup_key": f"digest:{manager_id}:{day.isoformat()}"}))
    return prepared
