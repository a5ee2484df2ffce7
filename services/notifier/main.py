"""The notifier application factory."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.orm import Session

from notifier import models  # noqa: F401
from notifier.channels.registry import build_senders
from notifier.delivery.dispatcher import Dispatcher
from notifier.dev_outbox.routes import router as dev_outbox_router
from notifier.messages.outbox import RetryPolicy
from notifier.messages.routes import router as messages_router
from notifier.messages.schemas import document_templates
from notifier.messages.sealing import Sealer
from notifier.messages.service import ENQUEUED, Intake
from notifier.metrics import NotifierMetrics
from notifier.rendering.renderer import Renderer
from notifier.settings import NotifierSettings
from notifier.throttling import RateLimits
from shared.db import make_engine, make_sessionmaker
from shared.http import install_plumbing, set_threadpool_size
from shared.logging import configure_logging
from shared.openapi import amend_openapi
from shared.tokens import JwksCache, JwtVerifier

MIGRATIONS = Path(__file__).parent / "migrations"


def retry_policy(settings: NotifierSettings) -> RetryPolicy:
    return RetryPolicy(
        base_seconds=settings.retry_base_seconds,
        max_seconds=settings.retry_max_seconds,
        max_attempts=settings.max_attempts,
        channel_attempts={
            "email": settings.email_attempts,
            "sms": settings.sms_attempts,
            "push": settings.push_attempts,
        },
    )


def create_app(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    configure_logging("notifier", level=settings.log_level, json_output=settings.log_json)
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=max(0, settings.threadpool_size + 8 - settings.db_pool_size),
    )
    session_factory = make_sessionmaker(engine)
    jwks = JwksCache(settings.idp_jwks_url, min_refresh_interval=settings.jwks_min_refresh_seconds)
    sealer = Sealer(settings.data_key.get_secret_value())
    limits = RateLimits(
        recipient_limit=settings.recipient_rate_limit,
        channel_rates={
            "email": settings.email_send_rate,
            "sms": settings.sms_send_rate,
            "push": settings.push_send_rate,
        },
        redis_url=settings.redis_url,
        key_prefix=settings.rate_limit_key_prefix,
    )
    senders = build_senders(settings, session_factory)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        set_threadpool_size(settings.threadpool_size)
        if settings.dispatcher_enabled:
            await dispatcher.start()
        try:
            yield
        finally:
            await dispatcher.stop()
            for sender in senders.values():
                await sender.aclose()
            limits.close()
            jwks.close()
            engine.dispose()

    app = FastAPI(
        title="Notifier",
        version="0.2.0",
        description="Durable delivery of one-time codes and security notices by e-mail, SMS and push.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.token_verifier = JwtVerifier(
        jwks, issuer=settings.idp_issuer, audience=settings.audience, realm="notifier"
    )
    plumbing = install_plumbing(
        app,
        service="notifier",
        engine_getter=lambda: engine,
        script_location=MIGRATIONS,
        max_body_bytes=settings.max_body_bytes,
    )
    metrics = NotifierMetrics(plumbing.registry)
    dispatcher = Dispatcher(
        session_factory=session_factory,
        senders=senders,
        renderer=Renderer(),
        sealer=sealer,
        limits=limits,
        metrics=metrics,
        policy=retry_policy(settings),
        timeouts={
            "email": settings.email_timeout_seconds,
            "sms": settings.sms_timeout_seconds,
            "push": settings.push_timeout_seconds,
        },
        concurrency=settings.dispatcher_concurrency,
        poll_seconds=settings.dispatcher_poll_seconds,
        lease_seconds=settings.claim_lease_seconds,
        shutdown_grace_seconds=settings.shutdown_grace_seconds,
        retention_days=settings.retention_days,
        rng=random.Random(),
    )
    app.state.notifier_metrics = metrics
    app.state.dispatcher = dispatcher
    app.state.senders = senders
    app.state.intake = Intake(
        sealer=sealer,
        limits=limits,
        available_channels=frozenset(senders),
        max_params_bytes=settings.max_params_bytes,
        metrics=metrics,
    )

    @event.listens_for(session_factory, "after_commit")
    def _announce_enqueued(session: Session) -> None:
        # After commit, never before: a dispatcher woken earlier could miss the uncommitted row.
        templates: list[Any] = session.info.pop(ENQUEUED, [])
        for template in templates:
            metrics.queued.labels(template).inc()
        if templates:
            dispatcher.wake()

    @event.listens_for(session_factory, "after_rollback")
    def _forget_enqueued(session: Session) -> None:
        session.info.pop(ENQUEUED, None)

    app.include_router(messages_router)
    if settings.dev_outbox_enabled:
        app.include_router(dev_outbox_router)
    amend_openapi(app, document_templates)
    return app
