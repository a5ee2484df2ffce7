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


class FontMissingError(AppError):
    status_code = 503
    code = "pdf_font_missing"
    title = "The PDF certificate is not available"
