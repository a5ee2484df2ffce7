"""Certificate and CRL signature checks for path validation, GOST R 34.10-2012 included.

``pyhanko-certvalidator`` verifies signatures through ``cryptography``, which knows no GOST keys
(``UnsupportedAlgorithm: Unknown key type 1.2.643.7.1.1.1.1``). It lets the caller supply the
signature step, so this validator hands GOST signatures to the system ``openssl dgst -engine gost``
(Debian's ``libengine-gost-openssl``; the certificate's signature value is the same 64/128 raw bytes
``openssl dgst -sign`` makes) and everything else to the library's own validator. Chain building,
validity dates, key usage, basic constraints and revocation stay the library's.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from asn1crypto import algos, keys
from cryptography.exceptions import InvalidSignature
from pyhanko_certvalidator.sig_validate import (
    DEFAULT_VALIDATION_CONTEXT,
    DefaultSignatureValidator,
    SignatureValidationContext,
    SignatureValidator,
)

#: GOST R 34.10-2012 signature OIDs and the openssl digest option each implies.
#: The system openssl with Debian's GOST engine (``libengine-gost-openssl``).
OPENSSL = "openssl"
GOST_DIGESTS = {"1.2.643.7.1.1.3.2": "-md_gost12_256", "1.2.643.7.1.1.3.3": "-md_gost12_512"}


class GostUnavailableError(InvalidSignature):
    """The GOST engine is not installed: a GOST signature cannot be checked (so it is refused)."""


def verify_gost(signature: bytes, data: bytes, public_key_info_der: bytes, algorithm_oid: str) -> None:
    """Raise ``InvalidSignature`` unless ``signature`` is a valid GOST signature over ``data``."""
    digest = GOST_DIGESTS[algorithm_oid]
    with tempfile.TemporaryDirectory(prefix="pki-verify-") as tmp:
        work = Path(tmp)
        (work / "key.der").write_bytes(public_key_info_der)
        (work / "sig").write_bytes(signature)
        (work / "data").write_bytes(data)
        try:
            done = subprocess.run(  # noqa: S603 (fixed program, arguments built here)
                [
                    OPENSSL,
                    "dgst",
                    "-engine",
                    "gost",
                    digest,
                    "-verify",
                    str(work / "key.der"),
                    "-keyform",
                    "DER",
                    "-signature",
                    str(work / "sig"),
                    str(work / "data"),
                ],
                capture_output=True,
                check=False,
                timeout=30,
            )
        except FileNotFoundError:
            raise GostUnavailableError("openssl is not installed") from None
    if done.returncode != 0:
        if (
            b"engine" in done.stderr.lower()
            and b"gost" in done.stderr.lower()
            and b"verif" not in done.stdout.lower()
        ):
            raise GostUnavailableError("openssl's GOST engine is not installed")
        raise InvalidSignature("GOST signature does not verify")


class GostAwareSignatureValidator(SignatureValidator):
    """The library's validator, plus GOST R 34.10-2012 through openssl."""

    def __init__(self) -> None:
        self._default = DefaultSignatureValidator()

    def validate_signature(
        self,
        signature: bytes,
        signed_data: bytes,
        public_key_info: keys.PublicKeyInfo,
        signature_algorithm: algos.SignedDigestAlgorithm,
        context: SignatureValidationContext = DEFAULT_VALIDATION_CONTEXT,
    ) -> Any:
        oid = signature_algorithm["algorithm"].dotted
        if oid in GOST_DIGESTS:
            verify_gost(signature, signed_data, public_key_info.dump(), oid)
            return None
        return self._default.validate_signature(
            signature, signed_data, public_key_info, signature_algorithm, context
        )
