"""The timeline's failures (shown to a browser as the shared error page)."""

from __future__ import annotations

from shared.errors import AppError


class EntryNotFoundError(AppError):
    """No such entry in this patient's record (another patient's entry looks the same)."""

    status_code = 404
    code = "record_entry_not_found"
    title = "No such entry in your record"


class InvalidTimelineQueryError(AppError):
    status_code = 400
    code = "invalid_timeline_query"
    title = "The timeline cannot be shown for this address"
