"""The records feature's failures (rendered as OperationOutcome under /fhir)."""

from __future__ import annotations

from collections.abc import Sequence

from shared.errors import AppError


class ResourceNotFoundError(AppError):
    status_code = 404
    code = "not_found"
    title = "Resource not found"


class InvalidResourceError(AppError):
    """The body is not a resource of the expected type (400: structure, not content)."""

    status_code = 400
    code = "invalid_resource"
    title = "Invalid resource"


class ResourceValidationError(AppError):
    """The resource fails FHIR R4 validation (422 with the validator's messages)."""

    status_code = 422
    code = "validation_failed"
    title = "The resource fails FHIR R4 validation"

    def __init__(self, detail: str, issues: Sequence[tuple[str, str]]) -> None:
        super().__init__(detail)
        #: (element path, message) per problem
        self.issues = list(issues)


class VersionConflictError(AppError):
    status_code = 409
    code = "version_conflict"
    title = "Version conflict"


class PreconditionFailedError(AppError):
    """``If-Match`` names another version than the current one (R4 §3.1.0.5 "Managing versions")."""

    status_code = 412
    code = "precondition_failed"
    title = "Precondition failed"
