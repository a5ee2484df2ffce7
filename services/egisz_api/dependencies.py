"""FastAPI dependency aliases for the EGISZ service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from egisz_api.settings import EgiszSettings
from shared.db import session_scope
from shared.tokens import verified_claims


def get_settings(request: Request) -> EgiszSettings:
    settings: EgiszSettings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed before the response is sent, rolled back on error."""
    async with session_scope(request.app.state.session_factory) as session:
        yield session


SettingsDep = Annotated[EgiszSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ClaimsDep = Annotated[dict[str, Any], Depends(verified_claims)]
