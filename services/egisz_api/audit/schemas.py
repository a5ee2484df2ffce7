from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class AccessEventOut(BaseModel):
    occurred_at: dt.datetime
    client_id: str | None
    action: str
    resource: str
    outcome: str


class WhoAmI(BaseModel):
    subject: str
    client_id: str | None
    scope: list[str]
    recent_access: list[AccessEventOut]
