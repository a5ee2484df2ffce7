"""The consent gate (EGISZ.md §5 (A) step 4): may a non-patient caller reach this patient's records?

The real gate is :class:`egisz_api.consent.gate.WithdrawalGate`, ``create_app``'s default; another
plugs in by implementing :class:`ConsentGate` and being handed to ``create_app`` (``consent_gate=``).
A refusal is answered 403 ``consent_withdrawn`` (access.errors.ConsentWithdrawnError).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from egisz_api.access.service import Caller


class ConsentGate(Protocol):
    def allows(self, session: Session, caller: Caller, patient_id: str) -> bool: ...


class AllowAll:
    """A gate that withholds nothing (for measuring the FHIR layer without the consent lookup)."""

    def allows(self, session: Session, caller: Caller, patient_id: str) -> bool:
        return True
