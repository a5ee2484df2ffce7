"""The terminology feature's failures (OperationOutcome under /fhir; issue types of R4 issue-type)."""

from __future__ import annotations

from typing import ClassVar

from egisz_api.records.errors import ResourceValidationError
from shared.errors import AppError


class TerminologyError(AppError):
    #: the OperationOutcome ``issue.code``
    issue_code: ClassVar[str] = "invalid"


class UnknownCodeSystemError(TerminologyError):
    """``$lookup`` of a system this server does not hold (R4 CodeSystem-lookup: an error, 404)."""

    status_code = 404
    code = "unknown_code_system"
    title = "Unknown code system"
    issue_code = "not-found"


class UnknownCodeError(TerminologyError):
    status_code = 404
    code = "unknown_code"
    title = "Unknown code"
    issue_code = "not-found"


class UnknownValueSetError(TerminologyError):
    status_code = 404
    code = "unknown_value_set"
    title = "Unknown value set"
    issue_code = "not-found"


class TerminologyResourceNotFoundError(TerminologyError):
    status_code = 404
    code = "not_found"
    title = "Resource not found"
    issue_code = "not-found"


class MissingParameterError(TerminologyError):
    status_code = 400
    code = "missing_parameter"
    title = "Missing parameter"
    issue_code = "required"


class InvalidParameterError(TerminologyError):
    status_code = 400
    code = "invalid_parameter"
    title = "Invalid parameter"
    issue_code = "invalid"


class UnsupportedParameterError(TerminologyError):
    status_code = 400
    code = "unsupported_parameter"
    title = "Unsupported parameter"
    issue_code = "not-supported"


class TerminologyMethodError(TerminologyError):
    """CodeSystem and ValueSet have no write interaction: 405 with ``Allow`` (what the path serves)."""

    status_code = 405
    code = "method_not_allowed"
    title = "Method not allowed"
    issue_code = "not-supported"


class CodeNotInValueSetError(ResourceValidationError):
    """A write whose coded element holds a code outside its bound value set (422, one issue per
    element, each naming it in ``expression``; the submitted codes are not echoed: they are
    medical data)."""

    code = "code_not_in_value_set"
    title = "A code is outside its value set"
    issue_code: ClassVar[str] = "code-invalid"
