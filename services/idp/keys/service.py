"""Signing-key lifecycle: next → current → previous → retired, and a per-process key cache.

Rotation without downtime: the *next* key is published in the JWKS before it signs anything, so
every verifier has it cached by the time it is promoted; the *previous* key stays published until
every token it signed has expired, then it is retired.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from joserfc.jwk import Key
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from idp.keys import crypto, repository
from idp.keys.errors import NoNextKeyError, NoSigningKeyError
from idp.keys.jose import DEFAULT_ALGORITHMS, Algorithms
from idp.keys.models import SigningKey
from shared.db import utcnow

#: the key types published in the JWKS
JWKS_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    alg: str
    private: Key  # a joserfc key, imported once per kid


def _context(kid: str, alg: str) -> bytes:
    return f"{kid}|{alg}".encode()


def create_key(
    session: Session,
    encryptor: crypto.KeyEncryptor,
    alg: str,
    state: str,
    algorithms: Algorithms = DEFAULT_ALGORITHMS,
) -> SigningKey:
    private = algorithms.generate(alg)
    jwk = algorithms.public_jwk(private, alg)
    kid = jwk["kid"]
    now = utcnow()
    key = SigningKey(
        kid=kid,
        alg=alg,
        state=state,
        public_jwk=jwk,
        private_key_encrypted=encryptor.seal(algorithms.export_private(private), _context(kid, alg)),
        kek_id=encryptor.kek_id,
        created_at=now,
        promoted_at=now if state == "current" else None,
    )
    return repository.add_key(session, key)


def ensure_signing_keys(
    session_factory: sessionmaker[Session],
    encryptor: crypto.KeyEncryptor,
    algorithms: Algorithms = DEFAULT_ALGORITHMS,
) -> None:
    """First start: create a current key per algorithm. Safe when replicas race (unique index)."""
    for alg in algorithms.names:
        with session_factory() as session:
            if repository.keys_in_state(session, alg, "current"):
                continue
            try:
                create_key(session, encryptor, alg, "current", algorithms)
                session.commit()
            except IntegrityError:
                session.rollback()


def add_next_key(
    session: Session, encryptor: crypto.KeyEncryptor, alg: str, algorithms: Algorithms = DEFAULT_ALGORITHMS
) -> SigningKey:
    existing = repository.keys_in_state(session, alg, "next")
    if existing:
        return existing[0]
    return create_key(session, encryptor, alg, "next", algorithms)


def promote_next_key(session: Session, alg: str) -> SigningKey:
    nexts = repository.keys_in_state(session, alg, "next")
    if not nexts:
        raise NoNextKeyError(f"No next {alg} key to promote; add one first.")
    now = utcnow()
    for current in repository.keys_in_state(session, alg, "current"):
        current.state = "previous"
        current.demoted_at = now
    session.flush()  # free the unique "current" slot before taking it
    new = nexts[0]
    new.state = "current"
    new.promoted_at = now
    session.flush()
    return new


def retire_expired_previous_keys(session: Session, alg: str, token_lifetime: dt.timedelta) -> list[str]:
    """Retire previous keys whose last signed token has certainly expired."""
    now = utcnow()
    retired = []
    for key in repository.keys_in_state(session, alg, "previous"):
        if key.demoted_at is not None and key.demoted_at + token_lifetime <= now:
            key.state = "retired"
            key.retired_at = now
            retired.append(key.kid)
    session.flush()
    return retired


def describe_keys(session: Session) -> list[dict[str, Any]]:
    return [
        {"kid": k.kid, "alg": k.alg, "state": k.state, "created_at": k.created_at.isoformat()}
        for k in repository.published_keys(session)
    ]


class KeyStore:
    """Published keys and the current signing keys, cached per process for ``cache_seconds``.

    Replicas re-read the table after the cache window, so a rotation done by the CLI reaches every
    process within that window (the next key was already published, so nothing breaks meanwhile).
    Each key becomes a joserfc key object once per process and ``kid``; re-reads reuse it.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        encryptor: crypto.KeyEncryptor,
        cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        algorithms: Algorithms = DEFAULT_ALGORITHMS,
    ) -> None:
        self.algorithms = algorithms
        self._session_factory = session_factory
        self._encryptor = encryptor
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._loaded_at: float | None = None
        self._jwks: dict[str, Any] = {"keys": []}
        self._signing: dict[str, ActiveKey] = {}
        self._public_by_kid: dict[str, dict[str, Any]] = {}
        self._verifiers: dict[str, Key] = {}

    def _load(self) -> None:
        with self._session_factory() as session:
            rows = repository.published_keys(session)
            signing: dict[str, ActiveKey] = {}
            for row in rows:
                if row.state == "current" and row.alg in self.algorithms:
                    cached = self._signing.get(row.alg)
                    if cached is not None and cached.kid == row.kid:
                        signing[row.alg] = cached
                        continue
                    der = self._encryptor.open(row.private_key_encrypted, _context(row.kid, row.alg))
                    signing[row.alg] = ActiveKey(
                        row.kid, row.alg, self.algorithms.import_private(row.alg, der)
                    )
            order = {"current": 0, "next": 1, "previous": 2}
            ordered = sorted(rows, key=lambda r: (order[r.state], r.alg))
            # only key types JOSE registers (RFC 7518 §6.1, RFC 8037 §2): a relying party's JOSE
            # library refuses a whole JWKS with a key type it does not know (joserfc/Authlib do),
            # so a face's own key type (the ESIA face's GOST) is published by that face instead
            self._jwks = {
                "keys": [dict(r.public_jwk) for r in ordered if r.public_jwk.get("kty") in JWKS_KEY_TYPES]
            }
            self._public_by_kid = {r.kid: dict(r.public_jwk) for r in rows}
            self._verifiers = {
                r.kid: self._verifiers.get(r.kid) or self.algorithms.import_public(r.public_jwk)
                for r in rows
                if r.alg in self.algorithms
            }
            self._signing = signing
            self._loaded_at = self._clock()

    def _stale(self) -> bool:
        return self._loaded_at is None or self._clock() - self._loaded_at >= self._cache_seconds

    def _fresh(self) -> None:
        with self._lock:
            if self._stale():
                self._load()

    async def ensure_fresh(self) -> None:
        """For code on the event loop: when the cache has lapsed, re-read the keys in a thread, so
        the key lookups that follow never read the database on the loop."""
        if self._stale():
            await anyio.to_thread.run_sync(self._fresh)

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = None

    def jwks(self) -> dict[str, Any]:
        self._fresh()
        return self._jwks

    def public_jwk(self, kid: str) -> dict[str, Any] | None:
        self._fresh()
        return self._public_by_kid.get(kid)

    def verification_key(self, kid: str) -> Key | None:
        """A published key as a ready-to-use public key object (parsed once per process)."""
        self._fresh()
        return self._verifiers.get(kid)

    def signing_key(self, alg: str) -> ActiveKey:
        self._fresh()
        key = self._signing.get(alg)
        if key is None:
            raise NoSigningKeyError(f"No current {alg} signing key.")
        return key

    def sign(self, claims: dict[str, Any], alg: str, header: dict[str, Any] | None = None) -> str:
        """A compact JWS of ``claims`` with the current key for ``alg``; ``header`` adds ``typ``
        and whatever else a token shape puts in the JOSE header."""
        key = self.signing_key(alg)
        return self.algorithms.sign(claims, key.private, key.alg, key.kid, header)

    def verify(self, token: str) -> tuple[dict[str, Any], dict[str, Any], Key]:
        """Header, claims and key of a token signed with one of our published keys; raises
        :class:`idp.keys.jose.SignatureError`."""
        self._fresh()
        return self.algorithms.verify(token, self._verifiers.get)
