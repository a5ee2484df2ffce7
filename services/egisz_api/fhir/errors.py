"""Failures of the FHIR REST layer itself (rendered as OperationOutcome, R4 §3.1.0.6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


class MultipleMatchesError(FhirError):
    """A conditional create's ``If-None-Exist`` matches more than one resource (R4 §3.1.0.8.1)."""

    status_code = 412
    code = "multiple_matches"
    title = "More than one resource matches"
    issue_code = "multiple-matches"


class InvalidBundleError(FhirError):
    """``POST /fhir`` with something that is not a valid transaction or batch Bundle (400)."""

    status_code = 400
    code = "invalid_bundle"
    title = "Invalid Bundle"
    issue_code = "invalid"

    def __init__(
        self, detail: str, *, issues: Sequence[tuple[str, str]] = (), expression: str | None = None
    ) -> None:
        super().__init__(detail, extra={"expression": expression} if expression else None)
        #: (element path, message) per problem
        self.issues = list(issues)


class EntryMethodNotAllowedError(FhirError):
    """A Bundle entry's method this server does not serve there (DELETE, PATCH...): 405."""

    status_code = 405
    code = "method_not_allowed"
    title = "Method not allowed in a Bundle entry"
    issue_code = "not-supported"


class SignatureRequiredError(FhirError):
    """A medical-data write without the signature level it needs (EGISZ.md §5 (A), row 26):
    401 ``insufficient_user_authentication`` (RFC 9470 §3)."""

    status_code = 401
    code = "insufficient_user_authentication"
    title = "A signature-level login is required"
    issue_code = "login"

    def __init__(
        self, detail: str, *, expression: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        challenge = (
            'Bearer realm="egisz", error="insufficient_user_authentication", '
            'error_description="A signature-level login is required", '
            'acr_values="urn:idp:acr:sig urn:idp:acr:qes"'
        )
        super().__init__(
            detail,
            headers={"WWW-Authenticate": challenge, **(headers or {})},
            extra={"expression": expression} if expression else None,
        )


class SubscriptionMethodError(FhirError):
    """A Subscription is read or deleted, never updated or patched: 405 with ``Allow``."""

    status_code = 405
    code = "method_not_allowed"
    title = "Method not allowed"
    issue_code = "not-supported"
