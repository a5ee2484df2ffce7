"""FastAPI dependency aliases for the notifier."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from notifier.settings import NotifierSettings
from shared.tokens import verified_claims


def get_settings(request: Request) -> NotifierSettings:
    settings: NotifierSettings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SettingsDep = Annotated[NotifierSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ClaimsDep = Annotated[dict[str, Any], Depends(verified_claims)]
