"""Signature verifications per second on one core (run on demand, not a test).

Keys, certificates and signatures are made once by the ``openssl`` command line (GOST with Debian's
GOST engine); then each case verifies the same signature back to back for ``SECONDS`` in this one
process and prints verifications per second and the mean time of one:

  rsa-2048 cms        idp.pki.cms.verify_cms, detached with signed attributes (openssl cms -sign)
  ecdsa-p256 cms      the same with an ECDSA P-256 key
  gost-256 cms        the same with GOST R 34.10-2012 256 (paramset A), engine and gostcrypto
  gost-256 raw        idp.pki.gost.verify_gost on a 64-byte ``openssl dgst -sign`` (the v2 secret)
  gost-512 raw        the same, 512 bits

    taskset -c 0 .venv/bin/python bench/bench_signatures.py

Env: SECONDS (3 per case). Only certificate-free verification: chain and CRL checks are the trust
store's and are measured with it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "services")]

from idp.pki import gost  # noqa: E402
from idp.pki.cms import verify_cms  # noqa: E402
from tests.idp.pki.openssl_signing import (  # noqa: E402
    cms_sign,
    ec_signer,
    gost_raw_sign,
    gost_signer,
    rsa_signer,
)

SECONDS = float(os.environ.get("SECONDS_PER_CASE", os.environ.get("SECONDS", "3")))
CONTENT = b"openid2025.09.02 13:00:29 +0300EKAP01f8b9c7b0-6f2e-4a67-9f2c-3d0b2f4c1a11"


def measure(name: str, verify: Callable[[], object]) -> None:
    verify()  # once outside the clock: imports, caches
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < SECONDS:
        verify()
        count += 1
    print(f"{name:34} {count / elapsed:9.1f} /s   {elapsed / count * 1000:8.2f} ms each")


def main() -> None:
    rsa_cms = cms_sign(rsa_signer(), CONTENT)
    ec_cms = cms_sign(ec_signer(), CONTENT)
    measure("rsa-2048 cms", lambda: verify_cms(rsa_cms, CONTENT))
    measure("ecdsa-p256 cms", lambda: verify_cms(ec_cms, CONTENT))
    if not gost.openssl_gost_available():
        print("gost: the OpenSSL GOST engine is not installed (.ci/install-gost); GOST cases skipped")
        return
    verifiers: list[gost.GostVerifier] = [gost.OpenSSLGostVerifier(), gost.PureGostVerifier()]
    gost_cms = cms_sign(gost_signer(), CONTENT)
    key256 = gost.public_key_from_certificate(gost_signer().certificate_der)
    raw256 = gost_raw_sign(gost_signer(), CONTENT)
    key512 = gost.public_key_from_certificate(gost_signer(512).certificate_der)
    raw512 = gost_raw_sign(gost_signer(512), CONTENT)
    for verifier in verifiers:
        measure(
            f"gost-256 cms ({verifier.name})",
            lambda v=verifier: verify_cms(gost_cms, CONTENT, gost_verifier=v),
        )
        measure(
            f"gost-256 raw ({verifier.name})", lambda v=verifier: gost.verify_gost(key256, CONTENT, raw256, v)
        )
        measure(
            f"gost-512 raw ({verifier.name})", lambda v=verifier: gost.verify_gost(key512, CONTENT, raw512, v)
        )
    der = gost_signer().certificate_der
    measure("certificate_hash (Streebog-256)", lambda: gost.certificate_hash(der))


if __name__ == "__main__":
    main()
