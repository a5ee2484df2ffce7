"""Personal data at rest: AES-256-GCM per field, with a key id stored beside each value, and a
keyed hash (HMAC-SHA256) for lookups and uniqueness without decrypting.

Keys derive from the configured personal-data key; the key id is a fingerprint of it, so a value
sealed under an older key can be found and re-encrypted after the key changes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


class FieldCipher:
    def __init__(self, secret: str, previous: tuple[str, ...] = ()) -> None:
        self._keys: dict[str, AESGCM] = {}
        for index, value in enumerate((secret, *previous)):
            material = value.encode()
            kid = hashlib.sha256(b"pii-kid:" + material).hexdigest()[:8]
            self._keys[kid] = AESGCM(_derive(material, b"idp personal data"))
            if index == 0:
                self.key_id = kid
                self._lookup_key = _derive(material, b"idp personal data lookup")

    def seal(self, plaintext: str, field: str) -> str:
        """``<kid>.<base64(nonce|ciphertext)>``; the field name is bound as associated data."""
        nonce = os.urandom(12)
        blob = nonce + self._keys[self.key_id].encrypt(nonce, plaintext.encode(), field.encode())
        return f"{self.key_id}.{base64.b64encode(blob).decode()}"

    def open(self, sealed: str, field: str) -> str:
        kid, _, data = sealed.partition(".")
        blob = base64.b64decode(data)
        return self._keys[kid].decrypt(blob[:12], blob[12:], field.encode()).decode()

    def lookup_hash(self, value: str, field: str) -> str:
        return hmac.new(self._lookup_key, f"{field}:{value}".encode(), hashlib.sha256).hexdigest()
