"""Demo data for ``make run`` (dev mode only). Idempotent: running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from idp.accounts import service as accounts_service
from idp.accounts.protection import FieldCipher
from idp.clients.secrets import SecretHasher
from idp.clients.service import ClientSpec, ensure_client
from idp.demo_rp.routes import CLIENT_ID as DEMO_RP_ID
from idp.demo_rp.routes import CLIENT_SECRET as DEMO_RP_SECRET
from idp.settings import IdpSettings
from shared.db import make_engine, make_sessionmaker

DEMO_CITIZEN = accounts_service.NewAccount(
    last_name="Иванов",
    first_name="Иван",
    middle_name="Иванович",
    birth_date=dt.date(1985, 4, 12),
    gender="M",
    email="ivanov@example.test",
    phone="+79160000001",
    snils="112-233-445 95",
    password="Demo-Passw0rd!",
    level="standard",
    email_verified=True,
    phone_verified=True,
)
ADMIN_CLIENT = (
    ClientSpec(
        client_id="idp-admin", name="IdP administration", grant_types=["client_credentials"], scopes=["admin"]
    ),
    "demo-idp-admin-service-secret-0123456789abcdef",
)

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


def demo_rp_client(issuer: str) -> ClientSpec:
    return ClientSpec(
        client_id=DEMO_RP_ID,
        name="Демо-приложение",
        grant_types=["authorization_code", "refresh_token"],
        scopes=["openid", "profile", "email", "phone", "snils", "offline_access"],
        redirect_uris=[f"{issuer}/demo-rp/callback"],
        post_logout_redirect_uris=[f"{issuer}/demo-rp"],
    )


def seed(settings: IdpSettings) -> dict[str, Any]:
    engine = make_engine(settings.database_url)
    hasher = SecretHasher(settings.client_secret_pepper.get_secret_value())
    created: dict[str, Any] = {"clients": []}
    with make_sessionmaker(engine)() as session:
        cipher = FieldCipher(settings.personal_data_key.get_secret_value())
        citizen = accounts_service.find_by_login(session, cipher, DEMO_CITIZEN.email or "")
        if citizen is None:
            accounts_service.create_account(session, cipher, DEMO_CITIZEN)
        created["accounts"] = [
            {
                "login": DEMO_CITIZEN.email,
                "also": [DEMO_CITIZEN.phone, DEMO_CITIZEN.snils],
                "password": DEMO_CITIZEN.password,
                "level": DEMO_CITIZEN.level,
            }
        ]
        ensure_client(session, hasher, demo_rp_client(settings.issuer), DEMO_RP_SECRET)
        created["relying_party"] = {
            "client_id": DEMO_RP_ID,
            "client_secret": DEMO_RP_SECRET,
            "url": f"{settings.issuer}/demo-rp",
            "discovery": f"{settings.issuer}/.well-known/openid-configuration",
        }
        for spec, secret in [*DEMO_SERVICE_CLIENTS, ADMIN_CLIENT]:
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
