"""The real consent gate (EGISZ.md §5 (A) step 4, §2.3): the FHIR service asks it for every
non-patient caller that reaches a patient's records.

A patient whose latest decision withdrew consent (or refused it) is *suspended*: nobody but the
patient reaches their records until they give it again. A patient who never gave it in the cabinet
is not suspended (docs/consent.md explains why). Nothing is cached, so a withdrawal refuses the
very next request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from egisz_api.consent import service

if TYPE_CHECKING:
    from egisz_api.access.service import Caller


class WithdrawalGate:
    def allows(self, session: Session, caller: Caller, patient_id: str) -> bool:
        return not service.suspended(session, patient_id)
