"""Failures of a records export."""

from __future__ import annotations

from shared.errors import AppError


class FontMissingError(AppError):
    """The operator did not install the PDF font (a 503: the Bundle export still works)."""

    status_code = 503
    code = "pdf_font_missing"
    title = "The PDF export is not available"


class NoRecordError(AppError):
    status_code = 404
    code = "no_record"
    title = "No medical record is linked to this person"
