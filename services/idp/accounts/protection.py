"""Personal data at rest (R-SEC-2): AES-256-GCM per field, with a key id stored beside each value,
and a keyed hash (HMAC-SHA256) for lookups and uniqueness without decrypting.

Keys derive from the configured personal-data secret (HKDF-SHA256); the key id is a fingerprint of
the secret, so a value sealed under an older secret is recognised (:meth:`FieldCipher.needs_reencryption`)
and still opens while that secret is listed in ``previous``.

Rotation. The *lookup* key derives from the **current** secret as well, so after the secret changes
every stored ``<field>_lookup`` was computed under the old one and no longer matches what
:meth:`FieldCipher.lookup_hash` computes: a search by SNILS misses those accounts until
``python -m idp reencrypt-personal-data`` (:mod:`idp.accounts.reencrypt`) has re-sealed the values
and recomputed their lookups from the decrypted values. :meth:`FieldCipher.lookup_hashes` gives the
hash under every configured secret, for a search that must also find not-yet-migrated rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

#: Lookups that cover several fields: ``<name>_lookup`` is the HMAC, under the field name ``<name>``,
#: of the fields' plaintexts concatenated in this order (fixed-width digits, so no separator: series
#: 4 + number 6, as ``accounts.sealing.passport_key`` writes it). Every other ``<field>_lookup`` is
#: the HMAC of ``<field>`` alone. (One account per passport: series and number together.)
COMBINED_LOOKUPS: Mapping[str, tuple[str, ...]] = {"passport": ("passport_series", "passport_number")}


class UndecryptableValueError(ValueError):
    """A stored value is not ciphertext that any configured key opens (wrong key, damaged data)."""


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def key_id(secret: str) -> str:
    return hashlib.sha256(b"pii-kid:" + secret.encode()).hexdigest()[:8]


def previous_secrets(value: SecretStr | str | Iterable[str] | None) -> tuple[str, ...]:
    """The older secrets from a setting: a comma-separated string (or SecretStr), a list, or None."""
    if value is None:
        return ()
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(item.strip() for item in items if item.strip())


class FieldCipher:
    """Seals under the current secret; opens under the current or any previous one."""

    def __init__(self, secret: str, previous: Iterable[str] = ()) -> None:
        if not secret:
            raise ValueError("the personal-data key is empty")
        self._keys: dict[str, AESGCM] = {}
        self._lookup_keys: dict[str, bytes] = {}
        for value in (secret, *previous):
            kid = key_id(value)
            if kid in self._keys:
                continue  # the current secret listed again among the previous ones
            material = value.encode()
            self._keys[kid] = AESGCM(_derive(material, b"idp personal data"))
            self._lookup_keys[kid] = _derive(material, b"idp personal data lookup")
        self.key_id = key_id(secret)
        self._lookup_key = self._lookup_keys[self.key_id]

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The current key id first, then the previous ones."""
        return tuple(self._keys)

    def seal(self, plaintext: str, field: str) -> str:
        """``<kid>.<base64(nonce|ciphertext)>``; the field name is bound as associated data."""
        nonce = os.urandom(12)
        blob = nonce + self._keys[self.key_id].encrypt(nonce, plaintext.encode(), field.encode())
        return f"{self.key_id}.{base64.b64encode(blob).decode()}"

    def open(self, sealed: str, field: str) -> str:
        """The plaintext, or :class:`UndecryptableValueError` (never the value in the message)."""
        kid, dot, data = sealed.partition(".")
        key = self._keys.get(kid)
        if not dot or key is None:
            # Not the key id in the message: a value that is not ours may be plaintext.
            raise UndecryptableValueError(f"{field}: not sealed under any configured key")
        try:
            blob = base64.b64decode(data, validate=True)
            return key.decrypt(blob[:12], blob[12:], field.encode()).decode()
        except (binascii.Error, InvalidTag, ValueError) as exc:
            raise UndecryptableValueError(f"{field}: damaged ciphertext under key {kid}") from exc

    def needs_reencryption(self, sealed: str) -> bool:
        """True when ``sealed`` is not under the current key (an older key, or not ours at all)."""
        return sealed.partition(".")[0] != self.key_id

    def lookup_hash(self, value: str, field: str) -> str:
        """HMAC of the value under the current secret's lookup key."""
        return self._hmac(self._lookup_key, value, field)

    def lookup_hashes(self, value: str, field: str) -> dict[str, str]:
        """The lookup hash under every configured secret, by key id (current first)."""
        return {kid: self._hmac(key, value, field) for kid, key in self._lookup_keys.items()}

    def combined_lookup_hash(self, name: str, values: Mapping[str, str]) -> str:
        """The lookup of a :data:`COMBINED_LOOKUPS` entry from its fields' plaintexts."""
        return self.lookup_hash(combined_lookup_value(name, values), name)

    @staticmethod
    def _hmac(key: bytes, value: str, field: str) -> str:
        return hmac.new(key, f"{field}:{value}".encode(), hashlib.sha256).hexdigest()


def combined_lookup_value(name: str, values: Mapping[str, str]) -> str:
    return "".join(values[part] for part in COMBINED_LOOKUPS[name])
