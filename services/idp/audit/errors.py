from __future__ import annotations

from shared.errors import AppError


class RetentionBelowFloorError(AppError):
    """A purge would delete events younger than the legal minimum retention (R-SEC-1)."""

    status_code = 422
    code = "retention_below_floor"
    title = "Retention below the floor"
