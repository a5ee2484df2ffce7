"""The demo PKI: .pfx files open with their PIN only, and ``sign-challenge`` makes what
``openssl cms -sign`` makes, checked here by the openssl command line (not by our code)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from idp.pki import demo
from tests.idp.pki.conftest import T0, Pki

CHALLENGE = b"idp-challenge-5f1c2a"


def _openssl_verify(signature: bytes, ca: Path, tmp: Path, *, detached: bool, gost: bool = False) -> bytes:
    sig, content = tmp / "sig.der", tmp / "content"
    sig.write_bytes(signature)
    content.write_bytes(CHALLENGE)
    args = [
        "openssl",
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        str(sig),
        "-CAfile",
        str(ca),
        "-purpose",
        "any",
        "-attime",
        str(int(T0.timestamp())),
    ]
    if gost:
        args[2:2] = ["-engine", "gost"]
    if detached:
        args += ["-content", str(content)]
    done = subprocess.run(args, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.mark.parametrize("name", ["good", "good_ecdsa"])
def test_detached_signature_verifies_with_openssl(pki: Pki, name: str, tmp_path: Path) -> None:
    ca = pki.accredited if name == "good" else pki.unaccredited
    pfx = demo.write_pfx(pki.certs[name], ca, tmp_path / f"{name}.pfx", "1234")
    signature = demo.sign_challenge(pfx, "1234", CHALLENGE)
    _openssl_verify(signature, ca.cert_pem, tmp_path, detached=True)
    assert CHALLENGE not in signature


def test_attached_signature_carries_the_challenge(pki: Pki, tmp_path: Path) -> None:
    pfx = demo.write_pfx(pki.certs["good"], pki.accredited, tmp_path / "good.pfx", "1234")
    signature = demo.sign_challenge(pfx, "1234", CHALLENGE, attached=True)
    assert _openssl_verify(signature, pki.accredited.cert_pem, tmp_path, detached=False) == CHALLENGE


def test_tampered_challenge_does_not_verify(pki: Pki, tmp_path: Path) -> None:
    pfx = demo.write_pfx(pki.certs["good"], pki.accredited, tmp_path / "good.pfx", "1234")
    signature = demo.sign_challenge(pfx, "1234", b"another challenge")
    with pytest.raises(AssertionError):
        _openssl_verify(signature, pki.accredited.cert_pem, tmp_path, detached=True)


def test_wrong_pin_is_refused(pki: Pki, tmp_path: Path) -> None:
    pfx = demo.write_pfx(pki.certs["good"], pki.accredited, tmp_path / "good.pfx", "1234")
    with pytest.raises(demo.DemoPkiError, match="wrong PIN"):
        demo.sign_challenge(pfx, "0000", CHALLENGE)


def test_gost_signature_made_by_openssls_gost_engine_verifies(pki: Pki, tmp_path: Path) -> None:
    if pki.gost is None:
        pytest.skip("libengine-gost-openssl is not installed")
    pfx = demo.write_pfx(pki.certs["gost"], pki.gost, tmp_path / "gost.pfx", "1234")
    signature = demo.sign_challenge(pfx, "1234", CHALLENGE)
    _openssl_verify(signature, pki.gost.cert_pem, tmp_path, detached=True, gost=True)


def test_crl_lists_the_revoked_serial(pki: Pki) -> None:
    from idp.pki.certificates import load_crl

    crl = load_crl(pki.accredited.crl_path.read_bytes())
    serials = {entry["user_certificate"].native for entry in crl["tbs_cert_list"]["revoked_certificates"]}
    assert pki.certs["revoked"].serial in serials and pki.certs["good"].serial not in serials
