"""Failures of the audit search."""

from __future__ import annotations

from shared.errors import AppError


class InvalidSearchError(AppError):
    status_code = 400
    code = "invalid_search"
    title = "Invalid AuditEvent search"


class AuditAccessDeniedError(AppError):
    status_code = 403
    code = "forbidden"
    title = "Not allowed to read these AuditEvents"


class AuditEventNotFoundError(AppError):
    """No such AuditEvent, or one outside the caller's compartment (its existence is hidden)."""

    status_code = 404
    code = "not_found"
    title = "AuditEvent not found"


class AuditUnavailableError(AppError):
    """The sink could not make the AuditEvent durable: the access is refused rather than left
    unaudited."""

    status_code = 503
    code = "audit_unavailable"
    title = "The audit log is unavailable"
