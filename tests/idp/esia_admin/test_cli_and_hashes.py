"""``python -m idp esia …`` run as an operator runs it (a subprocess on a migrated database), and the
certificate hashes checked against what ``openssl dgst`` prints for the same DER."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from idp.audit.models import SecurityEvent
from idp.esia import diagnostics, registry
from idp.esia.errors import EsiaError
from idp.esia.registry import EsiaClientSpec
from shared.db import make_engine, make_sessionmaker
from tests.cli import invoke
from tests.idp.esia_admin.conftest import Files
from tests.idp.pki.openssl_signing import gost_signer, needs_gost, openssl, rsa_signer


def esia(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return invoke("idp", {"dev_mode": True, "database_url": url}, "esia", *args)


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cli_registers_a_client_and_its_certificate_then_removes_them(
    make_db: Callable[..., str], tmp_path: Path, files: Files
) -> None:
    url = make_db("idp")
    added = ok(
        esia(url, "client", "add", "DEMO01", "--name", "Демо ИС", "--redirect-uri", "https://is.example.test/cb",
             "--redirect-uri", "https://is.example.test/cb2", "--scope", "openid", "--scope", "fullname",
             "--alg", "GOST3410_2012_256", "--window", "120", "--mode", "lenient", "--require-confirmed")
    )  # fmt: skip
    assert added["client_id"] == "DEMO01" and added["redirect_uris"][1] == "https://is.example.test/cb2"
    assert (added["timestamp_window"], added["mode"], added["require_confirmed"]) == (120, "lenient", True)
    assert added["signing_alg"] == "GOST3410_2012_256" and added["issuer"] == "http://esia.gosuslugi.ru/"
    cer = tmp_path / "is.cer"
    cer.write_bytes(files.rsa_der)
    cert = ok(esia(url, "cert", "add", "DEMO01", str(cer)))
    assert cert["algorithm"] == "rsa" and len(cert["client_certificate_hash"]) == 64
    changed = ok(esia(url, "client", "set", "DEMO01", "--mode", "strict", "--no-require-confirmed"))
    assert (changed["mode"], changed["require_confirmed"], changed["timestamp_window"]) == (
        "strict",
        False,
        120,
    )
    shown = ok(esia(url, "client", "show", "DEMO01"))
    assert [c["sha256"] for c in shown["certificates"]] == [cert["sha256"]]
    assert [c["client_id"] for c in ok(esia(url, "client", "list"))] == ["DEMO01"]
    assert ok(esia(url, "cert", "remove", "DEMO01", cert["sha256"]))["removed"] == cert["sha256"]
    assert ok(esia(url, "client", "remove", "DEMO01")) == {"removed": "DEMO01"}
    assert ok(esia(url, "client", "list")) == []
    with make_sessionmaker(make_engine(url))() as session:
        actions = [
            (e.actor, e.details["action"])
            for e in session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))
            if e.event_type == "admin_action"
        ]
    assert actions == [
        ("cli", "esia_client_registered"),
        ("cli", "esia_certificate_registered"),
        ("cli", "esia_client_updated"),
        ("cli", "esia_certificate_removed"),
        ("cli", "esia_client_removed"),
    ]


def test_cli_refusals_exit_2_with_the_code_and_a_reason(
    make_db: Callable[..., str], tmp_path: Path, files: Files
) -> None:
    url = make_db("idp")
    bad_uri = esia(url, "client", "add", "DEMO01", "--redirect-uri", "not a url")
    assert bad_uri.returncode == 2 and bad_uri.stderr.startswith("idp esia: invalid_esia_client: ")
    assert (
        esia(url, "client", "add", "DEMO01", "--redirect-uri", "https://is.example.test/cb").returncode == 0
    )
    key = tmp_path / "is.key"
    key.write_bytes(files.rsa_key_pem)
    refused = esia(url, "cert", "add", "DEMO01", str(key))
    assert refused.returncode == 2 and "private_key_refused" in refused.stderr
    assert "PRIVATE KEY" not in refused.stderr + refused.stdout
    missing = esia(url, "cert", "add", "DEMO01", str(tmp_path / "nope.cer"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    unknown = esia(url, "client", "show", "NOPE01")
    assert unknown.returncode == 2 and "esia_client_not_found" in unknown.stderr
    with make_sessionmaker(make_engine(url))() as session:
        refusals = [
            e.details
            for e in session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))
            if e.result == "failure"
        ]
    assert refusals == [
        {"action": "esia_certificate_registered", "client_id": "DEMO01", "reason": "private_key_refused"}
    ]


def test_cli_diag_prints_the_stored_explanation(make_db: Callable[..., str]) -> None:
    url = make_db("idp")
    with make_sessionmaker(make_engine(url))() as session:
        error = EsiaError("ESIA-007015", diagnosis={"skew_seconds": 912, "window_seconds": 300})
        handle = diagnostics.record(session, "DEMO01", "v2/ac", error).handle
        session.commit()
    shown = ok(esia(url, "diag", handle))
    assert shown["esia_code"] == "ESIA-007015" and shown["skew_seconds"] == 912
    assert shown["description"] == "ESIA-007015: Неверное время запроса"
    missing = esia(url, "diag", "0123456789ab")
    assert missing.returncode == 2 and "esia_diagnosis_not_found" in missing.stderr


# --- the hashes, against openssl ------------------------------------------------------------------------
def _register(make_db: Callable[..., str], der: bytes) -> Any:
    with make_sessionmaker(make_engine(make_db("idp")))() as session:
        registry.register_client(
            session,
            _hasher(),
            EsiaClientSpec(client_id="EGISZ", name="ЕГИСЗ", redirect_uris=["https://egisz.example.test/cb"]),
        )
        row = registry.register_certificate(session, "EGISZ", der)
        session.commit()
        return registry.describe_certificate(row)


def _hasher() -> Any:
    from idp.clients.secrets import SecretHasher

    return SecretHasher("test-pepper-0123456789abcdef0123456789")


def _openssl_dgst(der: bytes, *args: str) -> str:
    return openssl("dgst", *args, "-r", stdin=der).decode().split()[0].lower()


@needs_gost
@pytest.mark.parametrize("bits", [256, 512])
def test_client_certificate_hash_is_what_openssl_gost_prints(make_db: Callable[..., str], bits: int) -> None:
    """ESIA.md §3.1 and §11: ``openssl dgst -engine gost -md_gost12_256`` over the DER certificate."""
    der = gost_signer(bits, "A").certificate_der
    view = _register(make_db, der)
    assert view.gost_hash == _openssl_dgst(der, "-engine", "gost", "-md_gost12_256")
    assert view.sha1 == _openssl_dgst(der, "-sha1") and view.sha256 == _openssl_dgst(der, "-sha256")


@needs_gost
def test_an_rsa_certificate_gets_the_same_streebog_hash_as_openssl(make_db: Callable[..., str]) -> None:
    der = rsa_signer().certificate_der
    view = _register(make_db, der)
    assert view.gost_hash == _openssl_dgst(der, "-engine", "gost", "-md_gost12_256")
