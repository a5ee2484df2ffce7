"""Wire models of the pki admin API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class TrustedCaOut(BaseModel):
    id: int
    thumbprint: str
    subject: str
    accredited: bool
    not_after: dt.datetime
    created_at: dt.datetime


class CrlOut(BaseModel):
    id: int
    source: str
    this_update: dt.datetime
    next_update: dt.datetime | None
