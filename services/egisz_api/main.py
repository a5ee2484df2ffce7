"""The EGISZ application factory."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
import httpx
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from egisz_api import models  # noqa: F401
from egisz_api.access.consent import ConsentGate
from egisz_api.access_log.routes import router as access_log_router
from egisz_api.audit.journal import Journal
from egisz_api.audit.routes import router as audit_router
from egisz_api.audit.sink import DurableAuditSink
from egisz_api.cabinet import routes as cabinet_routes
from egisz_api.consent import routes as consent_routes
from egisz_api.consent.documents import CURRENT_VERSION
from egisz_api.consent.gate import WithdrawalGate
from egisz_api.consent.service import ConsentListener, check_version
from egisz_api.covid import routes as covid_routes
from egisz_api.data_requests.routes import router as requests_router
from egisz_api.exports.routes import router as export_router
from egisz_api.fhir import routes as fhir_routes
from egisz_api.fhir.auditing import AuditSinkFactory, BalpSink
from egisz_api.fhir.service import RecordListener
from egisz_api.home.routes import router as home_router
from egisz_api.notifications import service as notifications_service
from egisz_api.notifications.api_routes import router as notification_api_router
from egisz_api.notifications.client import NotifierClient, ServiceTokens
from egisz_api.notifications.outbox import Dispatcher
from egisz_api.notifications.routes import router as notification_settings_router
from egisz_api.pages import LANG_COOKIE, build_renderer, error_pages, locale_of
from egisz_api.reports.routes import api_router as reports_api_router
from egisz_api.reports.routes import fhir_router as reports_fhir_router
from egisz_api.reports.routes import page_router as reports_page_router
from egisz_api.settings import EgiszSettings
from egisz_api.signatures.service import SignatureContext
from egisz_api.signatures.trust import HttpCrlSource, TrustStore
from egisz_api.subscriptions.outbox import SubscriptionDispatcher
from egisz_api.terminology import routes as terminology_routes
from egisz_api.timeline.routes import router as timeline_router
from egisz_api.worker_forms.routes import router as worker_forms_router
from egisz_api.workers.routes import router as workers_router
from shared.db import make_engine, make_sessionmaker, utcnow
from shared.http import install_plumbing, set_threadpool_size
from shared.logging import configure_logging
from shared.tokens import JwksCache, JwtVerifier
from shared.web.policy import policy_router
from shared.web.rendering import mount_design

MIGRATIONS = Path(__file__).parent / "migrations"


def journal_directory(settings: EgiszSettings) -> Path:
    """The journal of this database: a directory per database URL under ``audit_journal_dir``, so a
    journal is never replayed into another database."""
    url = make_url(settings.database_url).render_as_string(hide_password=True)
    return settings.audit_journal_dir / hashlib.sha256(url.encode()).hexdigest()[:16]


def notification_dispatcher(
    settings: EgiszSettings, factory: sessionmaker[Session], clock: Callable[[], dt.datetime]
) -> tuple[Dispatcher, httpx.Client]:
    """The notices' dispatcher; it sends only when EGISZ has its idp client secret."""
    outbound = httpx.Client(
        timeout=httpx.Timeout(settings.notifier_timeout, connect=2.0), follow_redirects=False
    )
    client = None
    if settings.notifier_client_secret is not None:
        tokens = ServiceTokens(
            settings.idp_issuer.rstrip("/") + "/token",
            settings.notifier_client_id,
            settings.notifier_client_secret.get_secret_value(),
            http=outbound,
        )
        client = NotifierClient(settings.notifier_url, tokens, http=outbound)
    dispatcher = Dispatcher(factory, client, clock=clock, poll_seconds=settings.notifications_poll_seconds)
    return dispatcher, outbound


