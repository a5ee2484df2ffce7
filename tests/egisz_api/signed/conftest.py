"""A FHIR server with the signature rule on, trusting one demo accredited CA (the idp's demo PKI
code makes it, as `idp pki demo init` does), whose CRL is served at its distribution point through
an httpx MockTransport (the edge egisz_api fetches over HTTP)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from idp.pki import demo
from tests.conftest import running
from tests.egisz_api.fhir.conftest import Issuer, fhir_settings, issuer  # noqa: F401 (fixture)

PIN = "1234"
CRL_URL = "http://crl.test/demo-qes.crl"


@dataclass
class Pki:
    ca: demo.DemoCa
    #: .pfx of a valid doctor's qualified certificate, of a revoked one, of one from an untrusted CA
    doctor: Path
    revoked: Path
    stranger: Path
    doctor_der: bytes
    #: .pfx of a valid ECDSA P-256 certificate of the same CA
    ecdsa: Path

    def sign(self, pfx: Path, resource: dict[str, Any]) -> str:
        """A detached CMS over the resource's canonical JSON (docs/fhir.md «Signed writes»)."""
        content = canonical(resource)
        return base64.b64encode(demo.sign_challenge(pfx, PIN, content)).decode()

    def sign_many(self, pfx: Path, resources: list[dict[str, Any]]) -> str:
        """A detached CMS over several resources: a JSON array of their canonical forms (one: as
        :meth:`sign`)."""
        stripped: Any = [{k: v for k, v in r.items() if k != "meta"} for r in resources]
        stripped = stripped[0] if len(stripped) == 1 else stripped
        content = json.dumps(stripped, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        return base64.b64encode(demo.sign_challenge(pfx, PIN, content)).decode()


def canonical(resource: dict[str, Any]) -> bytes:
    stripped = {k: v for k, v in resource.items() if k != "meta"}
    return json.dumps(stripped, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def provenance(signature: str, who: str = "Practitioner/doc-1", org: str = "Organization/mo-1") -> str:
    return json.dumps(
        {
            "resourceType": "Provenance",
            "target": [{"reference": "Observation/placeholder"}],
            "recorded": "2026-01-01T00:00:00Z",
            "agent": [{"who": {"reference": who}, "onBehalfOf": {"reference": org}}],
            "signature": [
                {
                    "type": [{"system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.1"}],
                    "when": "2026-01-01T00:00:00Z",
                    "who": {"reference": who},
                    "sigFormat": "application/pkcs7-signature",
                    "data": signature,
                }
            ],
        }
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("signed-pki")
    now = dt.datetime.now(dt.UTC)
    window: dict[str, Any] = {
        "not_before": now - dt.timedelta(days=1),
        "not_after": now + dt.timedelta(days=30),
    }
    ca = demo.create_ca(root / "ca", "Демо УЦ", accredited=True, crl_url=CRL_URL, **window)
    subject = demo.Subject(common_name="Врачёва Елена", surname="Врачёва", given_name="Елена")
    doctor = ca.issue("doctor", subject, crl_url=CRL_URL, **window)
    revoked = ca.issue("revoked", subject, crl_url=CRL_URL, **window)
    ecdsa = ca.issue("ecdsa", subject, algorithm="ecdsa", crl_url=CRL_URL, **window)
    ca.revoke(revoked.serial, now - dt.timedelta(hours=1))
    ca.publish_crl(now - dt.timedelta(hours=1), now + dt.timedelta(days=1))
    other = demo.create_ca(root / "other", "Чужой УЦ", accredited=True, **window)
    stranger = other.issue("stranger", subject, **window)
    return Pki(
        ca=ca,
        doctor=demo.write_pfx(doctor, ca, root / "doctor.pfx", PIN),
        revoked=demo.write_pfx(revoked, ca, root / "revoked.pfx", PIN),
        stranger=demo.write_pfx(stranger, other, root / "stranger.pfx", PIN),
        doctor_der=doctor.der,
        ecdsa=demo.write_pfx(ecdsa, ca, root / "ecdsa.pfx", PIN),
    )


@pytest.fixture
def signed_app(make_db: Callable[..., str], issuer: Issuer, pki: Pki) -> FastAPI:  # noqa: F811
    from egisz_api.main import create_app
    from egisz_api.signatures.service import SignatureContext
    from egisz_api.signatures.trust import HttpCrlSource, TrustStore

    def crl(request: httpx.Request) -> httpx.Response:
        if str(request.url) == CRL_URL:
            return httpx.Response(200, content=pki.ca.crl_path.read_bytes())
        return httpx.Response(404)

    context = SignatureContext(
        store=TrustStore(qualified=[pki.ca.der]),
        crl_source=HttpCrlSource(httpx.Client(transport=httpx.MockTransport(crl))),
    )
    settings = fhir_settings(make_db("egisz_api"), issuer, signed_writes_required=True)
    return create_app(settings, signatures=context)


@pytest.fixture
async def client(signed_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(signed_app) as c:
        yield c
