"""FastAPI dependency aliases for the notifier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from sqlalchemy.orm import Session

from notifier.messages.service import Intake
from notifier.settings import NotifierSettings
from shared.db import session_scope
from shared.openapi import bearer_scheme
from shared.tokens import require_scopes, verified_claims


def get_settings(request: Request) -> NotifierSettings:
    settings: NotifierSettings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, committed *before* the response is sent (``scope="function"``):
    a 202 must never be answered for a message whose commit then failed.

    ``async with`` rather than ``async for``: FastAPI throws the handler's exception in here, and
    only a context manager passes it on to ``shared.db.request_session`` so that it rolls back and closes at
    once (on SQLite an open session after a 422 would keep holding the write lock).
    """
    async with session_scope(request.app.state.session_factory) as session:
        yield session


def get_intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


def sending_client(
    request: Request,
    claims: Annotated[dict[str, Any], Depends(verified_claims)],
    _documented: Annotated[object, Security(bearer_scheme)] = None,
) -> str:
    """The calling client's id, once its token carries the send scope (RFC 6750 §3.1 otherwise).

    ``_documented`` only puts the bearer scheme into the OpenAPI document; ``verified_claims``
    checks the token."""
    settings: NotifierSettings = request.app.state.settings
    require_scopes(claims, [settings.send_scope], realm="notifier")
    return str(claims.get("client_id") or claims["sub"])


SettingsDep = Annotated[NotifierSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ClaimsDep = Annotated[dict[str, Any], Depends(verified_claims)]
IntakeDep = Annotated[Intake, Depends(get_intake)]
CallerDep = Annotated[str, Depends(sending_client)]
