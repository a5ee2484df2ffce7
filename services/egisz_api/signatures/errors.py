"""Failures of the signature rule for medical writes (EGISZ.md §5 (A), (C); RFC 9470)."""

from __future__ import annotations

from typing import ClassVar

from egisz_api.access.errors import AccessDeniedError
from shared.errors import AppError
from shared.tokens import BearerError

#: RFC 9470 §3 ``acr_values``: what a login must prove for a medical write (idp's assurance table)
STEP_UP_ACR_VALUES = "urn:idp:acr:sig urn:idp:acr:qes"


class InsufficientUserAuthenticationError(BearerError):
    """RFC 9470 §3: the token is valid but its login was weaker than a signature; the client sends
    the person back to the idp with ``acr_values`` and retries."""

    status_code = 401
    code = "insufficient_user_authentication"
    title = "A signature-level login is required"
    bearer_error = "insufficient_user_authentication"
    issue_code: ClassVar[str] = "login"

    def __init__(self, detail: str, *, realm: str) -> None:
        super().__init__(detail, realm=realm, acr_values=STEP_UP_ACR_VALUES)


class OrganizationMismatchError(AccessDeniedError):
    """A worker writes for a patient who is not their organisation's (issue 14 item 2)."""

    code = "organization_mismatch"
    title = "The patient is not of the caller's organisation"
    issue_code: ClassVar[str] = "forbidden"


class ProvenanceRefusedError(AppError):
    """A supplied Provenance cannot satisfy the rule: nothing is written (422 OperationOutcome)."""

    status_code = 422
    code = "provenance_invalid"
    title = "The Provenance is not acceptable"
    issue_code: ClassVar[str] = "invalid"


class SignatureInvalidError(ProvenanceRefusedError):
    code = "signature_invalid"
    title = "The Provenance signature does not verify"


class CertificateRevokedError(ProvenanceRefusedError):
    code = "certificate_revoked"
    title = "The signer's certificate is revoked"


class CertificateExpiredError(ProvenanceRefusedError):
    code = "certificate_expired"
    title = "The signer's certificate is not valid at this time"


class CertificateUntrustedError(ProvenanceRefusedError):
    code = "certificate_untrusted"
    title = "The signer's certificate is not trusted"


class NotDeletableError(AppError):
    """DELETE of a type that is not a clinical record (R4 §3.1.0.9; EGISZ.md §5 (C))."""

    status_code = 405
    code = "method_not_allowed"
    title = "This resource type cannot be deleted"
    issue_code: ClassVar[str] = "not-supported"


class ServerWrittenError(AppError):
    """Provenance is written by this server with each signed write (EGISZ.md §5 row 27: read and
    search only); a client supplies one in ``X-Provenance`` instead."""

    status_code = 405
    code = "method_not_allowed"
    title = "This resource type is written by the server only"
    issue_code: ClassVar[str] = "not-supported"
