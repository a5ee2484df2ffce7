"""The certificate's signing key: an ES256 (P-256) key of egisz_api's own, as a JWS (RFC 7515)
built with joserfc; its public half is published as a JWKS (RFC 7517) so anyone can verify a
certificate offline.

The key is a PEM file (``EGISZ_COVID_CERT_KEY``). In dev mode a missing file is generated (mode
0600) like the other dev keys under ``var/``; outside dev mode a missing key refuses issuing and
verification with 503 rather than inventing a key no verifier knows.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from egisz_api.covid.errors import CertificateKeyMissingError

ALGORITHM = "ES256"
#: the JWS ``typ`` of a certificate payload
TYPE = "covid-cert+jws"


class CertificateSigner:
    def __init__(self, key: ECKey) -> None:
        self.key = key
        self.kid = key.thumbprint()  # RFC 7638
        self.public = ECKey.import_key(key.as_dict(private=False))

    def sign(self, claims: dict[str, Any]) -> str:
        payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
        header = {"alg": ALGORITHM, "kid": self.kid, "typ": TYPE}
        return jws.serialize_compact(header, payload, self.key, algorithms=[ALGORITHM])

    def verify(self, token: str) -> Any | None:
        """The payload of a JWS this key signed; None for anything else (tampered, another key,
        another algorithm, not a JWS at all)."""
        if len(token) > 8192 or token.count(".") != 2:
            return None
        try:
            found = jws.deserialize_compact(token, self.public, algorithms=[ALGORITHM])
            return json.loads(found.payload)
        except (JoseError, ValueError, TypeError):
            return None

    def jwks(self) -> dict[str, Any]:
        public = ECKey.import_key(self.public.as_dict(), {"kid": self.kid, "use": "sig", "alg": ALGORITHM})
        return dict(KeySet([public]).as_dict())


class SignerHolder:
    """Loads the key once, on first use (generating it in dev mode)."""

    def __init__(self, path: Path, *, dev_mode: bool) -> None:
        self.path = path
        self.dev_mode = dev_mode
        self._signer: CertificateSigner | None = None
        self._lock = threading.Lock()

    def get(self) -> CertificateSigner:
        with self._lock:
            if self._signer is None:
                self._signer = CertificateSigner(self._load())
            return self._signer

    def _load(self) -> ECKey:
        if self.path.is_file():
            return ECKey.import_key(self.path.read_bytes())
        if not self.dev_mode:
            raise CertificateKeyMissingError(
                "The vaccination certificate signing key (EGISZ_COVID_CERT_KEY) is missing."
            )
        key = ECKey.generate_key("P-256")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.as_pem(private=True))
        return key
