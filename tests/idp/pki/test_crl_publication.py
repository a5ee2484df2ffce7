"""The idp serves the CRLs of its trusted CAs (``GET /pki/crl/{thumbprint}.crl``) and the demo PKI
names that distribution point in its certificates.

End to end: ``python -m idp pki demo init`` (a real process) against an idp served by uvicorn on a
loopback port makes certificates naming ``<issuer>/pki/crl/<CA thumbprint>.crl``; a validator with
another database, trusting the CA but holding no CRL of it, fetches the CRL from the idp over HTTP
and accepts the certificate; after ``python -m idp pki demo revoke`` the validator keeps its cached
CRL until the freshness bound, then fetches the new one and refuses the certificate. Time is the
validator's injected clock (started at the wall clock's "now", since the CLI stamps CRLs with it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from idp.main import create_app
from idp.pki import demo, trust
from idp.pki.certificates import load_certificate, load_crl
from idp.pki.crl_fetch import HttpRevocationFetcher
from idp.pki.models import CachedCrl
from shared.db import make_engine, make_sessionmaker
from tests.conftest import idp_settings, running
from tests.idp.pki.conftest import DAY, T0, Pki
from tests.integration.processes import run_cli
from tests.live import free_port, serve_in_thread

MAX_AGE = dt.timedelta(hours=1)
PKIX_CRL = "application/pkix-crl"


class MovableClock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now


def _cli(database_url: str, issuer: str, *args: str) -> Any:
    settings = {"dev_mode": True, "database_url": database_url, "issuer": issuer}
    return run_cli("idp", settings, "pki", *args)


def test_demo_certificates_name_the_idps_crl_and_a_revocation_reaches_a_fetching_validator(
    make_db: Callable[..., str], tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    publisher_db = make_db("idp")
    app = create_app(idp_settings(publisher_db, issuer=base))
    with serve_in_thread(app, port):
        summary = _cli(publisher_db, base, "demo", "--dir", str(tmp_path / "pki"), "init")
        ca_pem = Path(summary["cas"]["accredited"]).read_bytes()
        ca_thumbprint = load_certificate(ca_pem).thumbprint
        crl_url = f"{base}/pki/crl/{ca_thumbprint}.crl"
        assert summary["crl_urls"]["accredited"] == crl_url
        [entry, *_] = [c for c in summary["certificates"] if c["ca"] == "accredited"]
        certificate = Path(entry["certificate"]).read_bytes()
        info = load_certificate(certificate)
        assert info.crl_urls == (crl_url,)

        served = httpx.get(crl_url)
        assert served.status_code == 200 and served.headers["content-type"] == PKIX_CRL
        assert len(load_crl(served.content)["tbs_cert_list"]["revoked_certificates"]) == 0

        # `demo issue` later: the CA's distribution point again
        issued = _cli(
            publisher_db,
            base,
            "demo",
            "--dir",
            str(tmp_path / "pki"),
            "issue",
            "--ca",
            "unaccredited",
            "--cn",
            "МИС Пример",
        )
        unaccredited = load_certificate(Path(summary["cas"]["unaccredited"]).read_bytes()).thumbprint
        assert issued["crl_url"] == f"{base}/pki/crl/{unaccredited}.crl"
        assert load_certificate(Path(issued["certificate"]).read_bytes()).crl_urls == (issued["crl_url"],)

        validator = make_sessionmaker(make_engine(make_db("idp")))
        clock = MovableClock()
        policy = trust.CrlPolicy(max_age=MAX_AGE)
        fetcher = HttpRevocationFetcher(timeout=5)
        try:
            with validator() as session:
                trust.add_trusted_ca(session, ca_pem, accredited=True, actor="test")  # no CRL uploaded

                def check() -> trust.Verdict:
                    return trust.validate_certificate(
                        session, certificate, clock=clock, fetcher=fetcher, policy=policy
                    )

                verdict = check()
                assert (verdict.reason, verdict.kind) == ("ok", "qes"), verdict.notes
                sources = session.scalars(select(CachedCrl.source)).all()
                assert sources == [crl_url]  # fetched from the idp, not uploaded

                revoked = _cli(
                    publisher_db,
                    base,
                    "demo",
                    "--dir",
                    str(tmp_path / "pki"),
                    "revoke",
                    "--ca",
                    "accredited",
                    "--serial",
                    str(int(info.serial, 16)),
                )
                assert revoked["crl_url"] == crl_url
                listed = load_crl(httpx.get(crl_url).content)["tbs_cert_list"]["revoked_certificates"]
                assert [entry["user_certificate"].native for entry in listed] == [int(info.serial, 16)]

                clock.now += MAX_AGE - dt.timedelta(minutes=1)
                assert check().reason == "ok"  # the cached CRL, still fresh
                clock.now += dt.timedelta(minutes=2)
                assert check().reason == "revoked"  # past the bound: fetched again, now listed
        finally:
            fetcher.close()


# -- the endpoint, in process ------------------------------------------------------------------------
async def test_crl_of_a_trusted_ca_is_served_as_der(make_db: Callable[..., str], pki: Pki) -> None:
    app = create_app(idp_settings(make_db("idp")))
    async with running(app) as http:
        with app.state.session_factory() as session:
            ca = trust.add_trusted_ca(session, pki.accredited.der, accredited=True, actor="test")
            trust.upload_crl(session, pki.accredited.crl_path.read_bytes(), now=T0, actor="test")
            thumbprint = ca.thumbprint
            session.commit()
        response = await http.get(f"/pki/crl/{thumbprint}.crl")
        assert response.status_code == 200
        assert response.headers["content-type"] == PKIX_CRL
        assert response.content == pki.accredited.crl_path.read_bytes()
        assert (await http.get(f"/pki/crl/{thumbprint.upper()}.crl")).status_code == 200


async def test_unknown_untrusted_or_unpublished_cas_are_404(make_db: Callable[..., str], pki: Pki) -> None:
    app = create_app(idp_settings(make_db("idp")))
    async with running(app) as http:
        with app.state.session_factory() as session:
            trusted_no_crl = trust.add_trusted_ca(
                session, pki.unaccredited.der, accredited=False, actor="test"
            )
            removed = trust.add_trusted_ca(session, pki.accredited.der, accredited=True, actor="test")
            trust.upload_crl(session, pki.accredited.crl_path.read_bytes(), now=T0, actor="test")
            trust.remove_trusted_ca(session, removed.id, actor="test")  # its CRL row stays behind
            session.commit()
            no_crl, untrusted = trusted_no_crl.thumbprint, removed.thumbprint
        stranger = load_certificate(pki.stranger.der).thumbprint
        for name in (no_crl, untrusted, stranger, "0" * 64, "not-a-thumbprint", "%2e%2e%2fetc"):
            response = await http.get(f"/pki/crl/{name}.crl")
            assert response.status_code == 404, name
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] in ("crl_not_found", "not_found"), name


async def test_a_crl_signed_by_another_ca_of_the_same_name_is_not_served(
    make_db: Callable[..., str], pki: Pki, tmp_path: Path
) -> None:
    """Two trusted CAs with one name (a re-keyed CA): the uploaded CRL belongs to one of them; the
    other's distribution point must not hand it out as its own."""
    twin = demo.create_ca(
        tmp_path / "twin",
        "Test accredited CA",  # the same subject as pki.accredited, another key
        accredited=True,
        not_before=T0 - DAY,
        not_after=T0 + 30 * DAY,
    )
    assert load_certificate(twin.der).subject == load_certificate(pki.accredited.der).subject
    app = create_app(idp_settings(make_db("idp")))
    async with running(app) as http:
        with app.state.session_factory() as session:
            original = trust.add_trusted_ca(session, pki.accredited.der, accredited=True, actor="test")
            other = trust.add_trusted_ca(session, twin.der, accredited=True, actor="test")
            trust.upload_crl(session, pki.accredited.crl_path.read_bytes(), now=T0, actor="test")
            session.commit()
            original_tp, other_tp = original.thumbprint, other.thumbprint
        assert (await http.get(f"/pki/crl/{original_tp}.crl")).status_code == 200
        assert (await http.get(f"/pki/crl/{other_tp}.crl")).status_code == 404
