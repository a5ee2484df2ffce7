"""GOST R 34.10-2012 signing and verification primitives and the GOST SubjectPublicKeyInfo shapes,
shared by the idp (``idp.pki.gost`` verifies, ``idp.esia.signing`` signs JWS) and egisz_api
(``egisz_api.cabinet.client_secret`` signs its ESIA ``client_secret``), which may not import each
other.

Byte orders (``../shared/ESIA.md`` §11): a GOST SubjectPublicKeyInfo's BIT STRING holds an OCTET
STRING of ``X‖Y``, each little-endian; a signature as OpenSSL's GOST engine writes it (``openssl
dgst -sign``, a CMS SignerInfo, ESIA's ``client_secret``) is two big-endian halves that PyPI
``gostcrypto`` wants swapped; ``gostcrypto`` also wants the private scalar big-endian and the
digest reversed. Everything here speaks OpenSSL order and big-endian coordinates.
"""

from __future__ import annotations

from typing import Any, Literal

from asn1crypto import core
from gostcrypto import gosthash, gostsignature

StreebogName = Literal["streebog256", "streebog512"]

#: curve OID → gostcrypto's name for it (R 1323565.1.024-2019 lists the CryptoPro sets under
#: their TC 26 names: CryptoPro-A = tc26 256 B, CryptoPro-B = C, CryptoPro-C = D; XchA = A, XchB = C)
CURVES: dict[str, str] = {
    "1.2.643.2.2.35.1": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.2.2.35.2": "id-tc26-gost-3410-2012-256-paramSetC",
    "1.2.643.2.2.35.3": "id-tc26-gost-3410-2012-256-paramSetD",
    "1.2.643.2.2.36.0": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.2.2.36.1": "id-tc26-gost-3410-2012-256-paramSetD",
    "1.2.643.7.1.2.1.1.1": "id-tc26-gost-3410-2012-256-paramSetA",
    "1.2.643.7.1.2.1.1.2": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.7.1.2.1.1.3": "id-tc26-gost-3410-2012-256-paramSetC",
    "1.2.643.7.1.2.1.1.4": "id-tc26-gost-3410-2012-256-paramSetD",
    "1.2.643.7.1.2.1.2.1": "id-tc26-gost-3410-12-512-paramSetA",
    "1.2.643.7.1.2.1.2.2": "id-tc26-gost-3410-12-512-paramSetB",
    "1.2.643.7.1.2.1.2.3": "id-tc26-gost-3410-2012-512-paramSetC",
}
#: the public-key algorithm OIDs (RFC 9215 §4.1) and their sizes in bits
KEY_ALGORITHMS = {"1.2.643.7.1.1.1.1": 256, "1.2.643.7.1.1.1.2": 512}


def streebog(name: StreebogName, data: bytes) -> bytes:
    """GOST R 34.11-2012 «Стрибог» (``gostcrypto``)."""
    return bytes(gosthash.new(name, data=data).digest())


def _curve(curve: str, bits: int) -> Any:
    mode = gostsignature.MODE_256 if bits == 256 else gostsignature.MODE_512
    return gostsignature.new(mode, gostsignature.CURVES_R_1323565_1_024_2019[curve])


def _digest_name(bits: int) -> StreebogName:
    return "streebog256" if bits == 256 else "streebog512"


def sign(curve: str, scalar: bytes, message: bytes, *, bits: int = 256) -> bytes:
    """``message`` hashed with the key size's Streebog and signed with the big-endian private
    ``scalar`` on the named ``curve`` (a value of :data:`CURVES`): the raw signature, OpenSSL order."""
    size = bits // 8
    hashed = bytearray(streebog(_digest_name(bits), message)[::-1])
    raw = bytes(_curve(curve, bits).sign(bytearray(scalar), hashed))
    return raw[size:] + raw[:size]  # gostcrypto's halves swapped: OpenSSL order


def verify(curve: str, x: bytes, y: bytes, message: bytes, signature: bytes, *, bits: int = 256) -> bool:
    """Whether ``signature`` (OpenSSL order) signs ``message`` under the point ``x``, ``y``
    (big-endian) on ``curve``; a malformed signature is simply not valid."""
    size = bits // 8
    if len(signature) != 2 * size:
        return False
    hashed = bytearray(streebog(_digest_name(bits), message)[::-1])
    try:
        return bool(
            _curve(curve, bits).verify(
                bytearray(x + y), hashed, bytearray(signature[size:] + signature[:size])
            )
        )
    except (gostsignature.GOSTSignatureError, ValueError):
        return False


def public_point(curve: str, scalar: bytes, *, bits: int = 256) -> tuple[bytes, bytes]:
    """The public point (``x``, ``y``, big-endian) of the big-endian private ``scalar``."""
    size = bits // 8
    public = bytes(_curve(curve, bits).public_key_generate(bytearray(scalar)))
    return public[:size], public[size:]


def curve_order(curve: str, *, bits: int = 256) -> int:
    """The order q of the curve's base point (a private scalar is in 1..q-1)."""
    return int(_curve(curve, bits)._q)


# asn1crypto has no GOST key classes (keys.PublicKeyInfo refuses the OID): these describe
# SubjectPublicKeyInfo and PrivateKeyInfo with GostR3410-2012-PublicKeyParameters (RFC 9215 §4)
class GostKeyParameters(core.Sequence):
    _fields = [  # noqa: RUF012 (asn1crypto's declaration style)
        ("public_key_param_set", core.ObjectIdentifier),
        ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
        ("encryption_param_set", core.ObjectIdentifier, {"optional": True}),
    ]


class GostAlgorithm(core.Sequence):
    _fields = [  # noqa: RUF012
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]


class GostSubjectPublicKeyInfo(core.Sequence):
    _fields = [("algorithm", GostAlgorithm), ("public_key", core.OctetBitString)]  # noqa: RUF012


class GostPrivateKeyInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("algorithm", GostAlgorithm),
        ("private_key", core.OctetString),
    ]
