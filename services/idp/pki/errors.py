"""The pki feature's errors: each a stable ``code`` a client can branch on, never a 500."""

from __future__ import annotations

from shared.errors import AppError, ConflictError, NotFoundError


class CertificateFormatError(AppError):
    """Not a certificate we can read: corrupted, truncated, wrong format."""

    status_code = 422
    code = "certificate_invalid"
    title = "Not a readable certificate"


class CertificateTooLargeError(AppError):
    status_code = 413
    code = "certificate_too_large"
    title = "File too large"


class PrivateKeyRefusedError(AppError):
    """A PEM or .pfx holding a private key: refused, never stored (the key must stay with its owner)."""

    status_code = 422
    code = "private_key_refused"
    title = "A private key was sent"


class CrlFormatError(AppError):
    status_code = 422
    code = "crl_invalid"
    title = "Not a readable certificate revocation list"


class CrlIssuerUnknownError(AppError):
    status_code = 422
    code = "crl_issuer_unknown"
    title = "The CRL's issuer is not a trusted CA"


class CrlSignatureError(AppError):
    status_code = 422
    code = "crl_signature_invalid"
    title = "The CRL is not signed by its issuer"


class NotACaError(AppError):
    status_code = 422
    code = "not_a_ca_certificate"
    title = "Not a CA certificate"


class TrustedCaNotFoundError(NotFoundError):
    code = "trusted_ca_not_found"
    title = "Trusted CA not found"


class CrlNotPublishedError(NotFoundError):
    code = "crl_not_found"
    title = "No CRL published for this CA"


class TrustedCaExistsError(ConflictError):
    code = "trusted_ca_exists"
    title = "CA already trusted"


class CertificateNotTrustedError(AppError):
    """Path validation refused the certificate; ``reason`` is the verdict's stable reason."""

    status_code = 422
    code = "certificate_not_trusted"
    title = "Certificate not accepted"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, extra={"reason": reason})
        self.reason = reason


class SnilsMismatchError(AppError):
    status_code = 422
    code = "snils_mismatch"
    title = "The certificate names another person's SNILS"


class CertificateAlreadyBoundError(ConflictError):
    code = "certificate_already_bound"
    title = "Certificate already bound"


class BoundCertificateNotFoundError(NotFoundError):
    code = "bound_certificate_not_found"
    title = "Bound certificate not found"
