"""X.509 certificates and CRLs as the idp reads them: PEM, DER or bare base64, size-limited, with
the Russian subject attributes of qualified certificates (Приказ ФСБ № 795, п. 17–18).

Parsed with ``asn1crypto``, which reads every field of a GOST R 34.10-2012 certificate except its
public key (it does not know the GOST key algorithms): nothing here touches the key, so GOST
certificates load like any other. A PEM holding a private key, or a PKCS#12 (.pfx) container, is
refused with a reason and nothing of it is kept.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from asn1crypto import core, pem, pkcs12, x509
from asn1crypto import crl as asn1_crl

from idp.pki.errors import (
    CertificateFormatError,
    CertificateTooLargeError,
    CrlFormatError,
    PrivateKeyRefusedError,
)

#: A certificate is a few kilobytes; a qualified one with policies and long names stays under 8 KiB.
MAX_CERTIFICATE_BYTES = 64 * 1024
#: A CA's full CRL can hold many thousand serials.
MAX_CRL_BYTES = 10 * 1024 * 1024

OID_SNILS = "1.2.643.100.3"
OID_INN = "1.2.643.3.131.1.1"  # ИНН физического лица (and of a legal entity in older certificates)
OID_INN_LE = "1.2.643.100.4"  # ИНН юридического лица
OID_OGRN = "1.2.643.100.1"
OID_OGRNIP = "1.2.643.100.5"
#: GOST R 34.10-2012 public keys (256, 512) and signature algorithms (with Streebog-256, -512).
GOST_KEY_OIDS = frozenset({"1.2.643.7.1.1.1.1", "1.2.643.7.1.1.1.2"})
GOST_SIGNATURE_OIDS = frozenset({"1.2.643.7.1.1.3.2", "1.2.643.7.1.1.3.3"})

_PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")
_BASE64 = re.compile(rb"^[A-Za-z0-9+/=_\-\s]+$")
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class CertificateInfo:
    """What the idp shows and checks of a certificate. Times are UTC."""

    der: bytes
    thumbprint: str  # hex SHA-256 of the DER
    serial: str  # hex
    subject: str
    issuer: str
    common_name: str | None
    surname: str | None
    given_name: str | None
    organization: str | None
    snils: str | None
    inn: str | None
    inn_le: str | None
    ogrn: str | None
    not_before: dt.datetime
    not_after: dt.datetime
    key_usage: tuple[str, ...]
    is_ca: bool
    public_key_algorithm: str
    signature_algorithm: str
    crl_urls: tuple[str, ...]
    ocsp_urls: tuple[str, ...]

    @property
    def is_gost(self) -> bool:
        return self.public_key_algorithm in GOST_KEY_OIDS or self.signature_algorithm in GOST_SIGNATURE_OIDS

    def subject_snapshot(self) -> dict[str, str | None]:
        """The subject fields kept beside a bound certificate (shown without re-parsing)."""
        return {
            "subject": without_personal_numbers(self.subject),
            "issuer": self.issuer,
            "common_name": self.common_name,
            "surname": self.surname,
            "given_name": self.given_name,
            "organization": self.organization,
            "serial": self.serial,
        }


def without_personal_numbers(readable_name: str) -> str:
    """A readable name («Common Name: Иванов Иван, 1.2.643.100.3: 11223344595, …») without its SNILS
    and personal INN parts: what is kept beside a bound certificate and shown on pages."""
    personal = (f"{OID_SNILS}:", f"{OID_INN}:")
    return ", ".join(part for part in readable_name.split(", ") if not part.startswith(personal))


def _check_size(data: bytes, limit: int, what: str, error: type[Exception]) -> None:
    if not data.strip():
        raise (CrlFormatError if what == "CRL" else CertificateFormatError)(f"The {what} is empty.")
    if len(data) > limit:
        raise error(f"The {what} is {len(data)} bytes; at most {limit} are accepted.")


def _refuse_private_key(data: bytes) -> None:
    if _PRIVATE_KEY.search(data):
        raise PrivateKeyRefusedError(
            "The file holds a private key. Send only the certificate (.cer, .crt or .pem without a "
            "private key): the private key must never leave its owner, and nothing of this file was kept."
        )


def _refuse_pfx(der: bytes) -> None:
    try:
        pfx = pkcs12.Pfx.load(der, strict=True)
        pfx["auth_safe"]["content_type"].native  # noqa: B018 (parses far enough to tell)
        is_pfx = pfx["version"].native in (3, "v3")
    except (ValueError, TypeError, KeyError):
        return
    if is_pfx:
        raise PrivateKeyRefusedError(
            "This is a PKCS#12 (.pfx/.p12) container, which holds a private key. Export and send only "
            "the certificate (.cer); nothing of this file was kept."
        )


def _to_der(data: bytes, pem_type: str, what: str, error: type[Exception]) -> bytes:
    """One DER object from PEM, DER or bare base64 text."""
    stripped = data.strip()
    if b"-----BEGIN" in stripped:  # text before the block (Bag Attributes) is allowed
        blocks = _PEM_BLOCK.findall(stripped)
        wanted = [b for b in blocks if b.decode() in (pem_type, f"X509 {pem_type}", "TRUSTED CERTIFICATE")]
        if not wanted:
            found = ", ".join(sorted({b.decode() for b in blocks}))
            raise error(f"The PEM holds no {what} (found: {found}).")
        if len(wanted) > 1:
            raise error(f"The PEM holds {len(wanted)} {what}s; send one.")
        try:
            for _type, _headers, der in pem.unarmor(stripped, multiple=True):
                if _type in (pem_type, f"X509 {pem_type}", "TRUSTED CERTIFICATE"):
                    return bytes(der)
        except ValueError as exc:
            raise error(f"The PEM is damaged: {exc}.") from None
    if stripped[:1] == b"\x30":
        return bytes(data)
    if _BASE64.match(stripped):
        text = re.sub(rb"\s", b"", stripped)
        try:
            decoded = (
                base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
                if (b"-" in text or b"_" in text)
                else base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
            )
        except (binascii.Error, ValueError):
            raise error(f"The text is not base64 of a {what}.") from None
        if decoded[:1] == b"\x30":
            return decoded
    raise error(f"Not a {what}: expected PEM, DER or base64.")


class _AnyAlgorithm(core.Sequence):
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]


class _RawPublicKeyInfo(core.Sequence):
    """SubjectPublicKeyInfo read without interpreting the key (asn1crypto knows no GOST keys)."""

    _fields: ClassVar[list[tuple[Any, ...]]] = [("algorithm", _AnyAlgorithm), ("public_key", core.BitString)]


def public_key_algorithm(cert: x509.Certificate) -> str:
    """The dotted OID of the certificate's public key algorithm (GOST keys included)."""
    spki = cert["tbs_certificate"]["subject_public_key_info"]
    return str(_RawPublicKeyInfo.load(spki.dump())["algorithm"]["algorithm"].dotted)


