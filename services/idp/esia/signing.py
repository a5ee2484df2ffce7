"""GOST R 34.10-2012 (256-bit) signed tokens for clients whose ``signing_alg`` is
``GOST3410_2012_256`` (ESIA.md §5.3): one more entry of the key store's algorithm table
(:meth:`idp.keys.jose.Algorithms.with_algorithm`), so keys are generated, sealed, rotated and
published like the RSA ones, and the one token core signs with them.

- the key: a joserfc key type ``GOST`` (JWK ``{"kty": "GOST", "crv", "x", "y"}``, ``x``/``y`` the
  big-endian coordinates, ``d`` the private scalar), on the CryptoPro-A curve
  (``id-tc26-gost-3410-2012-256-paramSetB``, the usual ESIA paramset); sealed at rest as its
  private JWK (``KeyEncryptor`` seals whatever :meth:`GostKey.as_der` returns);
- the signature: Streebog-256 over ``header.payload``, the raw 64 bytes in OpenSSL gost-engine
  order (ESIA.md §5.3, §11) — what ekapusta verifies with ``openssl dgst -verify`` as is;
- the public key as a DER SubjectPublicKeyInfo (:func:`spki_der`) for the download and for
  :mod:`idp.pki.gost`'s verifiers.

Signing uses PyPI ``gostcrypto`` (pure Python, already a dependency): about 100 ms a signature on
this machine, against ~7 ms for a process of ``openssl dgst -engine gost`` (docs/esia.md).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self, cast

from asn1crypto import core
from joserfc.errors import InvalidKeyTypeError
from joserfc.jwk import JWKRegistry, Key
from joserfc.jws import JWSAlgModel
from joserfc.registry import KeyParameter
from joserfc.util import urlsafe_b64decode, urlsafe_b64encode

from idp.keys.jose import DEFAULT_ALGORITHMS, SigningAlgorithm
from shared import gost

GOST_ALG = "GOST3410_2012_256"
KEY_TYPE = "GOST"
CURVE = "id-tc26-gost-3410-2012-256-paramSetB"
#: CryptoPro-A in a certificate (the same curve, RFC 4357 name) and Streebog-256 (RFC 9215 §4.2)
_CURVE_OID = "1.2.643.2.2.35.1"
_KEY_OID = "1.2.643.7.1.1.1.1"
_DIGEST_OID = "1.2.643.7.1.1.2.2"
_SIZE = 32

try:  # joserfc keeps KeyParameter and NativeKeyBinding under its private modules
    from joserfc._rfc7517.models import AsymmetricKey, NativeKeyBinding
except ImportError as exc:  # pragma: no cover
    raise RuntimeError("joserfc's key model moved; adapt idp.esia.signing") from exc


@dataclass(frozen=True)
class GostKeyPair:
    x: bytes
    y: bytes
    d: bytes | None = None  # the private scalar, big-endian


def _b64(data: bytes) -> str:
    return urlsafe_b64encode(data).decode("ascii")


class GostBinding(NativeKeyBinding):
    @classmethod
    def convert_raw_key_to_dict(cls, raw_key: GostKeyPair, private: bool) -> Any:
        data = {"crv": CURVE, "x": _b64(raw_key.x), "y": _b64(raw_key.y)}
        if private and raw_key.d is not None:
            data["d"] = _b64(raw_key.d)
        return data

    @classmethod
    def import_from_dict(cls, value: Any) -> GostKeyPair:
        if value.get("crv") != CURVE:
            raise InvalidKeyTypeError(f"Only the curve {CURVE} is supported")
        x, y = urlsafe_b64decode(value["x"].encode()), urlsafe_b64decode(value["y"].encode())
        d = urlsafe_b64decode(value["d"].encode()) if "d" in value else None
        if len(x) != _SIZE or len(y) != _SIZE or (d is not None and len(d) != _SIZE):
            raise InvalidKeyTypeError("A GOST R 34.10-2012 256-bit key has 32-byte values")
        return GostKeyPair(x, y, d)

    @classmethod
    def import_from_bytes(cls, value: bytes, password: str | bytes | None = None) -> GostKeyPair:
        """Our own sealed form: the private JWK as JSON (see :meth:`as_bytes`)."""
        return cls.import_from_dict(json.loads(value))

    @staticmethod
    def as_bytes(
        key: Any,
        encoding: Literal["PEM", "DER"] | None = None,
        private: bool = False,
        password: str | None = None,
    ) -> bytes:
        return json.dumps(key.as_dict(private=private), sort_keys=True).encode()


class GostKey(AsymmetricKey[GostKeyPair, GostKeyPair]):
    key_type: ClassVar[str] = KEY_TYPE
    binding = GostBinding
    value_registry: ClassVar[dict[str, KeyParameter]] = {
        "crv": KeyParameter("Curve", "str", private=False, required=True),
        "x": KeyParameter("X coordinate", "str", private=False, required=True),
        "y": KeyParameter("Y coordinate", "str", private=False, required=True),
        "d": KeyParameter("Private scalar", "str", private=True, required=False),
    }

    @property
    def is_private(self) -> bool:
        return self.raw_value.d is not None

    @property
    def public_key(self) -> GostKeyPair:
        return GostKeyPair(self.raw_value.x, self.raw_value.y)

    @property
    def private_key(self) -> GostKeyPair | None:
        return self.raw_value if self.is_private else None

    @classmethod
    def generate_key(cls, *, parameters: Any = None, private: bool = True, auto_kid: bool = False) -> Self:
        order = gost.curve_order(CURVE)
        while True:
            d = secrets.token_bytes(_SIZE)
            if 0 < int.from_bytes(d, "big") < order:
                break
        x, y = gost.public_point(CURVE, d)
        key = cls(GostKeyPair(x, y, d), None, parameters)
        if auto_kid:
            key.ensure_kid()
        return key


JWKRegistry.key_types[KEY_TYPE] = GostKey  # type: ignore[assignment]


class GostModel(JWSAlgModel):
    """JWS ``GOST3410_2012_256``: the raw signature in OpenSSL gost-engine byte order."""

    name = GOST_ALG
    description = "GOST R 34.10-2012 256-bit with Streebog-256 (ESIA.md §5.3)"
    key_type = KEY_TYPE

    def sign(self, msg: bytes, key: GostKey) -> bytes:
        private = key.private_key
        if private is None or private.d is None:
            raise ValueError("a GOST signature needs the private key")
        return gost.sign(CURVE, private.d, msg)  # OpenSSL order (shared.gost)

    def verify(self, msg: bytes, sig: bytes, key: GostKey) -> bool:
        public = key.public_key
        return gost.verify(CURVE, public.x, public.y, msg, sig)


GOST_SIGNING = SigningAlgorithm(
    GOST_ALG,
    key_type=KEY_TYPE,
    # joserfc's Key is a union of its own four key types; a GostKey stands in for one of them
    generate=lambda: cast(Key, GostKey.generate_key()),
    digest=lambda data: gost.streebog("streebog256", data),
    model=GostModel(),
)
#: the idp's algorithm table: the default one (RS256, ES256) and the ESIA face's GOST (main.py, cli.py)
IDP_ALGORITHMS = DEFAULT_ALGORITHMS.with_algorithm(GOST_SIGNING)


class _Parameters(core.Sequence):
    _fields = [("public_key_param_set", core.ObjectIdentifier), ("digest_param_set", core.ObjectIdentifier)]  # noqa: RUF012


class _Algorithm(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", _Parameters)]  # noqa: RUF012


class _Spki(core.Sequence):
    _fields = [("algorithm", _Algorithm), ("public_key", core.OctetBitString)]  # noqa: RUF012


def spki_der(key: GostKeyPair) -> bytes:
    """The public key as a DER SubjectPublicKeyInfo (RFC 9215 §4.2: ``X‖Y`` little-endian in an
    OCTET STRING inside the BIT STRING), as :func:`idp.pki.gost.public_key_from_spki` reads it."""
    point = core.OctetString(key.x[::-1] + key.y[::-1]).dump()
    return _Spki(
        {
            "algorithm": {
                "algorithm": _KEY_OID,
                "parameters": {"public_key_param_set": _CURVE_OID, "digest_param_set": _DIGEST_OID},
            },
            "public_key": point,
        }
    ).dump()
