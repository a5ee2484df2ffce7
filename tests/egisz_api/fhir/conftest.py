"""A FHIR server from create_app on a migrated database, an issuer whose JWKS is served over real
loopback HTTP (the app fetches it like the idp's), and tokens with the claims a case needs."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fhir.resources.R4B import get_fhir_model_class
from jose import jwk, jwt
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.conftest import running
from tests.egisz_api.fhir import resources as res
from tests.live import serve_in_thread

FHIR_JSON = "application/fhir+json"
ALL_READ = "system/*.rs"


class Issuer:
    """Signs tokens with its own RSA key and publishes the JWKS at ``{url}/jwks``."""

    def __init__(self, url: str, key_pem: bytes, kid: str) -> None:
        self.url = url
        self.key_pem = key_pem
        self.kid = kid

    def token(self, audience: str = "egisz", **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": self.url,
            "aud": audience,
            "sub": "tester",
            "iat": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
            "client_id": "test-client",
            **claims,
        }
        return jwt.encode(body, self.key_pem.decode(), algorithm="RS256", headers={"kid": self.kid})

    def headers(self, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**claims)}"}


@pytest.fixture(scope="session")
def issuer() -> Iterator[Issuer]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    kid = "test-" + uuid.uuid4().hex[:8]
    public = jwk.construct(pem.decode(), algorithm="RS256").public_key().to_dict()
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    public = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in public.items()}

    async def jwks(_request: Any) -> JSONResponse:
        return JSONResponse({"keys": [public]})

    app = Starlette(routes=[Route("/jwks", jwks)])
    with serve_in_thread(app) as base:
        yield Issuer(base, pem, kid)


def fhir_settings(database_url: str, issuer: Issuer, **overrides: Any) -> Any:
    from egisz_api.settings import EgiszSettings

    values: dict[str, Any] = {
        "database_url": database_url,
        "dev_mode": True,
        "idp_issuer": issuer.url,
        "idp_jwks_url": f"{issuer.url}/jwks",
        # fixtures load records with a system token and no signed Provenance; the signature rule is
        # tested with it on in tests/egisz_api/signed/
        "signed_writes_required": False,
    }
    values.update(overrides)
    return EgiszSettings(**values)


@pytest.fixture
def fhir_app(make_db: Callable[..., str], issuer: Issuer) -> FastAPI:
    from egisz_api.main import create_app

    return create_app(fhir_settings(make_db("egisz_api"), issuer))


@pytest.fixture
async def client(fhir_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(fhir_app) as c:
        yield c


def valid(body: bytes | dict[str, Any]) -> dict[str, Any]:
    """The JSON of a response body after checking it against the R4 (R4B) model of its type."""
    import json

    data = json.loads(body) if isinstance(body, bytes) else body
    get_fhir_model_class(data["resourceType"]).model_validate(data)
    if data["resourceType"] == "Bundle":
        for entry in data.get("entry", []):
            resource = entry["resource"]
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return data


def outcome(response: httpx.Response, status: int) -> dict[str, Any]:
    """An error answer: the status, FHIR JSON, and a valid OperationOutcome."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON), response.headers
    data = valid(response.content)
    assert data["resourceType"] == "OperationOutcome"
    return data


def diagnostics(data: dict[str, Any]) -> str:
    return " ".join(i.get("diagnostics", "") for i in data["issue"])


@dataclass
class World:
    """Two patients with one resource of every type each (ids by type), created over the API."""

    alice: str
    bob: str
    ids: dict[str, dict[str, str]]  # patient id -> resource type -> resource id
    writer: dict[str, str]  # headers of a system token allowed to write everything


async def create(client: httpx.AsyncClient, headers: dict[str, str], resource: dict[str, Any]) -> str:
    response = await client.post(
        f"/fhir/{resource['resourceType']}", json=resource, headers={**headers, "Content-Type": FHIR_JSON}
    )
    assert response.status_code == 201, response.text
    rid: str = response.json()["id"]
    return rid


@pytest.fixture
async def world(client: httpx.AsyncClient, issuer: Issuer) -> World:
    writer = issuer.headers(scope="system/*.cruds", roles=["mis"])
    signer = issuer.headers(
        scope="system/*.cruds",
        roles=["mis"],
        acr="urn:idp:acr:qes",
        amr=["hwk"],
        fhirUser="Practitioner/doc-1",
    )
    ids: dict[str, dict[str, str]] = {}
    patients = []
    for snils, family, oms in (
        ("112-233-445 95", "Иванов", "1234567890123456"),
        ("123-456-789 64", "Петрова", None),
    ):
        pid = await create(client, writer, res.patient(snils, family, oms=oms))
        patients.append(pid)
        ids[pid] = {"Patient": pid}
        for resource in res.one_of_each(pid):
            # the DocumentReference is written after a signature login: its Provenance is the
            # patient's one of that type (docs/fhir.md «Signed writes»)
            signed = resource["resourceType"] == "DocumentReference"
            ids[pid][resource["resourceType"]] = await create(client, signer if signed else writer, resource)
        found = await client.get(
            f"/fhir/Provenance?target=DocumentReference/{ids[pid]['DocumentReference']}", headers=writer
        )
        ids[pid]["Provenance"] = found.json()["entry"][0]["resource"]["id"]
    return World(patients[0], patients[1], ids, writer)
