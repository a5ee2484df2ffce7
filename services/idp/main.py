"""The identity provider application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from idp import models  # noqa: F401  (registers every table on Base.metadata)
from idp.clients.secrets import SecretHasher
from idp.keys import crypto
from idp.keys.routes import router as keys_router
from idp.keys.service import KeyStore, ensure_signing_keys
from idp.oauth2.routes import router as oauth2_router
from idp.oauth2.tokens import AccessTokenIssuer
from idp.settings import IdpSettings
from shared.db import make_engine, make_sessionmaker
from shared.http import install_plumbing
from shared.logging import configure_logging

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: IdpSettings | None = None) -> FastAPI:
    settings = settings or IdpSettings()
    configure_logging("idp", level=settings.log_level, json_output=settings.log_json)
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    session_factory = make_sessionmaker(engine)
    encryptor = crypto.KeyEncryptor(settings.key_encryption_key.get_secret_value())
    key_store = KeyStore(session_factory, encryptor, settings.key_cache_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # First start: generate and store the signing keys (private parts sealed by the KEK).
        await run_in_threadpool(ensure_signing_keys, session_factory, encryptor, crypto.SUPPORTED_ALGS)
        yield
        engine.dispose()

    app = FastAPI(
        title="IdP",
        version="0.1.0",
        description="National-ID-style identity provider: OpenID Connect and an ESIA-compatible face.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.key_store = key_store
    app.state.key_encryptor = encryptor
    app.state.secret_hasher = SecretHasher(settings.client_secret_pepper.get_secret_value())
    app.state.token_issuer = AccessTokenIssuer(key_store, settings.issuer, settings.access_token_ttl)
    install_plumbing(
        app,
        service="idp",
        engine_getter=lambda: engine,
        script_location=MIGRATIONS,
        max_body_bytes=settings.max_body_bytes,
    )
    app.include_router(keys_router)
    app.include_router(oauth2_router)
    return app
