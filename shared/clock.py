"""The clock services take as a collaborator, so that tests move time instead of sleeping or
patching ``time`` (CONVENTIONS "Collaborators as typed arguments")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

#: returns the current time, timezone-aware (UTC)
Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
