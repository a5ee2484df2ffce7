"""A reference ESIA client of our own, written from ESIA.md §3-§4 (no ESIA client library does v2/v3
here): registration rows made directly with the models, the signed parameters of ``ac`` and ``te``
(v1 CMS by ``openssl smime``/``cms -sign``, v2/v3 raw GOST by ``openssl dgst -engine gost``), and a
browser that follows the login and consent pages."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from asn1crypto import x509
from fastapi import FastAPI

from idp.clients.models import Client
from idp.esia.models import EsiaClient, EsiaClientCertificate
from idp.pki import client_secrets as cs
from idp.pki.gost import certificate_hash
from tests.idp.conftest import CITIZEN, PASSWORD
from tests.idp.pki.openssl_signing import Signer, cms_sign, gost_raw_sign

REDIRECT = "https://esia-rp.example.test/esia/cb"
SCOPE = "openid fullname birthdate snils"
ALLOWED = [
    "openid",
    "fullname",
    "birthdate",
    "gender",
    "snils",
    "email",
    "mobile",
    "org_emps",
    "org_shortname",
]


def certificate_row(client_id: str, der: bytes) -> EsiaClientCertificate:
    cert = x509.Certificate.load(der)
    oid = cert["tbs_certificate"]["subject_public_key_info"]["algorithm"]["algorithm"].dotted
    algorithm = {
        "1.2.643.7.1.1.1.1": "gost256",
        "1.2.643.7.1.1.1.2": "gost512",
        "1.2.840.113549.1.1.1": "rsa",
    }
    return EsiaClientCertificate(
        client_id=client_id,
        der=der,
        sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest(),  # the thumbprint CryptoPro shows
        sha256=hashlib.sha256(der).hexdigest(),
        gost_hash=certificate_hash(der),
        algorithm=algorithm.get(oid, "ecdsa"),
        subject=cert.subject.human_friendly,
        not_after=cert.not_valid_after,
    )


def register(
    app: FastAPI,
    client_id: str,
    signers: Sequence[Signer],
    *,
    scopes: Sequence[str] = ALLOWED,
    redirect_uris: Sequence[str] = (REDIRECT,),
    signing_alg: str = "RS256",
    mode: str = "strict",
    require_confirmed: bool = False,
    grant_types: Sequence[str] = ("authorization_code", "refresh_token"),
    timestamp_window: int = 300,
) -> None:
    with app.state.session_factory() as session:
        session.add(
            Client(
                client_id=client_id,
                name=f"ИС {client_id}",
                token_endpoint_auth_method="esia_signed_secret",
                grant_types=list(grant_types),
                scopes=list(scopes),
                redirect_uris=list(redirect_uris),
                signing_alg=signing_alg,
            )
        )
        session.flush()
        session.add(
            EsiaClient(
                client_id=client_id,
                mode=mode,
                require_confirmed=require_confirmed,
                timestamp_window=timestamp_window,
            )
        )
        for signer in signers:
            session.add(certificate_row(client_id, signer.certificate_der))
        session.commit()


def timestamp(moment: dt.datetime | None = None, offset_hours: int = 3) -> str:
    """ESIA.md §3.3, in local time with its offset as PHP/C# clients send it."""
    zone = dt.timezone(dt.timedelta(hours=offset_hours))
    return (moment or dt.datetime.now(dt.UTC)).astimezone(zone).strftime("%Y.%m.%d %H:%M:%S %z")


def b64url(data: bytes, *, pad: bool = False) -> str:
    text = base64.urlsafe_b64encode(data).decode()
    return text if pad else text.rstrip("=")


