"""What the ESIA face's services get besides the request's session (CONVENTIONS "Collaborators as
typed arguments"): built once in ``main.py``, handed to the routes by a dependency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from idp.pki import gost
from idp.settings import IdpSettings
from idp.tokens.issuance import TokenIssuer
from shared.db import utcnow


class Employment(Protocol):
    """Whether the account works for the organisation ``org_oid`` (ESIA.md §7.3, ESIA-007194).

    The organisations feature provides the real one; the integrator wires it in ``main.py``."""

    def __call__(self, session: Session, account_id: int, org_oid: str) -> bool: ...


def nobody_employed(session: Session, account_id: int, org_oid: str) -> bool:
    """The default until the organisations feature is wired: nobody works anywhere."""
    return False


@dataclass(frozen=True)
class EsiaContext:
    settings: IdpSettings
    tokens: TokenIssuer
    #: checks raw GOST and GOST CMS signatures (the OpenSSL engine when installed)
    gost_verifier: gost.GostVerifier
    employment: Employment = nobody_employed
    clock: Callable[[], dt.datetime] = field(default=utcnow)
