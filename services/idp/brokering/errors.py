"""Errors of the banks' admin API (RFC 9457 problem JSON)."""

from __future__ import annotations

from shared.errors import ConflictError, NotFoundError


class BankNotFoundError(NotFoundError):
    code = "bank_not_found"
    title = "Bank not found"


class BankExistsError(ConflictError):
    code = "bank_exists"
    title = "A bank with this id exists"


class BankFromSettingsError(ConflictError):
    """A bank of IDP_BANK_PROVIDERS is changed in the settings, not through the API."""

    code = "bank_in_settings"
    title = "Configured in the settings"
