"""The worker pages' refusals."""

from __future__ import annotations

import datetime as dt

from shared.errors import AppError


class PatientNotFoundError(AppError):
    """No such patient, or a patient of another organisation: the same answer (no existence leak)."""

    status_code = 404
    code = "patient_not_found"


class ConsentWithdrawnError(AppError):
    """The patient withdrew the personal-data consent: no worker may read the record."""

    status_code = 403
    code = "consent_withdrawn"

    def __init__(self, detail: str, withdrawn_at: dt.datetime | None) -> None:
        super().__init__(detail)
        self.withdrawn_at = withdrawn_at
