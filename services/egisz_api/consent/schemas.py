"""What the consent feature returns: a patient's consent state and the "consent changed" event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Consent.status values that record a refusal by the patient (R4 consent-state-codes)
REFUSED = frozenset({"inactive", "rejected"})


@dataclass(frozen=True)
class ConsentState:
    """The patient's latest personal-data decision: their most recently written patient-privacy
    Consent (None fields when they never had one)."""

    consent_id: str | None = None
    #: its FHIR version (``meta.versionId``)
    version_id: int | None = None
    status: str | None = None
    #: the text version it accepted (from ``policy.uri``); None for a Consent not written by us
    text_version: str | None = None
    given_at: dt.datetime | None = None
    withdrawn_at: dt.datetime | None = None

    @property
    def given(self) -> bool:
        return self.status == "active"

    @property
    def withdrawn(self) -> bool:
        """Suspends everyone's access but the patient's (docs/consent.md "The gate")."""
        return self.status in REFUSED

    def accepted(self, version: str) -> bool:
        """Given, for this text version: what the cabinet asks for before any other page."""
        return self.given and self.text_version == version


@dataclass(frozen=True)
class ConsentChanged:
    """The event each listener gets (in the writing transaction), e.g. the patient's notice."""

    patient_id: str
    #: ``given`` or ``withdrawn``
    change: str
    text_version: str | None
    consent_id: str
    at: dt.datetime
