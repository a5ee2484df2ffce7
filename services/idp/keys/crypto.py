"""Key material at rest: the signing keys' private parts are sealed with AES-256-GCM.

Signing, verification and key generation are joserfc's (:mod:`idp.keys.jose`).
"""

from __future__ import annotations

import hashlib
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class KeyEncryptor:
    """AES-256-GCM under a key derived (HKDF-SHA256) from the configured key-encryption key."""

    def __init__(self, secret: str) -> None:
        material = secret.encode()
        self._aead = AESGCM(
            HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"idp signing-key kek").derive(
                material
            )
        )
        #: a short fingerprint stored beside each blob, to tell which KEK sealed it
        self.kek_id = hashlib.sha256(b"kek-id:" + material).hexdigest()[:12]

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext, context)

    def open(self, blob: bytes, context: bytes) -> bytes:
        return self._aead.decrypt(blob[:12], blob[12:], context)
