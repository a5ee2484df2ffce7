"""Consent failures."""

from __future__ import annotations

from shared.errors import AppError


class NoConsentToWithdrawError(AppError):
    status_code = 409
    code = "no_consent_to_withdraw"
    title = "No consent to withdraw"


class UnknownConsentVersionError(AppError):
    status_code = 500
    code = "unknown_consent_version"
    title = "Unknown consent text version"
