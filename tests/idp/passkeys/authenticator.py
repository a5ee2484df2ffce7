"""A software WebAuthn authenticator and client, the test's own (WebAuthn Level 3 §6): an EC P-256
key made with ``cryptography``, attestation ``none`` (§8.7), assertions signed over
``authenticatorData || SHA-256(clientDataJSON)`` (§6.3.3). It answers the options the idp sends
the way a browser would, and can be told to lie (another origin, another RP ID, no UV, an old
counter) so the tests can break in."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import encode_cbor

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftAuthenticator:
    def __init__(self, rp_id: str, origin: str, *, synced: bool = False, counter: int | None = None) -> None:
        """``counter``: None for an authenticator that keeps no counter (always 0, like synced
        passkeys), else the counter's current value (raised at each assertion)."""
        self.rp_id = rp_id
        self.origin = origin
        self.synced = synced
        self.counter = counter
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.user_handle: str | None = None

    def _cose(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return encode_cbor(
            {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        )

    def _flags(self, uv: bool) -> int:
        flags = UP | (UV if uv else 0)
        if self.synced:
            flags |= BE | BS
        return flags

    def _auth_data(self, rp_id: str, flags: int, counter: int, attested: bool = False) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", counter)
        if attested:
            data += bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose()
        return data

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        ).encode()

    def create(
        self, options: dict[str, Any], *, origin: str | None = None, rp_id: str | None = None, uv: bool = True
    ) -> str:
        """navigator.credentials.create: the registration response as JSON."""
        assert options["rp"]["id"] == self.rp_id
        self.user_handle = options["user"]["id"]
        counter = self.counter or 0
        auth_data = self._auth_data(rp_id or self.rp_id, self._flags(uv) | AT, counter, attested=True)
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "attestationObject": b64url(attestation),
                    "transports": ["internal"],
                },
                "clientExtensionResults": {},
            }
        )

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        uv: bool = True,
        kind: str = "webauthn.get",
    ) -> str:
        """navigator.credentials.get: an assertion as JSON (the counter raised first, if kept)."""
        if self.counter is not None:
            self.counter += 1
        auth_data = self._auth_data(rp_id or self.rp_id, self._flags(uv), self.counter or 0)
        client_data = self._client_data(kind, options["challenge"], origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "authenticatorData": b64url(auth_data),
                    "signature": b64url(signature),
                    "userHandle": self.user_handle,
                },
                "clientExtensionResults": {},
            }
        )
