"""Helpers for the login-by-signature tests: a small demo PKI made by ``idp.pki.demo`` around a
given moment, trusted by a running app, and a browser that signs the page's challenge with
``openssl cms -sign`` (``demo.sign_challenge``) and submits it like a person would."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from idp.pki import demo, trust

PIN = "12345678"
SNILS = "11223344595"  # tests.idp.conftest.CITIZEN's
DAY = dt.timedelta(days=1)
SUBJECT = demo.Subject(common_name="Петрова Анна", surname="Петрова", given_name="Анна", snils=SNILS)
OTHER = demo.Subject(common_name="Сидоров Пётр", surname="Сидоров", given_name="Пётр", snils="12345678964")
NO_SNILS = demo.Subject(common_name="Без СНИЛС")


@dataclass
class LoginPki:
    root: Path
    now: dt.datetime
    accredited: demo.DemoCa
    unaccredited: demo.DemoCa
    stranger: demo.DemoCa
    gost: demo.DemoCa | None
    pfx: dict[str, Path] = field(default_factory=dict)
    certs: dict[str, demo.Issued] = field(default_factory=dict)

    def issue(
        self,
        name: str,
        ca: demo.DemoCa,
        subject: demo.Subject = SUBJECT,
        *,
        algorithm: demo.Algorithm | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> Path:
        issued = ca.issue(
            name,
            subject,
            algorithm=algorithm,
            not_before=not_before or self.now - 10 * DAY,
            not_after=not_after or self.now + 100 * DAY,
        )
        self.certs[name] = issued
        self.pfx[name] = demo.write_pfx(issued, ca, self.root / f"{name}.pfx", PIN)
        return self.pfx[name]

    def sign(self, name: str, text: str, *, attached: bool = False) -> bytes:
        return demo.sign_challenge(self.pfx[name], PIN, text.encode("ascii"), attached=attached)


def build_pki(root: Path, now: dt.datetime, *, with_gost: bool = True) -> LoginPki:
    """CAs valid around ``now``: accredited RSA (КЭП), unaccredited ECDSA (УНЭП), an untrusted one,
    and (when the engine is installed) an accredited GOST CA; the usual certificates for Петрова
    Анна, and their CRLs (one revoked certificate)."""
    window = {"not_before": now - 365 * DAY, "not_after": now + 3650 * DAY}
    acc = demo.create_ca(root / "acc", "Login accredited CA", accredited=True, **window)
    unacc = demo.create_ca(root / "unacc", "Login UNEP CA", accredited=False, algorithm="ecdsa", **window)
    stranger = demo.create_ca(root / "stranger", "Login untrusted CA", accredited=False, **window)
    gost = None
    if with_gost and demo.gost_available():
        gost = demo.create_ca(root / "gost", "Login GOST CA", accredited=True, algorithm="gost", **window)
    pki = LoginPki(root, now, acc, unacc, stranger, gost)
    pki.issue("qes", acc)
    pki.issue("qes_second", acc)
    pki.issue("ues", unacc, algorithm="ecdsa")
    pki.issue("ues_other", unacc, OTHER, algorithm="ecdsa")
    pki.issue("qes_other", acc, OTHER)
    pki.issue("qes_no_snils", acc, NO_SNILS)
    pki.issue("expired", acc, not_before=now - 100 * DAY, not_after=now - DAY)
    pki.issue("future", acc, not_before=now + DAY, not_after=now + 100 * DAY)
    pki.issue("revoked", acc)
    pki.issue("stranger", stranger)
    acc.revoke(pki.certs["revoked"].serial, now - 2 * DAY)
    for ca in (acc, unacc, stranger):
        ca.publish_crl(now - DAY, now + 7 * DAY)
    if gost is not None:
        pki.issue("gost", gost)
        gost.publish_crl(now - DAY, now + 7 * DAY)
    return pki


def trust_pki(app: FastAPI, pki: LoginPki) -> None:
    """The app trusts the accredited, unaccredited and GOST CAs (not the stranger) and holds their CRLs."""
    with app.state.session_factory() as session:
        for ca in (pki.accredited, pki.unaccredited, pki.gost):
            if ca is None:
                continue
            trust.add_trusted_ca(session, ca.der, accredited=ca.accredited, actor="test")
            trust.upload_crl(session, ca.crl_path.read_bytes(), now=pki.now, actor="test")
        session.commit()


def bind(app: FastAPI, account_id: int, pki: LoginPki, name: str) -> None:
    """Bind a certificate as the cabinet does (validation runs its own event loop: in a thread, as
    the app runs it, since the tests' loop is running)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_bind, app, account_id, pki, name).result()


def _bind(app: FastAPI, account_id: int, pki: LoginPki, name: str) -> None:
    from idp.pki import bound

    with app.state.session_factory() as session:
        bound.bind_certificate(
            session,
            app.state.field_cipher,
            account_id,
            pki.certs[name].der,
            clock=lambda: pki.now,
            fetcher=None,
            policy=trust.CrlPolicy(),
            actor="test",
        )
        session.commit()


@dataclass(frozen=True)
class SignaturePage:
    url: str
    html: str
    challenge: str
    challenge_id: str
    csrf: str
    form: dict[str, str]


def read_page(url: str, response: httpx.Response) -> SignaturePage:
    html = response.text
    challenge = re.search(r'<code id="challenge-text"[^>]*>([^<]+)</code>', html)
    challenge_id = re.search(r'name="challenge_id" value="([^"]+)"', html)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert challenge and challenge_id and csrf, html[:3000]
    form = {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }
    return SignaturePage(url, html, unescape(challenge.group(1)), challenge_id.group(1), csrf.group(1), form)


async def open_page(http: httpx.AsyncClient, url: str = "/login/signature") -> SignaturePage:
    response = await http.get(url)
    assert response.status_code == 200, response.text[:2000]
    return read_page(url, response)


async def submit(
    http: httpx.AsyncClient,
    page: SignaturePage,
    signature: bytes | None,
    *,
    pasted: str | None = None,
    filename: str = "challenge.txt.sig",
    **overrides: str,
) -> httpx.Response:
    """POST the page's form (multipart) with ``signature`` as the file, or ``pasted`` as text."""
    data = {**page.form, "signature": pasted or "", **overrides}
    files: dict[str, Any] = {"signature_file": (filename, signature or b"", "application/pkcs7-signature")}
    if signature is None:
        files = {"signature_file": ("", b"", "application/octet-stream")}
    return await http.post("/login/signature", data=data, files=files)


async def sign_in(
    http: httpx.AsyncClient, pki: LoginPki, name: str, url: str = "/login/signature", **kwargs: Any
) -> httpx.Response:
    page = await open_page(http, url)
    return await submit(http, page, pki.sign(name, page.challenge, **kwargs))


Signer = Callable[[str], bytes]
