"""Schemathesis over each service's OpenAPI, in process, with all its default checks.

Every operation a service documents is called with generated requests — valid ones, which must be
accepted, and invalid ones, which must be refused with a documented 4xx — and every answer must
match the document: status, content type, headers, body schema; no 5xx. The apps run against a
real migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL) behind schemathesis's ASGI
transport; tokens come from a real idp.

The number of examples per operation is bounded (``FUZZ_EXAMPLES``, default 25) so that a service's
run stays around a minute on the CI machine, and drawn the same way every run (derandomized);
raise it locally for a deeper search:
``FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/test_openapi_fuzz.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.python.asgi import get_client, shutdown_lifespans
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import LiveIdp

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
#: one app and one token serve every example of an operation (the fixture is function-scoped on
#: purpose: state built by earlier examples, e.g. a message or a client, is what later ones meet)
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    # the same examples on every run, so that CI fails on a change, not on a lucky draw; a deeper
    # search (more examples) is a different, still repeatable, run
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
#: the schema is read from an app built only for that; its database is never opened
SCHEMA_ONLY_DB = f"sqlite:///{Path(tempfile.gettempdir()) / 'openapi-only-never-opened.db'}"


def asgi_schema(app: FastAPI) -> Any:
    """``app``'s OpenAPI document, called through schemathesis's ASGI transport.

    Each test passes its own app (on a fresh database) to every call, so this one only supplies the
    document and its lifespan never starts: read at collection, it must not touch a database."""
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app  # what from_asgi sets: the calls go in process, not over the network
    return schema


@pytest.fixture(autouse=True)
def _stop_apps() -> Iterator[None]:
    """Schemathesis starts an app's lifespan on its first call and keeps it: stop it after the test."""
    yield
    shutdown_lifespans()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- notifier -------------------------------------------------------------------------------------


def notifier_app(database_url: str, **overrides: Any) -> FastAPI:
    from notifier.main import create_app
    from notifier.settings import NotifierSettings

    return create_app(
        NotifierSettings(
            database_url=database_url,
            dev_mode=True,
            dispatcher_enabled=False,  # accept and queue only: nothing is sent anywhere
            # every channel configured, so that no schema-valid request is refused for lack of one
            smtp_host="127.0.0.1",
            sms_provider="http",
            sms_http_url="http://127.0.0.1:9/sms",
            push_webhook_url="http://127.0.0.1:9/push",
            recipient_rate_limit="100000/minute",
            **overrides,
        )
    )


notifier_schema = asgi_schema(notifier_app(SCHEMA_ONLY_DB))


@pytest.fixture
def notifier(make_db: Callable[..., str], live_idp: LiveIdp) -> FastAPI:
    return notifier_app(
        make_db("notifier"),
        idp_issuer=live_idp.base_url,
        idp_jwks_url=f"{live_idp.base_url}/.well-known/jwks.json",
    )


@pytest.fixture
def notifier_token(live_idp: LiveIdp) -> str:
    return live_idp.token("notifier-caller")


def _expires_in_the_future(case: Any) -> None:
    """``expires_at`` already past is refused (422 ``already_expired``): a rule of time that no
    schema can state. A valid request gets an instant a day ahead; an invalid one stays as drawn."""
    meta = case.meta
    if meta is not None and meta.generation.mode.is_negative:
        return
    if isinstance(case.body, dict) and isinstance(case.body.get("expires_at"), str):
        case.body["expires_at"] = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()


@notifier_schema.parametrize()
@FUZZ
def test_notifier_answers_as_documented(case: Any, notifier: FastAPI, notifier_token: str) -> None:
    _expires_in_the_future(case)
    case.call_and_validate(app=notifier, headers=_bearer(notifier_token))


# --- egisz_api ------------------------------------------------------------------------------------


def egisz_app(database_url: str, **overrides: Any) -> FastAPI:
    from egisz_api.main import create_app
    from egisz_api.settings import EgiszSettings

    return create_app(EgiszSettings(database_url=database_url, dev_mode=True, **overrides))


egisz_schema = asgi_schema(egisz_app(SCHEMA_ONLY_DB))


@pytest.fixture
def egisz(make_db: Callable[..., str], live_idp: LiveIdp) -> FastAPI:
    return egisz_app(
        make_db("egisz_api"),
        idp_issuer=live_idp.base_url,
        idp_jwks_url=f"{live_idp.base_url}/.well-known/jwks.json",
    )


