"""Signature logins per second on one core, in process (run on demand, not a test).

What one login by signature costs the idp besides the session: ``verify_cms`` over the challenge
(a signature made by ``openssl cms -sign`` from a demo .pfx), then ``validate_certificate`` at "now"
against the trust store in a migrated SQLite database (path to the demo CA, validity, the CA's
uploaded CRL read from the database and checked, key usage). Each case repeats the same login
checks back to back for ``SECONDS`` and prints logins per second and the mean time of one:

  rsa-2048      accredited demo CA (RSA-2048), RSA-2048 signer
  ecdsa-p256    unaccredited demo CA (ECDSA P-256), ECDSA P-256 signer
  gost-256      GOST demo CA (GOST R 34.10-2012 256), GOST signer (Debian's GOST engine)

    taskset -c 0 .venv/bin/python bench/bench_signature_login.py

Env: SECONDS (3 per case).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "services")]

from idp.pki import cms, demo, trust  # noqa: E402
from shared import migrations  # noqa: E402
from shared.db import make_engine, make_sessionmaker  # noqa: E402

SECONDS = float(os.environ.get("SECONDS_PER_CASE", os.environ.get("SECONDS", "3")))
NOW = dt.datetime.now(dt.UTC)
DAY = dt.timedelta(days=1)
PIN = "12345678"
SUBJECT = demo.Subject(common_name="Петрова Анна", surname="Петрова", given_name="Анна", snils="11223344595")
CHALLENGE = b"idp.example sign-in 2026-12-01T12:00:00Z 3q2-7w8Xk1mVv0c5f6bYQwJ9zH4rT2uLpA0sNdEeKoI"


def measure(name: str, login: Callable[[], object]) -> None:
    login()  # once outside the clock: imports, caches
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < SECONDS:
        login()
        count += 1
    print(f"{name:14} {count / elapsed:9.1f} logins/s   {elapsed / count * 1000:8.2f} ms each")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-siglogin-") as folder:
        root = Path(folder)
        url = f"sqlite:///{root / 'idp.db'}"
        migrations.upgrade(ROOT / "services/idp/migrations", url)
        window = {"not_before": NOW - 365 * DAY, "not_after": NOW + 3650 * DAY}
        cases: list[tuple[str, str, demo.Algorithm, bool]] = [
            ("rsa-2048", "rsa", "rsa", True),
            ("ecdsa-p256", "ecdsa", "ecdsa", False),
        ]
        if demo.gost_available():
            cases.append(("gost-256", "gost", "gost", True))
        else:
            print("gost-256: the OpenSSL GOST engine is not installed (.ci/install-gost); skipped")
        factory = make_sessionmaker(make_engine(url))
        signed: list[tuple[str, bytes]] = []
        with factory() as session:
            for name, ca_alg, alg, accredited in cases:
                ca = demo.create_ca(
                    root / name, f"Bench {name}", accredited=accredited, algorithm=ca_alg, **window
                )
                issued = ca.issue(
                    "signer", SUBJECT, algorithm=alg, not_before=NOW - DAY, not_after=NOW + 100 * DAY
                )
                pfx = demo.write_pfx(issued, ca, root / f"{name}.pfx", PIN)
                trust.add_trusted_ca(session, ca.der, accredited=accredited, actor="bench")
                ca.publish_crl(NOW - DAY, NOW + 7 * DAY)
                trust.upload_crl(session, ca.crl_path.read_bytes(), now=NOW, actor="bench")
                signed.append((name, demo.sign_challenge(pfx, PIN, CHALLENGE)))
            session.commit()
        policy = trust.CrlPolicy()
        print(f"signature logins (verify_cms + validate_certificate with CRL), {SECONDS:g} s per case:")
        for name, signature in signed:
            with factory() as session:

                def login(signature: bytes = signature, session: object = session) -> None:
                    verified = cms.verify_cms(signature, CHALLENGE)
                    verdict = trust.validate_certificate(
                        session,  # type: ignore[arg-type]
                        verified.signer_certificate,
                        clock=lambda: NOW,
                        fetcher=None,
                        policy=policy,
                    )
                    assert verdict.ok, verdict.reason

                measure(name, login)


if __name__ == "__main__":
    main()
