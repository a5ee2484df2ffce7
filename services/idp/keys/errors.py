from __future__ import annotations

from shared.errors import AppError


class NoNextKeyError(AppError):
    status_code = 409
    code = "no_next_key"
    title = "No next key"


class NoSigningKeyError(AppError):
    status_code = 503
    code = "no_signing_key"
    title = "No signing key"