@pytest.fixture
def egisz_token(live_idp: LiveIdp) -> str:
    return live_idp.token("egisz-caller")


#: FHIR writes whose body is a FHIR resource read as JSON and validated with the R4B models, not
#: by the OpenAPI schema: a body the schema allows is rarely a valid transaction Bundle or
#: Subscription (400/422 OperationOutcome, as documented); every other check still runs
EGISZ_SCHEMA_CANNOT_STATE = {"POST /fhir", "POST /fhir/Subscription"}


@egisz_schema.parametrize()
@FUZZ
def test_egisz_api_answers_as_documented(case: Any, egisz: FastAPI, egisz_token: str) -> None:
    excluded = [positive_data_acceptance] if case.operation.label in EGISZ_SCHEMA_CANNOT_STATE else []
    case.call_and_validate(app=egisz, headers=_bearer(egisz_token), excluded_checks=excluded)


# --- idp ------------------------------------------------------------------------------------------


def idp_app(database_url: str) -> FastAPI:
    from idp.main import create_app
    from tests.conftest import idp_settings

    return create_app(idp_settings(database_url))


#: Operations whose schema cannot state every rule the service checks, so a request the schema
#: allows may rightly be refused: only schemathesis's positive_data_acceptance check is left out
#: for them; every other check (no 5xx, documented statuses, content types, bodies) still runs.
SCHEMA_CANNOT_STATE = {
    # OAuth 2.0 / OpenID Connect: a well-formed request may name an unregistered client, a
    # redirect_uri or id_token_hint that does not belong to it, or carry the token twice (header
    # and body, RFC 6750 §2); the protocol answers 400 (RFC 6749 §4.1.2.1, OIDC RP-Initiated
    # Logout §2), as documented
    "GET /authorize",
    "POST /authorize",
    "GET /logout",
    "POST /logout",
    "POST /userinfo",
    # SNILS and INN checksums, passport dates against the birth date, a password policy
    "POST /api/v1/accounts",
    # ClientIn's validators: http(s) redirect URIs, authorization_code needs a redirect_uri
    "POST /admin/clients",
    "PUT /admin/clients/{client_id}",
    # the body is a certificate or a CRL file: bytes the schema allows are rarely a CA certificate
    # or a CRL signed by a trusted CA (422 certificate_invalid, crl_invalid, as documented)
    "POST /admin/pki/cas",
    "POST /admin/pki/crls",
    # the registry's rules (idp.esia.registry.check_spec): absolute http(s) URIs without a
    # fragment, RFC 6749 scope tokens, a redirect URI for the code grant; and a certificate body
    # that the schema can only call bytes
    "POST /admin/esia/clients",
    "PATCH /admin/esia/clients/{client_id}",
    "POST /admin/esia/clients/{client_id}/certificates",
    # OGRN and INN check digits, region code 00; the account named by a (JSON) number near 2**63,
    # which a schema-valid generator rounds past the BIGINT bound it states
    "POST /admin/organizations",
    "POST /admin/organizations/{oid}/employees",
    # ESIA token endpoint: a well-formed request still needs a signature by a registered
    # certificate over its own parameters and a live code; the refusal is ESIA's 400 JSON
    "POST /aas/oauth2/te",
    "POST /aas/oauth2/v3/te",
}

idp_schema = asgi_schema(idp_app(SCHEMA_ONLY_DB))


@pytest.fixture
def idp(make_db: Callable[..., str]) -> FastAPI:
    return idp_app(make_db("idp"))


@pytest.fixture
def idp_admin_token(idp: FastAPI) -> str:
    """A real admin token: an admin client registered in the idp, then client_credentials at /token."""
    admin = LiveIdp(idp, "http://testserver")
    admin.register("fuzz-admin", scopes=["admin"], audience="http://127.0.0.1:8000")
    with get_client(idp) as client:
        response = client.post(
            "http://testserver/token",
            data={"grant_type": "client_credentials", "scope": "admin"},
            auth=("fuzz-admin", admin.secrets["fuzz-admin"]),
        )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@idp_schema.parametrize()
@FUZZ
def test_idp_answers_as_documented(case: Any, idp: FastAPI, idp_admin_token: str) -> None:
    excluded = [positive_data_acceptance] if case.operation.label in SCHEMA_CANNOT_STATE else []
    case.call_and_validate(app=idp, headers=_bearer(idp_admin_token), excluded_checks=excluded)