@dataclass
class EsiaRp:
    """One relying party: its mnemonic, signer and redirect URI; builds signed ``ac``/``te`` requests."""

    client_id: str
    signer: Signer
    redirect_uri: str = REDIRECT
    extra: dict[str, str] = field(default_factory=dict)

    def v2_ac(self, scope: str = SCOPE, *, scope_org: str = "", **overrides: str) -> dict[str, str]:
        params = {
            "client_id": self.client_id,
            "scope": scope,
            "scope_org": scope_org,
            "timestamp": timestamp(),
            "state": str(uuid.uuid4()),
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "access_type": "offline",
            "client_certificate_hash": certificate_hash(self.signer.certificate_der).upper(),
        }
        params.update(overrides)
        if "client_secret" not in overrides:
            message = cs.v2_message(
                client_id=params["client_id"], scope=params["scope"], scope_org=params["scope_org"],
                timestamp=params["timestamp"], state=params["state"], redirect_uri=params["redirect_uri"],
            )  # fmt: skip
            params["client_secret"] = b64url(gost_raw_sign(self.signer, message))
        if not params["scope_org"]:
            del params["scope_org"]
        return params

    def v3_te(self, code: str, scope: str = SCOPE, **overrides: str) -> dict[str, str]:
        params = {
            "client_id": self.client_id,
            "code": code,
            "grant_type": "authorization_code",
            "scope": scope,
            "timestamp": timestamp(),
            "state": str(uuid.uuid4()),  # a fresh one, as ilimurzin and go-api-epgu send
            "redirect_uri": self.redirect_uri,
            "token_type": "Bearer",
            "client_certificate_hash": certificate_hash(self.signer.certificate_der),
        }
        params.update(overrides)
        if "client_secret" not in overrides:
            message = cs.v2_message(
                client_id=params["client_id"], scope=params["scope"], scope_org="",
                timestamp=params["timestamp"], state=params["state"], redirect_uri=params["redirect_uri"],
                code=params["code"],
            )  # fmt: skip
            params["client_secret"] = b64url(gost_raw_sign(self.signer, message), pad=True)
        return params

    def v3_refresh(self, refresh_token: str, scope: str = SCOPE, **overrides: str) -> dict[str, str]:
        params = {
            "client_id": self.client_id,
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
            "scope": scope,
            "timestamp": timestamp(),
            "state": str(uuid.uuid4()),
            "redirect_uri": self.redirect_uri,
            "token_type": "Bearer",
            "client_certificate_hash": certificate_hash(self.signer.certificate_der),
        }
        params.update(overrides)
        message = cs.v2_message(
            client_id=params["client_id"], scope=params["scope"], scope_org="", timestamp=params["timestamp"],
            state=params["state"], redirect_uri=params["redirect_uri"],
        )  # fmt: skip
        params.setdefault("client_secret", b64url(gost_raw_sign(self.signer, message)))
        return params

    def v1_params(self, scope: str = SCOPE, **overrides: str) -> dict[str, str]:
        params = {
            "client_id": self.client_id,
            "scope": scope,
            "timestamp": timestamp(offset_hours=0),
            "state": str(uuid.uuid4()),
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "access_type": "offline",
        }
        params.update(overrides)
        if "client_secret" not in overrides:
            message = cs.v1_message(
                scope=params["scope"], timestamp=params["timestamp"], client_id=params["client_id"],
                state=params["state"],
            )  # fmt: skip
            # esia-connector: openssl smime -sign -md sha256 -outform DER, urlsafe base64 padded
            params["client_secret"] = b64url(cms_sign(self.signer, message, command="smime"), pad=True)
        return params

    def v1_te(self, code: str, scope: str = SCOPE, **overrides: str) -> dict[str, str]:
        base = self.v1_params(scope, **overrides)
        del base["response_type"], base["access_type"]
        return {**base, "code": code, "grant_type": "authorization_code", "token_type": "Bearer"}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def through_pages(
    http: httpx.AsyncClient, response: httpx.Response, *, consent: bool = True, login: str | None = None
) -> httpx.Response:
    """Follow the idp's own pages (login form, consent form) like a person; returns the first
    answer that leaves the idp (the redirect back to the client) or an error page."""
    for _ in range(10):
        if response.status_code not in (302, 303):
            return response
        location = response.headers["location"]
        if not location.startswith("/"):
            return response
        path = urlsplit(location).path
        page = await http.get(location)
        handle = parse_qs(urlsplit(location).query).get("i", [""])[0]
        if path == "/login":
            response = await http.post(
                "/login",
                data={
                    "login": login or CITIZEN.email or "",
                    "password": PASSWORD,
                    "csrf_token": _csrf(page.text),
                    "interaction": handle,
                },
            )
        elif path == "/consent":
            response = await http.post(
                "/consent",
                data={
                    "decision": "allow" if consent else "deny",
                    "csrf_token": _csrf(page.text),
                    "interaction": handle,
                },
            )
        else:
            response = page
    raise AssertionError("too many hops")


def callback(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT) or "://" in location, location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def diagnosis_of(app: FastAPI, description: str) -> dict[str, Any]:
    """The diagnosis whose handle ends ``description`` (dev mode)."""
    from idp.esia import diagnostics

    found = re.search(r"\[diag ([0-9a-f]+)\]$", description)
    assert found, description
    with app.state.session_factory() as session:
        row = diagnostics.find(session, found.group(1))
        assert row is not None
        return dict(row.detail)
