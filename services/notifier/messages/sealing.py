"""Recipients and parameters at rest: AES-256-GCM, bound to the message id and the field.

Recipient addresses are personal data and parameters hold codes, so both are stored sealed. The
associated data (message id + field name) stops a blob from being copied onto another row. Keyed
hashes (HMAC-SHA256) stand in for addresses where only equality matters (rate-limit keys,
idempotency digests), so neither Redis nor the database holds an address or a code in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"
_NONCE_BYTES = 12


def _derive(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class Sealer:
    def __init__(self, key_material: str) -> None:
        material = key_material.encode()
        self._aead = AESGCM(_derive(material, b"notifier message data v1"))
        self._mac_key = _derive(material, b"notifier keyed digests v1")

    def seal(self, value: Any, *, message_id: str, field: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        aad = f"{message_id}:{field}".encode()
        return _VERSION + nonce + self._aead.encrypt(nonce, canonical_json(value), aad)

    def open(self, blob: bytes, *, message_id: str, field: str) -> Any:
        if blob[:1] != _VERSION:
            raise ValueError("unknown sealed-blob version")
        nonce, ciphertext = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        aad = f"{message_id}:{field}".encode()
        return json.loads(self._aead.decrypt(nonce, ciphertext, aad))

    def digest(self, value: Any) -> str:
        """A keyed hash: equal inputs give equal digests; a 6-digit code cannot be brute-forced back."""
        return hmac.new(self._mac_key, canonical_json(value), hashlib.sha256).hexdigest()
