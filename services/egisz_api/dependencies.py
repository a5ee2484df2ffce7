"""FastAPI dependency aliases for the EGISZ service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from sqlalchemy.orm import Session

from egisz_api.audit.sink import DurableAuditSink
from egisz_api.settings import EgiszSettings
from shared.db import session_scope
from shared.openapi import bearer_scheme
from shared.tokens import verified_claims


def get_settings(request: Request) -> EgiszSettings:
    settings: EgiszSettings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed before the response is sent, rolled back on error."""
    async with session_scope(request.app.state.session_factory) as session:
        yield session


def token_claims(
    claims: Annotated[dict[str, Any], Depends(verified_claims)],
    _documented: Annotated[object, Security(bearer_scheme)] = None,
) -> dict[str, Any]:
    """The bearer token's claims (401 without a valid one, RFC 6750 §3.1).

    ``_documented`` only puts the bearer scheme into the OpenAPI document; ``verified_claims``
    checks the token."""
    return claims


def get_audit_sink(request: Request) -> DurableAuditSink:
    sink: DurableAuditSink = request.app.state.audit_sink
    return sink


SettingsDep = Annotated[EgiszSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ClaimsDep = Annotated[dict[str, Any], Depends(token_claims)]
AuditSinkDep = Annotated[DurableAuditSink, Depends(get_audit_sink)]
