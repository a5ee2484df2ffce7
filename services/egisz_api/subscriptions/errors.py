"""Failures of the Subscription feature (rendered as OperationOutcome under /fhir)."""

from __future__ import annotations

from shared.errors import AppError


class InvalidSubscriptionError(AppError):
    """Criteria outside the documented subset, a channel this server does not serve: 400."""

    status_code = 400
    code = "invalid_subscription"
    title = "Invalid Subscription"
    issue_code = "not-supported"


class SubscriptionNotFoundError(AppError):
    status_code = 404
    code = "not_found"
    title = "Resource not found"