def create_app(
    settings: EgiszSettings | None = None,
    *,
    audit_sink: AuditSinkFactory | None = None,
    consent_gate: ConsentGate | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    signatures: SignatureContext | None = None,
) -> FastAPI:
    """The app. ``audit_sink``: how each FHIR access is recorded (default: a BALP AuditEvent in the
    durable trail);
    ``consent_gate``: the consent check for non-patient callers (default: a withdrawn consent
    suspends them, docs/consent.md);
    ``signatures``: trust anchors and CRL source for signed Provenances (default: from the settings,
    CRLs fetched over HTTP)."""
    settings = settings or EgiszSettings()
    configure_logging("egisz_api", level=settings.log_level, json_output=settings.log_json)
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=max(0, settings.threadpool_size + 8 - settings.db_pool_size),
    )
    durable_audit = DurableAuditSink(
        make_sessionmaker(engine, write_lock=True),
        Journal(journal_directory(settings), fsync=settings.audit_journal_fsync),
        observer=settings.audit_observer,
        batch_max=settings.audit_batch_max,
        drain_interval=settings.audit_drain_interval_seconds,
        drain_batch=settings.audit_drain_batch,
        segment_bytes=settings.audit_segment_bytes,
    )
    jwks = JwksCache(settings.idp_jwks_url, min_refresh_interval=settings.jwks_min_refresh_seconds)
    dispatcher, outbound = notification_dispatcher(
        settings, make_sessionmaker(engine, write_lock=True), clock
    )

    gate = consent_gate or WithdrawalGate()
    hooks = httpx.Client(
        timeout=httpx.Timeout(settings.subscription_timeout, connect=2.0), follow_redirects=False
    )
    subscription_dispatcher = SubscriptionDispatcher(
        make_sessionmaker(engine, write_lock=True),
        hooks,
        gate,
        base=settings.public_url.rstrip("/") + "/fhir",
        clock=clock,
        poll_seconds=settings.notifications_poll_seconds,
        max_attempts=settings.subscription_max_attempts,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        set_threadpool_size(settings.threadpool_size)
        # replays what a killed process left in the journal before the first request
        await anyio.to_thread.run_sync(durable_audit.start)
        if settings.notifications_enabled:
            await dispatcher.loop.start()
            await subscription_dispatcher.loop.start()
        try:
            yield
        finally:
            await dispatcher.loop.stop(grace_seconds=5.0)
            await subscription_dispatcher.loop.stop(grace_seconds=5.0)
            outbound.close()
            hooks.close()
            await anyio.to_thread.run_sync(durable_audit.close)  # graceful shutdown flushes
            cabinet_routes.close(app)
            if isinstance(app.state.signatures.crl_source, HttpCrlSource):
                app.state.signatures.crl_source.close()
        jwks.close()
        engine.dispose()

    app = FastAPI(
        title="EGISZ API",
        version="0.1.0",
        description="EGISZ health records: FHIR R4 API for integrators and the patient cabinet.",
        lifespan=lifespan,
        # metrics are Prometheus' (/metrics); FastAPI's native OpenTelemetry stays off: with no
        # provider configured its per-request check alone cost ~5 % of a FHIR read (docs/fhir.md)
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_sessionmaker(engine, write_lock=True)
    app.state.audit_sink = durable_audit
    app.state.token_verifier = JwtVerifier(
        jwks, issuer=settings.idp_issuer, audience=settings.audience, realm="egisz"
    )
    app.state.audit_sink_factory = audit_sink or (lambda _session: BalpSink(durable_audit, clock))
    app.state.consent_gate = gate
    app.state.consent_version = check_version(settings.consent_version or CURRENT_VERSION)
    #: called on each consent change, in its transaction (docs/consent.md "Events")
    consent_listeners: list[ConsentListener] = [notifications_service.on_consent_changed]
    app.state.consent_listeners = consent_listeners
    #: called on each FHIR create or update, in its transaction (the covid feature's revocation)
    record_listeners: list[RecordListener] = []
    app.state.record_listeners = record_listeners
    app.state.clock = clock
    app.state.signatures = signatures or SignatureContext(
        store=TrustStore.from_files(settings.signature_qualified_cas, settings.signature_unqualified_cas),
        required=settings.signed_writes_required,
    )
    app.state.notifications = dispatcher
    app.state.subscriptions = subscription_dispatcher
    app.state.started_at = clock().date().isoformat()
    app.state.pages = build_renderer(settings)
    app.state.error_pages = error_pages(app.state.pages)
    install_plumbing(
        app,
        service="egisz_api",
        engine_getter=lambda: engine,
        script_location=MIGRATIONS,
        max_body_bytes=settings.max_body_bytes,
    )
    mount_design(app)
    app.include_router(home_router)
    app.include_router(policy_router(locale_of, LANG_COOKIE, secure=not settings.dev_mode))
    app.include_router(audit_router)
    cabinet_routes.install(app)
    consent_routes.install(app)
    app.include_router(timeline_router)
    app.include_router(access_log_router)
    app.include_router(workers_router)
    app.include_router(worker_forms_router)
    rights_routers = (export_router, requests_router, notification_settings_router, notification_api_router)
    for rights_router in rights_routers:
        app.include_router(rights_router)
    covid_routes.install(app)
    app.include_router(reports_api_router)
    app.include_router(reports_page_router)
    # ahead of the generic /fhir/{type} routes, which would answer Measure and MeasureReport as unknown types
    app.include_router(reports_fhir_router)
    terminology_routes.install(app)  # ahead of the generic /fhir/{type} routes
    fhir_routes.install(app)
    return app
