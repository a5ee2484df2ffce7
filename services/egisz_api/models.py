"""Every EGISZ model, imported once so that ``Base.metadata`` is complete."""

from __future__ import annotations

from egisz_api.audit.models import AccessEvent, AuditEventRow
from egisz_api.database import Base

__all__ = ["AccessEvent", "AuditEventRow", "Base"]
