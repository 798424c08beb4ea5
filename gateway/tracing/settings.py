"""The exposure settings of `Config` (EXPOSURE_*), read and checked here so the
configuration module only appends them.

- EXPOSURE_MIN_OVERLAP_MINUTES (15): a visit counts as an exposure only when it
  overlapped the case's by at least this long (after the margin is added);
- EXPOSURE_MARGIN_MINUTES (30): the case's visits are widened by this much on both
  sides, because check-in and check-out times are approximate (people forget `CO`,
  airborne particles stay in a room after someone leaves);
- EXPOSURE_ANSWER_DAYS (7): for how long a bare `1` or `2` from a notified phone is
  taken as the answer to its notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULTS = {"exposure_min_overlap_minutes": 15, "exposure_margin_minutes": 30,
            "exposure_answer_days": 7}
LIMITS = {"exposure_min_overlap_minutes": (1, 24 * 60), "exposure_margin_minutes": (0, 24 * 60),
          "exposure_answer_days": (1, 60)}


def _name(field: str) -> str:
    return field.upper()


def read(env: Mapping[str, str]) -> dict[str, Any]:
    """The exposure fields of `Config` as given in the environment (defaults when
    unset). A value that is not a whole number is kept as text for `problem` to name."""
    values: dict[str, Any] = {}
    for field, default in DEFAULTS.items():
        raw = (env.get(_name(field)) or "").strip()
        try:
            values[field] = int(raw) if raw else default
        except ValueError:
            values[field] = raw
    return values


def problem(values: Mapping[str, Any]) -> str | None:
    """What is wrong with the exposure settings, as one line naming the variable."""
    for field, (low, high) in LIMITS.items():
        value = values[field]
        if not isinstance(value, int) or not low <= value <= high:
            return f"{_name(field)} must be a whole number from {low} to {high}, not {value!r}"
    return None
