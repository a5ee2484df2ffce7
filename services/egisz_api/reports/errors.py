"""The reports' failures: OperationOutcome under /fhir, problem JSON under /api/v1."""

from __future__ import annotations

from shared.errors import AppError
from shared.tokens import InsufficientScopeError


class ReportRequestError(AppError):
    """A parameter is missing, malformed or out of range."""

    status_code = 400
    code = "invalid_report_request"
    title = "Invalid report request"


class UnsupportedReportError(ReportRequestError):
    code = "report_not_supported"
    title = "Not supported"
    #: the OperationOutcome ``issue.code``
    issue_code = "not-supported"


class UnknownMeasureError(AppError):
    status_code = 404
    code = "not_found"
    title = "Unknown measure"


class ReportAccessDeniedError(InsufficientScopeError):
    """The role may not read aggregates, or a regional authority asked for another region."""

    code = "access_denied"
    title = "Access denied"
