"""What the ESIA face's services get besides the request's session (CONVENTIONS "Collaborators as
typed arguments"): built once in ``main.py``, handed to the routes by a dependency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from idp.organizations import service as organizations_service
from idp.pki import gost
from idp.settings import IdpSettings
from idp.tokens.issuance import TokenIssuer
from shared.db import utcnow


class Employment(Protocol):
    """Whether the account works for the organisation ``org_oid`` (ESIA.md §7.3, ESIA-007194)."""

    def __call__(self, session: Session, account_id: int, org_oid: str) -> bool: ...


def employed(session: Session, account_id: int, org_oid: str) -> bool:
    """The organisations feature's answer; an ``org_oid`` that is not an oid names nobody's employer."""
    if not org_oid.isdigit() or len(org_oid) > 18:
        return False
    return organizations_service.is_employee(session, account_id, int(org_oid))


@dataclass(frozen=True)
class EsiaContext:
    settings: IdpSettings
    tokens: TokenIssuer
    #: checks raw GOST and GOST CMS signatures (the OpenSSL engine when installed)
    gost_verifier: gost.GostVerifier
    employment: Employment = employed
    clock: Callable[[], dt.datetime] = field(default=utcnow)
