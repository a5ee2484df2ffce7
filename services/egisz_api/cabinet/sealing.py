"""The cabinet session's token and what derives from it.

The browser keeps a random 256-bit token in an HttpOnly cookie. From it, and from nothing stored:

- the row key ``id_hash`` (SHA-256): a copy of the table cannot be turned back into a cookie;
- the key that seals the person's name and SNILS in the row (HKDF-SHA256 → AES-256-GCM, the row
  key bound as associated data): personal data at rest (R-SEC-2) opens only while the person's
  browser presents the cookie, so the server holds no key that opens every row;
- the CSRF token of the cabinet's forms (HMAC of a fixed label): forms post it back and the
  cabinet's ``check_csrf`` compares in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TOKEN_BYTES = 32


class UnreadableSessionDataError(ValueError):
    """The sealed person data does not open under this token (another cookie, damaged row)."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _key(token: str) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"egisz cabinet session data")
    return AESGCM(derived.derive(token.encode()))


def seal_person(token: str, person: dict[str, str | None]) -> str:
    nonce = os.urandom(12)
    data = json.dumps(person, ensure_ascii=False, separators=(",", ":")).encode()
    sealed = _key(token).encrypt(nonce, data, token_hash(token).encode())
    return base64.b64encode(nonce + sealed).decode()


def open_person(token: str, sealed: str) -> dict[str, str | None]:
    try:
        blob = base64.b64decode(sealed, validate=True)
        data = _key(token).decrypt(blob[:12], blob[12:], token_hash(token).encode())
        opened = json.loads(data)
    except (binascii.Error, InvalidTag, ValueError) as exc:
        raise UnreadableSessionDataError("the cabinet session data does not open") from exc
    if not isinstance(opened, dict):
        raise UnreadableSessionDataError("the cabinet session data is not an object")
    return {str(k): (None if v is None else str(v)) for k, v in opened.items()}


def csrf_token(token: str) -> str:
    return hmac.new(token.encode(), b"egisz cabinet csrf", hashlib.sha256).hexdigest()


def seal_for_session(token: str, label: str, data: dict[str, str], bound_to: str) -> str:
    """Data kept for this session only (a parked worker form): sealed under a key derived from the
    cookie token and ``label``, with ``bound_to`` (the row's key) as associated data."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"egisz cabinet {label}".encode())
    nonce = os.urandom(12)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    sealed = AESGCM(key.derive(token.encode())).encrypt(nonce, payload, bound_to.encode())
    return base64.b64encode(nonce + sealed).decode()


def open_for_session(token: str, label: str, sealed: str, bound_to: str) -> dict[str, str]:
    """What :func:`seal_for_session` sealed; raises :class:`UnreadableSessionDataError` under
    another session's token or for a row moved to another key."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"egisz cabinet {label}".encode())
    try:
        blob = base64.b64decode(sealed, validate=True)
        opened = json.loads(
            AESGCM(key.derive(token.encode())).decrypt(blob[:12], blob[12:], bound_to.encode())
        )
    except (binascii.Error, InvalidTag, ValueError) as exc:
        raise UnreadableSessionDataError("the sealed session data does not open") from exc
    if not isinstance(opened, dict):
        raise UnreadableSessionDataError("the sealed session data is not an object")
    return {str(k): str(v) for k, v in opened.items()}
