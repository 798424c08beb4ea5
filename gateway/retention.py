"""How long each kind of record is kept: the retention table, its settings and reasons.

Personal data may be kept only as long as its purpose needs it (Law 91/2025/QH15 on
Personal Data Protection; Decree 356/2025/ND-CP). Every kind of record the gateway keeps
is one `Kind` below: its setting, its default and the reason for that default, which
the README's table repeats. `gateway purge` (gateway/purge/) deletes what is older.
Adding a kind is one entry here and one in the purge's table (gateway/purge/tables.py).

This module reads only the environment mapping it is given, so the configuration
(gateway/config.py) can call it without either importing the other's internals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

UNITS = {"MINUTES": timedelta(minutes=1), "HOURS": timedelta(hours=1),
         "DAYS": timedelta(days=1)}
MAX_DAYS = 3660  # ten years: a longer period is a typo, not a policy


@dataclass(frozen=True)
class Kind:
    """One kind of record: `setting` (RETENTION_..._DAYS) holds its period in `unit`."""

    name: str
    setting: str
    default: int
    reason: str

    @property
    def unit(self) -> timedelta:
        """One unit of the setting, from its suffix (_MINUTES, _HOURS, _DAYS)."""
        return UNITS[self.setting.rpartition("_")[2]]


KINDS: tuple[Kind, ...] = (
    Kind("otp", "RETENTION_OTP_MINUTES", 15,
         "A code is valid 5 minutes; its hash (Redis) and sealed text (outbox) serve "
         "nothing after that."),
    Kind("dialogue", "RETENTION_DIALOGUE_HOURS", 24,
         "An unfinished form can be resumed for RESUME_HOURS (24 h); then it goes."),
    Kind("message_log", "RETENTION_MESSAGE_LOG_DAYS", 30,
         "Inbound texts and replies: to answer a provider's retried webhook and to look "
         "into a complaint about a reply, which comes within days."),
    Kind("outbox", "RETENTION_OUTBOX_DAYS", 30,
         "Outgoing texts: delivery reports and the provider's monthly bill are settled "
         "within a month."),
    Kind("declarations", "RETENTION_DECLARATIONS_DAYS", 30,
         "Counted from the end of a declaration's validity: tracing looks back 14 days "
         "(incubation), plus time for a late confirmed case."),
    Kind("visits", "RETENTION_VISITS_DAYS", 21,
         "Tracing's 14-day look-back plus a 7-day margin for cases confirmed late."),
    Kind("quarantine", "RETENTION_QUARANTINE_DAYS", 30,
         "Cases and their daily reports, counted from the case's closing: follow-up of a "
         "relapse and questions about a release."),
    Kind("events", "RETENTION_EVENTS_DAYS", 30,
         "The change feed: the web system reads it continuously; a month covers a long "
         "outage of its sync. `deleted` events are kept as long as the others."),
    Kind("idempotency", "RETENTION_IDEMPOTENCY_HOURS", 48,
         "Stored API responses (with personal data) replayed to retries, which come "
         "within minutes."),
    Kind("audit", "RETENTION_AUDIT_DAYS", 730,
         "Who read or changed whose data. Kept longer than the data it describes: a "
         "breach found late must still be traceable (notification duty, Law Art. 23), "
         "and it proves lawful processing to an inspection."),
    Kind("phones", "RETENTION_PHONES_DAYS", 30,
         "A phone's settings (language, verification) once nothing else of it is left. "
         "Opted-out phones are kept: the STOP is the person's own instruction."),
    Kind("job_data", "RETENTION_JOB_DATA_DAYS", 7,
         "Failed background jobs (ids, and error texts that may quote a provider's "
         "answer) kept a week for diagnosis."),
    Kind("consents", "RETENTION_CONSENTS_DAYS", 365,
         "The proof of what a phone was told and answered (Decree 356 Art. 6: consent "
         "must be verifiable), kept a year after it stopped being the phone's answer "
         "(a newer one superseded it) or, for the last answer, a year after it was given "
         "once nothing of the phone is left: a complaint or an inspection about that "
         "processing still finds it. An erasure keeps them."),
    Kind("data_requests", "RETENTION_DATA_REQUESTS_DAYS", 365,
         "A person's request (to see, erase, withdraw) with its times and outcome, "
         "counted from when it was done: the proof that it was handled, and in time. "
         "An erasure keeps its own request. Open requests are never purged."),
)
BY_NAME = {kind.name: kind for kind in KINDS}


class RetentionError(ValueError):
    """A retention setting is malformed; the message names the variable."""


@dataclass(frozen=True)
class Retention:
    """The period of every kind, defaults unless set; `retention["visits"]`."""

    periods: tuple[tuple[str, timedelta], ...] = tuple(
        (kind.name, kind.default * kind.unit) for kind in KINDS)

    def __getitem__(self, name: str) -> timedelta:
        return dict(self.periods)[name]


def parse(env: Mapping[str, str]) -> Retention:
    """The retention periods from the environment; raise RetentionError naming the bad
    variable (a whole number of its unit, at least 1, at most ten years)."""
    periods = []
    for kind in KINDS:
        raw = env.get(kind.setting, "").strip()
        value = kind.default
        if raw:
            if not raw.isdigit() or int(raw) < 1:
                raise RetentionError(f"{kind.setting} must be a whole number of "
                                     f"{kind.setting.rpartition('_')[2].lower()}, at "
                                     f"least 1, not {raw!r}")
            value = int(raw)
        period = value * kind.unit
        if period > timedelta(days=MAX_DAYS):
            raise RetentionError(f"{kind.setting} must be at most {MAX_DAYS} days, "
                                 f"not {raw!r}")
        periods.append((kind.name, period))
    return Retention(tuple(periods))


def check(retention: Retention, resume_hours: int, retry_hours: int) -> None:
    """Rules across settings: a dialogue kept shorter than it may be resumed, or an
    outbox row deleted while it may still be retried, would break those features."""
    if retention["dialogue"] < timedelta(hours=resume_hours):
        raise RetentionError(f"RETENTION_DIALOGUE_HOURS must be at least RESUME_HOURS "
                             f"({resume_hours})")
    if retention["outbox"] <= timedelta(hours=retry_hours):
        raise RetentionError(f"RETENTION_OUTBOX_DAYS must be longer than SMS_RETRY_HOURS "
                             f"({retry_hours} h)")
