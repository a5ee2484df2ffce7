"""The COVID feature's errors."""

from __future__ import annotations

from shared.errors import AppError


class NoVaccinationError(AppError):
    status_code = 404
    code = "no_completed_vaccination"
    title = "No completed COVID-19 vaccination"


class CertificateKeyMissingError(AppError):
    status_code = 503
    code = "certificate_key_missing"
    title = "The certificate signing key is not configured"


class CertificateOperationDeniedError(AppError):
    status_code = 403
    code = "forbidden"
    title = "Only the patient or an integrator system may get the certificate"