def _name_attr(name: x509.Name, key: str) -> str | None:
    for rdn in name.chosen:
        for attr in rdn:
            if attr["type"].dotted == key or attr["type"].native == key:
                value = attr["value"].native
                return str(value).strip() if value is not None else None
    return None


def _digits(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value if _DIGITS.match(value) else None


def _human_name(name: x509.Name) -> str:
    try:
        return str(name.human_friendly)
    except (ValueError, TypeError, KeyError):
        return name.dump().hex()


def _urls(cert: x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    crl_urls: list[str] = []
    try:
        for point in cert.crl_distribution_points:
            url = point.url
            if url:
                crl_urls.append(url)
        ocsp = tuple(cert.ocsp_urls)
    except (ValueError, TypeError, KeyError):
        return tuple(crl_urls), ()
    return tuple(crl_urls), ocsp


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def describe(cert: x509.Certificate) -> CertificateInfo:
    """The typed view of a parsed certificate (raises ``CertificateFormatError`` on a damaged one)."""
    try:
        tbs = cert["tbs_certificate"]
        der = cert.dump()
        validity = tbs["validity"]
        key_usage = cert.key_usage_value
        constraints = cert.basic_constraints_value
        subject = tbs["subject"]
        crl_urls, ocsp_urls = _urls(cert)
        return CertificateInfo(
            der=der,
            thumbprint=hashlib.sha256(der).hexdigest(),
            serial=format(tbs["serial_number"].native, "x"),
            subject=_human_name(subject),
            issuer=_human_name(tbs["issuer"]),
            common_name=_name_attr(subject, "common_name"),
            surname=_name_attr(subject, "surname"),
            given_name=_name_attr(subject, "given_name"),
            organization=_name_attr(subject, "organization_name"),
            snils=_digits(_name_attr(subject, OID_SNILS)),
            inn=_digits(_name_attr(subject, OID_INN)),
            inn_le=_digits(_name_attr(subject, OID_INN_LE)),
            ogrn=_digits(_name_attr(subject, OID_OGRN)),
            not_before=_utc(validity["not_before"].native),
            not_after=_utc(validity["not_after"].native),
            key_usage=tuple(sorted(key_usage.native)) if key_usage is not None else (),
            is_ca=bool(constraints is not None and constraints["ca"].native),
            public_key_algorithm=public_key_algorithm(cert),
            signature_algorithm=cert["signature_algorithm"]["algorithm"].dotted,
            crl_urls=crl_urls,
            ocsp_urls=ocsp_urls,
        )
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise CertificateFormatError(f"The certificate is damaged: {exc}.") from None


def load_certificate(data: bytes) -> CertificateInfo:
    """One certificate from PEM, DER or base64; refuses private keys, .pfx files and oversized input."""
    _check_size(data, MAX_CERTIFICATE_BYTES, "certificate", CertificateTooLargeError)
    _refuse_private_key(data)
    der = _to_der(data, "CERTIFICATE", "certificate", CertificateFormatError)
    _refuse_pfx(der)
    return describe(parse_der(der))


def parse_der(der: bytes) -> x509.Certificate:
    """The asn1crypto certificate of exactly these DER bytes (trailing data refused)."""
    try:
        cert = x509.Certificate.load(der, strict=True)
        cert["tbs_certificate"]["subject"].native  # noqa: B018 (forces the parse: lazy otherwise)
        cert["tbs_certificate"]["validity"].native  # noqa: B018
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise CertificateFormatError(f"Not a certificate (DER): {exc}.") from None
    return cert


def load_crl(data: bytes) -> asn1_crl.CertificateList:
    """A CRL from PEM, DER or base64, size-limited."""
    _check_size(data, MAX_CRL_BYTES, "CRL", CrlFormatError)
    der = _to_der(data, "CRL", "CRL", CrlFormatError)
    try:
        crl = asn1_crl.CertificateList.load(der, strict=True)
        crl["tbs_cert_list"]["issuer"].native  # noqa: B018
        crl["tbs_cert_list"]["this_update"].native  # noqa: B018
        crl["tbs_cert_list"]["next_update"].native  # noqa: B018
        crl["tbs_cert_list"]["revoked_certificates"].native  # noqa: B018
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise CrlFormatError(f"Not a CRL (DER): {exc}.") from None
    return crl


def crl_times(crl: asn1_crl.CertificateList) -> tuple[dt.datetime, dt.datetime | None]:
    """``thisUpdate`` and ``nextUpdate`` (None when the CRL names none), UTC."""
    tbs = crl["tbs_cert_list"]
    next_update = tbs["next_update"].native
    return _utc(tbs["this_update"].native), _utc(next_update) if next_update else None
