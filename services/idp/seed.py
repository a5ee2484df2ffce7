"""Demo data for ``make run`` (dev mode only). Idempotent: running it twice changes nothing."""

from __future__ import annotations

from typing import Any

from idp.clients.secrets import SecretHasher
from idp.clients.service import ClientSpec, ensure_client
from idp.settings import IdpSettings
from shared.db import make_engine, make_sessionmaker

#: Fixed demo credentials so that var/demo.json stays valid across restarts. Dev mode only.
DEMO_SERVICE_CLIENTS = [
    (
        ClientSpec(
            client_id="egisz-api",
            name="EGISZ API (service account)",
            grant_types=["client_credentials"],
            scopes=["notify:send"],
            default_audience="notifier",
            audiences=["notifier"],
        ),
        "demo-egisz-api-service-secret-0123456789abcdef",
    ),
    (
        ClientSpec(
            client_id="demo-integrator",
            name="Demo medical information system",
            grant_types=["client_credentials"],
            scopes=["notify:send", "egisz:read"],
            default_audience="egisz",
            audiences=["egisz", "notifier"],
        ),
        "demo-integrator-service-secret-0123456789abcdef",
    ),
]


def seed(settings: IdpSettings) -> dict[str, Any]:
    engine = make_engine(settings.database_url)
    hasher = SecretHasher(settings.client_secret_pepper.get_secret_value())
    created: dict[str, Any] = {"clients": []}
    with make_sessionmaker(engine)() as session:
        for spec, secret in DEMO_SERVICE_CLIENTS:
            ensure_client(session, hasher, spec, secret)
            created["clients"].append(
                {
                    "client_id": spec.client_id,
                    "client_secret": secret,
                    "grant_types": spec.grant_types,
                    "scopes": spec.scopes,
                    "audiences": spec.audiences,
                    "token_endpoint": settings.issuer.rstrip("/") + "/token",
                }
            )
        session.commit()
    engine.dispose()
    return created
