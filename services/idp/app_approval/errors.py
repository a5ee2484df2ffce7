"""What the app's API answers when an approval cannot be given (RFC 9457 problem codes)."""

from __future__ import annotations

from shared.errors import AppError


class DeviceCredentialError(AppError):
    status_code = 401
    code = "invalid_device_credential"
    title = "The device credential is unknown or was removed"


class ApprovalNotFoundError(AppError):
    status_code = 404
    code = "approval_not_found"
    title = "No such approval"


class ApprovalForeignError(AppError):
    """The approval belongs to another account's login."""

    status_code = 403
    code = "approval_foreign_account"
    title = "The approval belongs to another account"


class ApprovalExpiredError(AppError):
    status_code = 410
    code = "approval_expired"
    title = "The approval has expired"


class ApprovalAnsweredError(AppError):
    """Already approved, denied or used: one approval answers one login once."""

    status_code = 409
    code = "approval_already_answered"
    title = "The approval was already answered"


class DeviceNotFoundError(AppError):
    status_code = 404
    code = "app_device_not_found"
    title = "No such app device"
