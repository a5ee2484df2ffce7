"""Failures of a patient's correction or deletion request (OperationOutcome under /fhir, a page field
error in the cabinet)."""

from __future__ import annotations

from shared.errors import AppError


class InvalidRequestTaskError(AppError):
    """A patient's Task breaks a rule of a data-subject request (docs/rights.md)."""

    status_code = 422
    code = "invalid_request_task"
    title = "Not a valid correction or deletion request"

    def __init__(self, detail: str, *, field: str = "text") -> None:
        super().__init__(detail)
        #: which cabinet form field the problem belongs to (kind, focus or text)
        self.field = field
