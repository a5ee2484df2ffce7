"""`make run`'s seed registers EGISZ and DEMO01 as ESIA-face clients with their own demo-PKI
certificates (GOST and RSA for EGISZ, RSA for DEMO01), writes their key, certificate and .pfx
files, lists them under ``esia_clients``, and changes nothing when run again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from idp.esia import registry
from idp.pki import demo
from idp.pki.certificates import load_certificate
from idp.seed import DEMO_ESIA_PIN, EGISZ_ESIA_SCOPES, seed
from shared.db import make_engine, make_sessionmaker
from tests.conftest import idp_settings
from tests.idp.pki.openssl_signing import openssl


def _registrations(url: str) -> dict[str, Any]:
    with make_sessionmaker(make_engine(url))() as session:
        return {
            r.client.client_id: (r.spec, sorted((c.algorithm, c.sha256) for c in r.certificates))
            for r in registry.registrations(session)
        }


def test_seed_registers_egisz_and_demo01_with_their_certificates_and_is_idempotent(
    make_db: Callable[..., str], tmp_path: Path
) -> None:
    url = make_db("idp")
    settings = idp_settings(
        url, demo_pki_dir=str(tmp_path / "pki"), egisz_url="http://egisz.example.test:8001/"
    )
    first = seed(settings)["esia_clients"]
    registered = _registrations(url)
    second = seed(settings)["esia_clients"]
    assert second == first and _registrations(url) == registered  # nothing new, nothing changed
    gost = demo.gost_available()
    assert [(e["client_id"], e["algorithm"]) for e in first] == [
        *([("EGISZ", "gost256")] if gost else []),
        ("EGISZ", "rsa"),
        ("DEMO01", "rsa"),
    ]
    egisz, egisz_certificates = registered["EGISZ"]
    assert egisz.name == "ЕГИСЗ" and egisz.mode == "strict" and egisz.signing_alg == "RS256"
    assert egisz.scopes == EGISZ_ESIA_SCOPES
    assert egisz.redirect_uris == ["http://egisz.example.test:8001/esia/callback"]
    assert egisz.backchannel_logout_uri == "http://egisz.example.test:8001/esia/backchannel-logout"
    demo01, demo01_certificates = registered["DEMO01"]
    assert demo01.mode == "lenient" and [a for a, _ in demo01_certificates] == ["rsa"]
    assert len(egisz_certificates) == (2 if gost else 1)
    for entry in first:
        assert Path(entry["certificate"]).is_relative_to(tmp_path / "pki" / "esia")
        info = load_certificate(Path(entry["certificate"]).read_bytes())
        assert (entry["algorithm"], info.thumbprint) in registered[entry["client_id"]][1]
        assert entry["pin"] == DEMO_ESIA_PIN and Path(entry["pfx"]).is_file()
        assert len(entry["client_certificate_hash"]) == 64
        _key_matches_certificate(entry)


def _key_matches_certificate(entry: dict[str, Any]) -> None:
    """The key file, the certificate and the .pfx belong together (what EGISZ will sign with)."""
    key, cert, pfx = Path(entry["key"]), Path(entry["certificate"]), Path(entry["pfx"])
    engine = ["-engine", "gost"] if entry["algorithm"].startswith("gost") else []
    from_key = openssl("pkey", *engine, "-in", str(key), "-pubout")
    from_cert = openssl("x509", *engine, "-in", str(cert), "-pubkey", "-noout")
    assert from_key == from_cert
    if not engine:
        _, certificate, _ = pkcs12.load_key_and_certificates(pfx.read_bytes(), DEMO_ESIA_PIN.encode())
        assert certificate is not None
        assert certificate.public_bytes(serialization.Encoding.DER) == load_certificate(cert.read_bytes()).der
