from __future__ import annotations

from shared.errors import AppError


class GrantRejectedError(AppError):
    """A code or refresh token that cannot be used; the OAuth glue answers ``invalid_grant``."""

    status_code = 400
    code = "invalid_grant"
    title = "Invalid grant"
