"""Settings of the phone itself: outcome `language` (the reply language chosen)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.actions.context import Context


def set_language(context: Context, answers: Mapping[str, Any]) -> None:
    """The phone chose its reply language."""
    context.phone.language = answers["language"]
