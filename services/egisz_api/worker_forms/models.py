"""``worker_parked_forms``: a form a worker submitted with a password-level session, kept while the
worker signs at the idp (docs/worker-forms.md).

The row is keyed by SHA-256 of a random handle (the handle travels in the return address; the
medical data never does), names the cabinet session that parked it (``session_hash`` = that
session's ``id_hash``) and expires after ``EGISZ_WORKER_FORM_PARK_MINUTES``. The data is sealed
(AES-256-GCM) under a key derived from the parking session's own cookie token
(:mod:`egisz_api.cabinet.sealing`): another session, or a copy of the table, cannot open it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from egisz_api.database import Base
from shared.db import UTCDateTime


class ParkedForm(Base):
    __tablename__ = "worker_parked_forms"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    patient_id: Mapped[str] = mapped_column(String(64))
    data_sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
