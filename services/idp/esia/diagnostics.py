"""Diagnoses of refused ESIA requests, for the client's own developers (issue 12 item 8).

The wire answer stays exactly ESIA's; the explanation (the string we expected to be signed and the
one found, the certificates found vs registered, the algorithm, the timestamp skew, the missing
parameter, what to change) is stored here under a short handle that the error's description ends
with (``ESIA-007053: OAuthErrorEnum.clientSecretWrong [diag 7f3a…]``) in dev mode, and that the
operator reads through the admin API. Never the person's data, never a secret: a diagnosis holds
what the client sent and what its registration says.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from idp.esia import repository
from idp.esia.errors import EsiaError
from idp.esia.models import EsiaDiagnosis
from shared.db import utcnow

#: how long a diagnosis is kept
RETENTION = dt.timedelta(days=7)


def record(session: Session, client_id: str, endpoint: str, error: EsiaError) -> EsiaDiagnosis:
    """Store why ``error`` happened; the caller commits it with (or despite) the refusal."""
    now = utcnow()
    repository.purge_diagnoses(session, now - RETENTION)
    detail: dict[str, Any] = {"error": error.error, "description": error.description, **error.diagnosis}
    row = EsiaDiagnosis(
        handle=secrets.token_hex(6),
        client_id=client_id[:128],
        endpoint=endpoint,
        code=error.code,
        detail=detail,
        created_at=now,
    )
    repository.add(session, row)
    return row


def tagged(description: str, row: EsiaDiagnosis) -> str:
    """``description`` with the diagnosis handle in its tail (dev mode)."""
    return f"{description} [diag {row.handle}]"


def find(session: Session, handle: str) -> EsiaDiagnosis | None:
    return repository.diagnosis(session, handle)


def recent(session: Session, client_id: str, limit: int = 50) -> Sequence[EsiaDiagnosis]:
    return repository.diagnoses_of(session, client_id, limit)
