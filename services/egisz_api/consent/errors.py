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


class ConsentRequiredError(Exception):
    """A cabinet page was asked for before consent to the current text was given: the browser goes
    to the consent page and comes back to ``return_to`` afterwards."""

    def __init__(self, return_to: str) -> None:
        super().__init__("consent to the current text is not given")
        self.return_to = return_to
