"""Failures of the FHIR REST layer itself (rendered as OperationOutcome, R4 §3.1.0.6)."""

from __future__ import annotations

from typing import ClassVar

from shared.errors import AppError


class FhirError(AppError):
    #: the OperationOutcome ``issue.code`` (R4 value set issue-type)
    issue_code: ClassVar[str] = "invalid"


class UnsupportedParameterError(FhirError):
    status_code = 400
    code = "unsupported_parameter"
    title = "Unsupported search parameter"
    issue_code = "not-supported"


class InvalidSearchError(FhirError):
    status_code = 400
    code = "invalid_search"
    title = "Invalid search"
    issue_code = "value"


class UnknownTypeError(FhirError):
    status_code = 404
    code = "unknown_type"
    title = "Unknown resource type"
    issue_code = "not-supported"


class NotAcceptableError(FhirError):
    status_code = 406
    code = "not_acceptable"
    title = "Not acceptable"
    issue_code = "not-supported"


class UnsupportedMediaTypeError(FhirError):
    status_code = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"
    issue_code = "not-supported"


class PayloadTooLargeError(FhirError):
    status_code = 413
    code = "payload_too_large"
    title = "Resource too large"
    issue_code = "too-costly"


class InvalidHeaderError(FhirError):
    status_code = 400
    code = "invalid_header"
    title = "Invalid header"
    issue_code = "value"


class AuditEventWriteError(FhirError):
    """AuditEvent has no write interaction (EGISZ.md §5 row 30): 405 with ``Allow: GET``."""

    status_code = 405
    code = "method_not_allowed"
    title = "AuditEvents cannot be written"
    issue_code = "not-supported"
