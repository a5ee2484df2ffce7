"""The notifier application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from notifier import models  # noqa: F401
from notifier.messages.routes import router as messages_router
from notifier.settings import NotifierSettings
from shared.db import make_engine, make_sessionmaker
from shared.http import install_plumbing
from shared.logging import configure_logging
from shared.tokens import JwksCache, JwtVerifier

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    configure_logging("notifier", level=settings.log_level, json_output=settings.log_json)
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    jwks = JwksCache(settings.idp_jwks_url, min_refresh_interval=settings.jwks_min_refresh_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        jwks.close()
        engine.dispose()

    app = FastAPI(
        title="Notifier",
        version="0.1.0",
        description="Durable delivery of one-time codes and security notices by e-mail, SMS and push.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_sessionmaker(engine)
    app.state.token_verifier = JwtVerifier(
        jwks, issuer=settings.idp_issuer, audience=settings.audience, realm="notifier"
    )
    install_plumbing(
        app,
        service="notifier",
        engine_getter=lambda: engine,
        script_location=MIGRATIONS,
        max_body_bytes=settings.max_body_bytes,
    )
    app.include_router(messages_router)
    return app
