"""Danger-sign alerts of quarantine cases: raised by a daily report, cleared by the
case's manager with a note. Functions take a session and never commit.

The case's `alert` flag (what the roster sorts by, and what the API and the change
feed carry) is kept equal to "the case has an open alert" here, in the same
transaction: raising and clearing both lock the case row first, so two clears of a
case's last two alerts cannot both leave the flag set, and a report raising a new
alert while one is cleared cannot leave it unset. Both also touch the case (its
`updated_at`), so the change feed publishes the case again whenever its alerts change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store import lean
from gateway.store.db import Statement, utc
from gateway.store.models import Alert, QuarantineCase, utcnow

NOTE_MAX = 500


class AlertError(LookupError):
    """No alert of this case has that id."""


def _locked_case(session: Session, case_id: int) -> QuarantineCase:
    return session.scalar(select(QuarantineCase).where(QuarantineCase.id == case_id)
                          .with_for_update())


# Raising takes the case's row lock with the update of its flag (so the lock comes
# first, as clearing takes it), and publishes the case again in the same statement.
_FLAG_CASE = lean.FedWrite(
    "UPDATE quarantine_cases SET alert = :alert, updated_at = :updated_at WHERE id = :id "
    "RETURNING id, 'updated' AS action", "quarantine_case")
_OPEN_ALERT = Statement("SELECT id, reasons, raised_at, note FROM alerts WHERE case_id = "
                        ":case_id AND report_id = :report_id AND cleared_at IS NULL")
_ALERT_COLUMNS = lean.Columns(Alert.__table__)
_INSERT_ALERT = Statement(_ALERT_COLUMNS.insert_sql("RETURNING id"))
_WIDEN_ALERT = Statement("UPDATE alerts SET reasons = :reasons WHERE id = :id")


def raise_alert(session: Session, case_id: int, report_id: int, reasons: Sequence[int],
                now: datetime | None = None) -> Alert:
    """Record the danger signs a report carried. A report amended while its alert is
    still open adds its new signs to that alert (one alert per report until cleared);
    after a clear, danger signs raise a new one. Written with lean statements
    (`gateway.store.lean`); returns the alert (a transient object)."""
    moment = now or utcnow()
    flagged = {"alert": True, "updated_at": moment}
    _FLAG_CASE.run(session, {"id": case_id, **flagged})
    lean.refresh_loaded(session, QuarantineCase, case_id, flagged)
    row = _OPEN_ALERT.run(session, {"case_id": case_id, "report_id": report_id}).fetchone()
    dialect = session.connection().dialect
    if row is None:
        values = _ALERT_COLUMNS.values({"case_id": case_id, "report_id": report_id,
                                        "raised_at": moment, "reasons": sorted(set(reasons)),
                                        "note": ""})
        alert_id = _INSERT_ALERT.run(session, _ALERT_COLUMNS.bind(dialect, values)).fetchone()[0]
        return lean.transient(Alert, {"id": alert_id, **values})
    alert_id, stored, raised_at, note = row
    known = json.loads(stored) if isinstance(stored, str) else stored
    widened = sorted(set(known) | set(reasons))
    _WIDEN_ALERT.run(session, {"id": alert_id, "reasons": json.dumps(widened)})
    lean.refresh_loaded(session, Alert, alert_id, {"reasons": widened})
    return lean.transient(Alert, {"id": alert_id, "case_id": case_id, "report_id": report_id,
                                  "raised_at": utc(raised_at), "reasons": widened,
                                  "cleared_at": None, "cleared_by": None, "note": note})


def clear_alert(session: Session, case_id: int, alert_id: int, username: str, note: str,
                now: datetime | None = None) -> bool:
    """Clear an open alert of the case with the manager's note; False when it was
    cleared already (a second click, another tab), which changes nothing. The note must
    be checked by the caller (not blank, at most NOTE_MAX characters)."""
    moment = now or utcnow()
    case = _locked_case(session, case_id)
    alert = session.scalar(select(Alert).where(Alert.id == alert_id,
                                               Alert.case_id == case_id))
    if case is None or alert is None:
        raise AlertError(alert_id)
    if alert.cleared_at is not None:
        return False
    alert.cleared_at, alert.cleared_by, alert.note = moment, username, note[:NOTE_MAX]
    session.flush()
    case.alert = session.scalar(select(Alert.id).where(Alert.case_id == case_id,
                                                       Alert.cleared_at.is_(None))
                                .limit(1)) is not None
    case.updated_at = moment
    session.flush()
    return True


def of_case(session: Session, case_id: int) -> list[Alert]:
    """The case's alerts, newest first."""
    return list(session.scalars(select(Alert).where(Alert.case_id == case_id)
                                .order_by(Alert.raised_at.desc(), Alert.id.desc())))


def of_cases(session: Session, case_ids: Iterable[int]) -> dict[int, list[Alert]]:
    """The alerts of several cases at once (one query), oldest first per case."""
    wanted = set(case_ids)
    found: dict[int, list[Alert]] = {case_id: [] for case_id in wanted}
    if wanted:
        for alert in session.scalars(select(Alert).where(Alert.case_id.in_(wanted))
                                     .order_by(Alert.id)):
            found[alert.case_id].append(alert)
    return found
