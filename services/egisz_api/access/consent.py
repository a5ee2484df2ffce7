"""The consent gate (EGISZ.md §5 (A) step 4): may a non-patient caller reach this patient's records?

The consent feature comes next; until then every caller passes. It plugs in by implementing
:class:`ConsentGate` and being handed to ``create_app`` (``consent_gate=``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from egisz_api.access.service import Caller


class ConsentGate(Protocol):
    def allows(self, session: Session, caller: Caller, patient_id: str) -> bool: ...


class AllowAll:
    """The default gate: no consent records exist yet, so nothing is withheld."""

    def allows(self, session: Session, caller: Caller, patient_id: str) -> bool:
        return True
