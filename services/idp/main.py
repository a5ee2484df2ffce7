"""The identity provider application factory."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from idp import models  # noqa: F401  (registers every table on Base.metadata)
from idp.accounts.admin_routes import router as accounts_admin_router
from idp.accounts.contacts import AccountsContext
from idp.accounts.protection import FieldCipher
from idp.accounts.records_routes import router as records_admin_router
from idp.accounts.registry import HttpRegistry, IdentityRegistry, SandboxRegistry, UnconfiguredRegistry
from idp.accounts.routes import router as accounts_router
from idp.app_approval.routes import dev_router as app_dev_router
from idp.app_approval.routes import router as app_approval_router
from idp.app_approval.security_routes import router as app_devices_router
from idp.brokering.account_routes import router as bank_links_router
from idp.brokering.admin_routes import router as banks_admin_router
from idp.brokering.client import BankDirectory
from idp.brokering.context import BankContext
from idp.brokering.routes import router as bank_login_router
from idp.cabinet.contacts_routes import router as contacts_router
from idp.cabinet.routes import router as cabinet_router
from idp.cabinet.security_routes import router as security_router
from idp.cabinet.signatures_routes import router as signatures_router
from idp.clients.routes import router as clients_router
from idp.clients.secrets import SecretHasher
from idp.clients.service import ClientDirectory
from idp.consents.routes import router as consents_router
from idp.demo_rp.routes import router as demo_rp_router
from idp.dependencies import OAuthCollaborators
from idp.esia.admin_routes import router as esia_admin_router
from idp.esia.context import EsiaContext
from idp.esia.diagnosis_routes import router as esia_diagnosis_router
from idp.esia.download_routes import router as esia_download_router
from idp.esia.downloads import EsiaDownloads
from idp.esia.rest import RestContext as EsiaRestContext
from idp.esia.rest_routes import router as esia_rest_router
from idp.esia.routes import router as esia_router
from idp.esia.signing import IDP_ALGORITHMS
from idp.esia.token_routes import router as esia_token_router
from idp.keys import crypto
from idp.keys.routes import router as keys_router
from idp.keys.service import KeyStore, ensure_signing_keys
from idp.login.flow import LoginContext
from idp.login.pages import LANG_COOKIE, build_renderer, error_locale, error_pages
from idp.login.recovery_routes import router as recovery_router
from idp.login.routes import router as login_router
from idp.login.signature_routes import router as signature_login_router
from idp.login.throttle import LoginThrottle
from idp.notifications.client import NotifierClient
from idp.notifications.delivery import Notices
from idp.oauth2.api_routes import hot_routes as oauth2_api_hot_routes
from idp.oauth2.api_routes import router as oauth2_api_router
from idp.oauth2.client_auth import JwksUriCache
from idp.oauth2.metadata import MetadataCache
from idp.oauth2.routes import router as oauth2_router
from idp.organizations.admin_routes import router as organizations_admin_router
from idp.passkeys.login_routes import router as passkey_login_router
from idp.passkeys.routes import router as passkeys_router
from idp.pki.admin_routes import router as pki_admin_router
from idp.pki.context import PkiContext, crl_policy
from idp.pki.crl_fetch import HttpRevocationFetcher
from idp.pki.expiry import expiry_loop
from idp.pki.gost import default_verifier
from idp.pki.routes import router as pki_router
from idp.second_factor.one_time import OneTimeCodes
from idp.sessions.backchannel import build_dispatcher
from idp.sessions.service import SessionPolicy
from idp.settings import IdpSettings
from idp.smart.client import SCOPE as SMART_LOOKUP_SCOPE
from idp.smart.client import FhirPatientDirectory
from idp.smart.service import PatientDirectory
from idp.tokens import revocations as revocations_module
from idp.tokens.access import AccessTokens, PersonLookupTokens, ServiceTokenSource
from idp.tokens.id_tokens import IdTokens
from idp.tokens.issuance import TokenIssuer
from idp.tokens.logout_tokens import LogoutTokens
from idp.tokens.revocations import RevocationList
from shared.clock import Clock, system_clock
from shared.db import make_engine, make_sessionmaker
from shared.http import install_plumbing, set_threadpool_size
from shared.logging import configure_logging
from shared.web.policy import policy_router
from shared.web.rendering import mount_design

logger = logging.getLogger("idp")

MIGRATIONS = Path(__file__).parent / "migrations"
#: `make frontend` builds the in-browser signer here (git-ignored; docs/pki.md "Signing in the browser")
STATIC_BUILD = Path(__file__).parent / "static_build"
#: the passkeys' small script (WebAuthn is a browser API; docs/passkeys.md)
PASSKEYS_STATIC = Path(__file__).parent / "passkeys" / "static"


def identity_registry(settings: IdpSettings) -> IdentityRegistry:
    """A configured HTTP registry; else, in dev mode, the sandbox (test values, docs/accounts.md);
    else none: every check is «unavailable» until an operator configures the HTTP registry."""
    if settings.registry_verifier_url:
        token = settings.registry_verifier_token
        return HttpRegistry(settings.registry_verifier_url, token.get_secret_value() if token else None)
    if settings.dev_mode:
        return SandboxRegistry()
    logger.warning("no identity registry configured (IDP_REGISTRY_VERIFIER_URL): standard-level checks wait")
    return UnconfiguredRegistry()


def mount_static_build(app: FastAPI, directory: Path) -> None:
    """Serve the built front-end (the in-browser signer) at ``/static/idp``. Without a build (no
    Node.js where it was installed) nothing is mounted: the signature page then works without
    JavaScript, by uploading a signature file."""
    if not (directory / "pfx-signer.js").is_file():
        logger.warning("%s/pfx-signer.js is missing (run `make frontend`): no in-browser signing", directory)
        return
    app.mount("/static/idp", StaticFiles(directory=directory), name="idp_static")


def create_app(
    settings: IdpSettings | None = None,
    clock: Clock = system_clock,
    *,
    patient_directory: PatientDirectory | None = None,
) -> FastAPI:
    """``patient_directory``: where SMART launches find the person's Patient (default: the EGISZ
    FHIR server at ``smart_fhir_base_url``, asked over HTTP with the idp's own service token)."""
    settings = settings or IdpSettings()
    configure_logging("idp", level=settings.log_level, json_output=settings.log_json)
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=max(0, settings.threadpool_size + 8 - settings.db_pool_size),
    )
    revocations = RevocationList(make_sessionmaker(engine), settings.revocation_sync_seconds)
    # Every session of the app carries the list, so whatever revokes a token can tell it.
    session_info = {revocations_module.SESSION_INFO_KEY: revocations.changed}
    session_factory = make_sessionmaker(engine, info=session_info)
    encryptor = crypto.KeyEncryptor(settings.key_encryption_key.get_secret_value())
    # the default algorithms and the ESIA face's GOST R 34.10-2012 (idp.esia.signing)
    key_store = KeyStore(session_factory, encryptor, settings.key_cache_seconds, algorithms=IDP_ALGORITHMS)
    access_tokens = AccessTokens(key_store, settings.issuer, settings.access_token_ttl)
    # The one token-issuing core every protocol face calls (idp.tokens.issuance).
    token_issuer = TokenIssuer(
        access_tokens, IdTokens(key_store, settings.issuer, settings.id_token_ttl), settings.refresh_token_ttl
    )
    # Its claims take the write lock themselves (BEGIN IMMEDIATE), its idle reads take none.
    logout_tokens = LogoutTokens(key_store, settings.issuer)
    backchannel = build_dispatcher(settings, session_factory, logout_tokens)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        set_threadpool_size(settings.threadpool_size)
        # First start: generate and store the signing keys (private parts sealed by the KEK).
        await run_in_threadpool(ensure_signing_keys, session_factory, encryptor, key_store.algorithms)
        revocation_reader = asyncio.create_task(revocations.run(), name="revocation-list")
        if settings.backchannel_dispatcher_enabled:
            # Durable back-channel logout: drains the outbox, including rows left by a stopped process.
            await backchannel.start()
        if settings.pki_expiry_notices_enabled:
            await app.state.expiry_loop.start()  # the 30-day notice of bound certificates
        # Everything built so far (modules, routes, mappers, templates: ~160k objects) lives as
        # long as the process. Frozen, the collector stops walking it: a full collection took
        # ~100 ms of CPU on every thread's watch, a stall every few hundred logins that showed in
        # the p99 (bench/profile_login.py). Unfrozen on shutdown, so a process that starts apps
        # one after another (the tests) can still collect the ones it has finished with.
        gc.freeze()
        yield
        gc.unfreeze()
        revocation_reader.cancel()
        await backchannel.stop()
        await app.state.expiry_loop.stop(grace_seconds=5)
        app.state.outbound.shutdown(wait=True)
        app.state.notifier.close()
        app.state.fhir_patients.close()
        app.state.crl_fetcher.close()
        engine.dispose()

    app = FastAPI(
        title="IdP",
        version="0.1.0",
        description=(
            "National-ID-style identity provider: OpenID Connect provider (code flow with PKCE, refresh "
            "rotation, introspection, revocation, RP-initiated and back-channel logout) and admin API."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.write_session_factory = make_sessionmaker(engine, write_lock=True, info=session_info)
    app.state.revocations = revocations
    app.state.key_store = key_store
    app.state.key_encryptor = encryptor
    app.state.secret_hasher = SecretHasher(settings.client_secret_pepper.get_secret_value())
    previous_keys = settings.personal_data_previous_keys
    app.state.field_cipher = FieldCipher(
        settings.personal_data_key.get_secret_value(),
        tuple(k for k in (previous_keys.get_secret_value() if previous_keys else "").split(",") if k),
    )
    app.state.token_issuer = token_issuer
    app.state.logout_tokens = logout_tokens
    app.state.backchannel = backchannel
    app.state.notifier = NotifierClient(
        settings.notifier_url,
        ServiceTokenSource(access_tokens, audience="notifier", scope="notify:send"),
        timeout=settings.notifier_timeout,
    )
    app.state.outbound = ThreadPoolExecutor(max_workers=4, thread_name_prefix="notices")
    app.state.crl_fetcher = HttpRevocationFetcher(settings.pki_crl_fetch_timeout)
    app.state.login_throttle = LoginThrottle(settings.login_rate_limit, settings.redis_url)
    app.state.registry = identity_registry(settings)
    app.state.jwks_uri_cache = JwksUriCache()
    app.state.client_directory = ClientDirectory(settings.client_cache_seconds)
    app.state.metadata_cache = MetadataCache(ttl=settings.metadata_cache_seconds)
    app.state.session_policy = SessionPolicy(
        idle_timeout=dt.timedelta(seconds=settings.session_idle_timeout),
        absolute_timeout=dt.timedelta(seconds=settings.session_absolute_timeout),
    )
    # The typed contexts services take instead of app.state (CONVENTIONS "Collaborators as typed
    # arguments"): built once here, handed to routes by the dependencies in dependencies.py.
    notices = Notices(app.state.notifier, app.state.outbound, settings.timezone)
    codes = OneTimeCodes(settings, app.state.notifier, clock)
    app.state.login_context = LoginContext(
        settings, app.state.field_cipher, app.state.session_policy, codes, notices, clock
    )
    app.state.accounts_context = AccountsContext(
        settings, app.state.field_cipher, app.state.registry, codes, notices, clock
    )
    app.state.bank_context = BankContext(
        app.state.login_context, app.state.accounts_context, BankDirectory(settings.bank_timeout)
    )
    app.state.fhir_patients = FhirPatientDirectory(
        settings.smart_fhir_lookup_url or settings.smart_fhir_base_url,
        PersonLookupTokens(access_tokens, audience=settings.smart_fhir_audience, scope=SMART_LOOKUP_SCOPE),
        timeout=settings.smart_fhir_timeout,
    )
    app.state.oauth = OAuthCollaborators(
        settings,
        app.state.secret_hasher,
        token_issuer,
        app.state.field_cipher,
        app.state.jwks_uri_cache,
        app.state.client_directory,
        patient_directory or app.state.fhir_patients,
    )
    # The ESIA face (idp.esia): the same core, its own endpoints. ``employment`` (ESIA-007194) stays
    # "nobody" until the organisations feature provides the real check.
    app.state.esia_context = EsiaContext(settings, token_issuer, default_verifier())
    app.state.esia_downloads = EsiaDownloads(key_store)
    app.state.expiry_loop = expiry_loop(
        session_factory, notices, clock, every_seconds=settings.pki_expiry_check_seconds
    )
    app.state.pki_context = PkiContext(
        app.state.field_cipher, clock, app.state.crl_fetcher, crl_policy(settings)
    )
    app.state.esia_rest = EsiaRestContext(
        session_factory,
        app.state.write_session_factory,
        app.state.field_cipher,
        (settings.esia_public_url or settings.issuer).rstrip("/"),
    )
    app.state.pages = build_renderer(settings)
    app.state.error_pages = error_pages(app.state.pages)
    install_plumbing(
        app,
        service="idp",
        engine_getter=lambda: engine,
        script_location=MIGRATIONS,
        max_body_bytes=settings.max_body_bytes,
        exact_routes=oauth2_api_hot_routes(),
    )
    app.include_router(oauth2_api_router)  # first: the hot paths match after the fewest routes
    mount_design(app)  # /static/design: the shared stylesheet
    mount_static_build(app, STATIC_BUILD)
    app.mount("/static/passkeys", StaticFiles(directory=PASSKEYS_STATIC), name="passkeys_static")
    app.include_router(policy_router(error_locale, LANG_COOKIE, secure=settings.secure_cookies))
    app.include_router(keys_router)
    app.include_router(oauth2_router)
    app.include_router(signature_login_router)
    app.include_router(bank_login_router)
    app.include_router(bank_links_router)
    app.include_router(passkey_login_router)
    app.include_router(passkeys_router)
    app.include_router(login_router)
    app.include_router(app_approval_router)
    app.include_router(app_devices_router)
    if settings.dev_mode:  # the simulated «Госуслуги» app page: 404 outside dev mode
        app.include_router(app_dev_router)
    app.include_router(consents_router)
    app.include_router(cabinet_router)
    app.include_router(security_router)
    app.include_router(contacts_router)
    app.include_router(signatures_router)
    app.include_router(recovery_router)
    app.include_router(accounts_router)
    app.include_router(accounts_admin_router)
    app.include_router(records_admin_router)
    app.include_router(organizations_admin_router)
    app.include_router(clients_router)
    app.include_router(banks_admin_router)
    app.include_router(pki_admin_router)
    app.include_router(pki_router)
    app.include_router(esia_admin_router)
    app.include_router(esia_diagnosis_router)  # 404 outside dev mode
    app.include_router(esia_rest_router)
    app.include_router(esia_token_router)
    app.include_router(esia_router)
    app.include_router(esia_download_router)
    if settings.dev_mode and settings.demo_relying_party:
        app.include_router(demo_rp_router)
    return app
