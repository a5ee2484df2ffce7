"""The idp's one JOSE library: joserfc (Authlib's own) signs and verifies every JWS the idp handles.

Key objects are joserfc keys built once per key id by the key store (:mod:`idp.keys.service`),
checked against their algorithm once (``JWSAlgModel.check_key``) and reused for every token:
importing a key costs more than the signature itself. Signing calls the registry's algorithm model
on the prepared key and joins the three segments of RFC 7515 §7.1 with joserfc's own encoders;
``jws.serialize_compact`` would re-check the header and the key on every call, which measured
+15-20 µs per token (about 15% of a cached client_credentials response, bench/bench_idp.py's
cc_jwt). Verification is joserfc's ``extract_compact`` + ``validate_compact`` as they are.

The algorithms the idp signs with form an open table, :class:`Algorithms`. Each entry names the
JWS ``alg``, the joserfc key type it works on, how to generate a key for it and the hash behind its
``at_hash``. An algorithm joserfc does not know brings its own :class:`joserfc.jws.JWSAlgModel`,
registered with joserfc's :meth:`JWSRegistry.register` (joserfc docs, "Registry"); this is how the
ESIA face adds GOST R 34.10-2012 (``GOST3410_2012_256``, ESIA.md §5.3) as one more entry::

    algorithms = DEFAULT_ALGORITHMS.with_algorithm(
        SigningAlgorithm("GOST3410_2012_256", key_type=..., generate=..., digest=streebog256,
                         model=Gost2012Model())
    )
    key_store = KeyStore(session_factory, encryptor, cache_seconds, algorithms=algorithms)

A key type joserfc does not know is registered in ``joserfc.jwk.JWKRegistry.key_types``. The
``alg`` columns (``signing_keys.alg``, ``clients.signing_alg``) hold 32 characters (migration 0010
widened them for ``GOST3410_2012_256``).
``tests/idp/test_jose.py`` registers a custom algorithm this way and issues and verifies tokens
with it end to end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, Key, OctKey, OKPKey, RSAKey
from joserfc.jws import JWSAlgModel, JWSRegistry
from joserfc.util import json_b64encode, urlsafe_b64decode, urlsafe_b64encode

#: Header parameters we never put in a token: a token carrying one is not ours (``crit`` and
#: RFC 7797 ``b64`` change how it is read; embedded or linked keys must never be trusted).
_REFUSED_HEADER = {"crit", "b64", "jku", "jwk", "x5u", "x5c"}
#: the key types joserfc's own verification accepts
_JOSERFC_KEYS = (OctKey, RSAKey, ECKey, OKPKey)


class SignatureError(Exception):
    """A token that is malformed, not signed with an accepted algorithm, or whose signature fails."""


@dataclass(frozen=True)
class SigningAlgorithm:
    """One JWS algorithm the idp can sign with (RFC 7518 §3.1 names, or a registered one)."""

    name: str
    #: the joserfc key type (``JWKRegistry.key_types``) the algorithm works on
    key_type: str
    #: a new private key for this algorithm (key rotation)
    generate: Callable[[], Key]
    #: the hash of the algorithm, for ``at_hash``/``c_hash`` (OIDC Core §3.1.3.6)
    digest: Callable[[bytes], bytes]
    #: a JWSAlgModel joserfc does not ship; registered in joserfc's JWSRegistry when the table is built
    model: JWSAlgModel | None = None


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


RS256 = SigningAlgorithm("RS256", "RSA", lambda: RSAKey.generate_key(2048), _sha256)
ES256 = SigningAlgorithm("ES256", "EC", lambda: ECKey.generate_key("P-256"), _sha256)


class Algorithms:
    """The algorithms the idp signs and accepts, and the joserfc registry restricted to them."""

    def __init__(self, entries: Iterable[SigningAlgorithm]) -> None:
        self._entries = {entry.name: entry for entry in entries}
        for entry in self._entries.values():
            if entry.model is not None:
                JWSRegistry.register(entry.model)
        # Not strict about header names: a face may add its own (ESIA's ``sbt``, ``ver``, §5.1).
        self.registry = JWSRegistry(algorithms=list(self._entries), strict_check_header=False)
        self._models = {name: self.registry.get_alg(name) for name in self._entries}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def get(self, name: str) -> SigningAlgorithm:
        return self._entries[name]

    def with_algorithm(self, entry: SigningAlgorithm) -> Algorithms:
        """This table plus ``entry``: the extension point for another face's algorithm."""
        return Algorithms([*self._entries.values(), entry])

    # --- keys ----------------------------------------------------------------------------
    def generate(self, alg: str) -> Key:
        return self.get(alg).generate()

    def import_private(self, alg: str, der: bytes) -> Key:
        """A signing key, checked once against its algorithm (type, curve, ``use``)."""
        key = JWKRegistry.import_key(der, self.get(alg).key_type)
        self._models[alg].check_key(key)
        return key

    @staticmethod
    def export_private(key: Key) -> bytes:
        """PKCS#8 DER of a private key, for sealing at rest (:class:`idp.keys.crypto.KeyEncryptor`)."""
        if isinstance(key, OctKey):
            raise ValueError("a shared secret is never a signing key of the idp")
        return key.as_der(private=True)

    @staticmethod
    def import_public(jwk: dict[str, Any]) -> Key:
        return JWKRegistry.import_key(dict(jwk))

    @staticmethod
    def public_jwk(key: Key, alg: str) -> dict[str, Any]:
        """The public JWK we publish, ``kid`` = its RFC 7638 thumbprint."""
        public = {k: v for k, v in key.as_dict(private=False).items() if k not in ("kid", "alg", "use")}
        return {**public, "kid": key.thumbprint(), "use": "sig", "alg": alg}

    # --- signatures ----------------------------------------------------------------------
    def sign(
        self, claims: dict[str, Any], key: Key, alg: str, kid: str, header: dict[str, Any] | None = None
    ) -> str:
        """A compact JWS (RFC 7515 §7.1) of ``claims`` with a key from :meth:`import_private`;
        ``header`` adds parameters (``typ``, a face's own)."""
        protected = {"alg": alg, "kid": kid, **(header or {})}
        payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
        signing_input = json_b64encode(protected) + b"." + urlsafe_b64encode(payload)
        signature = self._models[alg].sign(signing_input, key)
        return (signing_input + b"." + urlsafe_b64encode(signature)).decode("ascii")

    def verify(
        self, token: str, key_for: Callable[[str], Key | None]
    ) -> tuple[dict[str, Any], dict[str, Any], Key]:
        """Header, claims and the key of a compact JWS signed by one of our keys (``key_for``
        looks a ``kid`` up); :class:`SignatureError` otherwise. ``alg`` must be one of ours, so
        ``none`` and HMAC-with-a-public-key tricks fail before any key is used."""
        try:
            obj = jws.extract_compact(token.encode("ascii"), registry=self.registry)
            header = obj.headers()
            alg, kid = header.get("alg"), header.get("kid")
            if alg not in self._entries or not isinstance(kid, str) or _REFUSED_HEADER & set(header):
                raise SignatureError("algorithm, key id or header not accepted")
            key = key_for(kid)
            if key is None:
                raise SignatureError("unknown key")
            if not self._validate(obj, key, alg):
                raise SignatureError("bad signature")
            claims = json.loads(obj.payload)
        except (JoseError, ValueError, UnicodeError) as exc:  # malformed base64, JSON, header
            raise SignatureError("malformed token") from exc
        if not isinstance(claims, dict):
            raise SignatureError("malformed token")
        return header, claims, key

    def _validate(self, obj: jws.CompactSignature, key: Key, alg: str) -> bool:
        if isinstance(key, _JOSERFC_KEYS):
            return jws.validate_compact(obj, key, registry=self.registry)
        # A key type joserfc does not ship (a face's own, e.g. the ESIA face's GOST key): joserfc's
        # guess_key refuses such keys, so the algorithm model checks the key and the signature
        # over the signing input itself, as validate_compact does for its own key types.
        model = self._models[alg]
        model.check_key(key)
        signing_input = obj.segments["header"] + b"." + obj.segments["payload"]
        return bool(model.verify(signing_input, urlsafe_b64decode(obj.segments["signature"]), key))

    def half_hash(self, value: str, alg: str) -> str:
        """``at_hash``/``c_hash`` (OIDC Core §3.1.3.6): the left half of the algorithm's hash of
        the ASCII value, base64url."""
        digest = self.get(alg).digest(value.encode("ascii"))
        return urlsafe_b64encode(digest[: len(digest) // 2]).decode("ascii")


#: RS256 (every client understands it) and ES256 (RFC 9068 tokens for resource servers)
DEFAULT_ALGORITHMS = Algorithms([RS256, ES256])
#: the algorithms of the default table, as discovery advertises them
SUPPORTED_ALGS = DEFAULT_ALGORITHMS.names
