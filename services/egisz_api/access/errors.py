"""Authorization failures (EGISZ.md §5 (A), (D))."""

from __future__ import annotations

from shared.tokens import InsufficientScopeError as InsufficientScopeError


class AccessDeniedError(InsufficientScopeError):
    """The token's scopes allow it, but the caller's role, patient context or consent does not.

    Still a 403 with an RFC 6750 challenge, but with its own code so a client can tell the two apart.
    """

    code = "access_denied"
    title = "Access denied"
    bearer_error = "insufficient_scope"


class ConsentWithdrawnError(AccessDeniedError):
    """The patient withdrew consent to the processing of personal data (EGISZ.md §2.3): everyone
    but the patient is refused until it is given again."""

    code = "consent_revoked"  # EGISZ.md §2.3; also the AuditEvent outcomeDesc
    title = "Consent withdrawn"
    #: the OperationOutcome ``issue.code`` (R4 issue-type: the caller lacks the right)
    issue_code = "forbidden"
