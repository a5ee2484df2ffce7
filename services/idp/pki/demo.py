"""A demo PKI for operators, integrators and tests: CAs, certificates with SNILS in the subject,
.pfx files with a PIN, revocation and CRLs, and challenge signing as the real tools do it.

RSA and ECDSA (P-256) are made with ``cryptography``; GOST R 34.10-2012 keys and certificates with
the system ``openssl`` and Debian's GOST engine (``libengine-gost-openssl``, see :func:`gost_available`).
A GOST CRL is built with ``asn1crypto`` and its TBS signed by ``openssl dgst -engine gost`` (the
same raw signature format X.509 uses). Files live under one directory per CA (``var/pki/<ca>/``,
git-ignored); private keys there are unencrypted demo keys and must never be used for anything real.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from idp.pki.certificates import OID_INN, OID_OGRN, OID_SNILS, load_certificate

Algorithm = Literal["rsa", "ecdsa", "gost"]
KEY_USAGE_NAMES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)
_OPENSSL_KU = {
    "digital_signature": "digitalSignature",
    "content_commitment": "nonRepudiation",
    "key_encipherment": "keyEncipherment",
    "data_encipherment": "dataEncipherment",
    "key_agreement": "keyAgreement",
    "key_cert_sign": "keyCertSign",
    "crl_sign": "cRLSign",
}
OPENSSL = "openssl"
GOST_SIGNATURE_OID = "1.2.643.7.1.1.3.2"  # GOST R 34.10-2012 with Streebog-256


class DemoPkiError(RuntimeError):
    """The openssl tool failed or is missing (message says which command)."""


def _run(args: list[str], *, stdin: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
    try:
        done = subprocess.run(  # noqa: S603 (fixed program, arguments built here)
            [OPENSSL, *args], input=stdin, capture_output=True, check=False, env=env, timeout=60
        )
    except FileNotFoundError:
        raise DemoPkiError("the openssl command is not installed") from None
    if done.returncode != 0:
        raise DemoPkiError(f"openssl {args[0]} failed: {done.stderr.decode(errors='replace')[-400:]}")
    return done.stdout


def gost_available() -> bool:
    """Whether ``openssl -engine gost`` can make GOST R 34.10-2012 keys here."""
    try:
        _run(["genpkey", "-engine", "gost", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A"])
    except DemoPkiError:
        return False
    return True


@dataclass(frozen=True)
class Subject:
    common_name: str
    surname: str | None = None
    given_name: str | None = None
    organization: str | None = None
    snils: str | None = None
    inn: str | None = None
    ogrn: str | None = None

    def x509_name(self) -> x509.Name:
        attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "RU")]
        if self.organization:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organization))
        if self.surname:
            attrs.append(x509.NameAttribute(NameOID.SURNAME, self.surname))
        if self.given_name:
            attrs.append(x509.NameAttribute(NameOID.GIVEN_NAME, self.given_name))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, self.common_name))
        for oid, value in ((OID_SNILS, self.snils), (OID_INN, self.inn), (OID_OGRN, self.ogrn)):
            if value:
                # Приказ ФСБ № 795: these are NumericString
                attrs.append(
                    x509.NameAttribute(x509.ObjectIdentifier(oid), value, x509.name._ASN1Type.NumericString)
                )
        return x509.Name(attrs)

    def openssl_subj(self) -> str:
        def esc(value: str) -> str:
            return value.replace("\\", "\\\\").replace("/", "\\/").replace("=", "\\=")

        parts = ["C=RU"]
        for key, value in (
            ("O", self.organization),
            ("SN", self.surname),
            ("GN", self.given_name),
            ("CN", self.common_name),
            (OID_SNILS, self.snils),
            (OID_INN, self.inn),
            (OID_OGRN, self.ogrn),
        ):
            if value:
                parts.append(f"{key}={esc(value)}")
        return "/" + "/".join(parts)


@dataclass
class Issued:
    """A certificate the demo PKI made, with its files."""

    name: str
    serial: int
    cert_pem: Path
    key_pem: Path

    @property
    def der(self) -> bytes:
        return _der(self.cert_pem)


class DemoCa:
    """One CA on disk: ``ca.pem``, ``ca.key``, ``state.json`` (next serial, revoked serials),
    ``certs/`` and ``crl.der``."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        state = json.loads((directory / "state.json").read_text())
        self.name: str = state["name"]
        self.algorithm: Algorithm = state["algorithm"]
        self.accredited: bool = state["accredited"]
        self.crl_url: str | None = state.get("crl_url")

    # -- files --------------------------------------------------------------------------------
    @property
    def cert_pem(self) -> Path:
        return self.dir / "ca.pem"

    @property
    def key_pem(self) -> Path:
        return self.dir / "ca.key"

    @property
    def crl_path(self) -> Path:
        return self.dir / "crl.der"

    @property
    def der(self) -> bytes:
        return _der(self.cert_pem)

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem.read_bytes())

    def _state(self) -> dict[str, object]:
        return dict(json.loads((self.dir / "state.json").read_text()))

    def _save(self, state: dict[str, object]) -> None:
        (self.dir / "state.json").write_text(json.dumps(state, ensure_ascii=False, indent=2))

    def _next_serial(self) -> int:
        state = self._state()
        serial = int(str(state["next_serial"]))
        state["next_serial"] = serial + 1
        self._save(state)
        return serial

    # -- issuing ------------------------------------------------------------------------------
    def issue(
        self,
        name: str,
        subject: Subject,
        *,
        algorithm: Algorithm | None = None,
        not_before: dt.datetime,
        not_after: dt.datetime,
        key_usage: tuple[str, ...] = ("digital_signature", "content_commitment"),
        is_ca: bool = False,
        crl_url: str | None = None,
        ocsp_url: str | None = None,
        ocsp_signing: bool = False,
    ) -> Issued:
        """A certificate signed by this CA. ``crl_url`` defaults to the CA's published CRL URL.
        ``ocsp_signing``: a delegated OCSP responder's certificate (RFC 6960 §4.2.2.2: extended key
        usage id-kp-OCSPSigning, and id-pkix-ocsp-nocheck so its own status is not asked)."""
        algorithm = algorithm or ("gost" if self.algorithm == "gost" else "rsa")
        serial = self._next_serial()
        out = self.dir / "certs"
        out.mkdir(exist_ok=True)
        cert_path, key_path = out / f"{name}.pem", out / f"{name}.key"
        crl_url = crl_url if crl_url is not None else self.crl_url
        if self.algorithm == "gost" or algorithm == "gost":
            if self.algorithm != "gost" or algorithm != "gost":
                raise DemoPkiError("a GOST CA issues GOST certificates only (and only it does)")
            if ocsp_url or ocsp_signing:
                raise DemoPkiError("the demo OCSP responder serves RSA and ECDSA certificates only")
            _gost_issue(
                self, subject, serial, key_path, cert_path, not_before, not_after, key_usage, is_ca, crl_url
            )
        else:
            key = _new_key(algorithm)
            cert = _build(
                subject.x509_name(),
                key.public_key(),
                issuer=self.certificate(),
                issuer_key=_load_key(self.key_pem),
                serial=serial,
                not_before=not_before,
                not_after=not_after,
                key_usage=key_usage,
                is_ca=is_ca,
                crl_url=crl_url,
                ocsp_url=ocsp_url,
                ocsp_signing=ocsp_signing,
            )
            _write_key(key_path, key)
            cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return Issued(name=name, serial=serial, cert_pem=cert_path, key_pem=key_path)

    def revoke(self, serial: int, when: dt.datetime) -> None:
        state = self._state()
        revoked = dict(state.get("revoked", {}))  # type: ignore[call-overload]
        revoked[str(serial)] = when.astimezone(dt.UTC).isoformat()
        state["revoked"] = revoked
        self._save(state)

    def revoked(self) -> dict[int, dt.datetime]:
        state = self._state()
        items = dict(state.get("revoked", {}))  # type: ignore[call-overload]
        return {int(k): dt.datetime.fromisoformat(v) for k, v in items.items()}

    def set_crl_url(self, url: str | None) -> None:
        """The distribution point the certificates issued from now on name (``None``: none)."""
        state = self._state()
        state["crl_url"] = url
        self._save(state)
        self.crl_url = url

    def write_ocsp_index(self) -> Path:
        """``index.txt`` in the format of openssl's CA database, for ``openssl ocsp -index``: one line
        per certificate under ``certs/``, ``V`` (valid) or ``R`` with the revocation time (the
        format of ``openssl ca``: tab-separated status, expiry, revocation, serial in hex, file,
        subject). ``index.txt.attr`` allows repeated subjects (one person, several certificates)."""
        revoked = self.revoked()
        lines = []
        for path in sorted((self.dir / "certs").glob("*.pem")):
            cert = asn1_x509.Certificate.load(_der(path))
            serial = cert.serial_number
            expiry = _openssl_db_time(cert.not_valid_after)
            when = revoked.get(serial)
            status, revocation = ("R", _openssl_db_time(when)) if when else ("V", "")
            subject = "/CN=" + path.stem  # openssl ocsp looks certificates up by serial only
            lines.append(f"{status}\t{expiry}\t{revocation}\t{serial:02X}\tunknown\t{subject}\n")
        index = self.dir / "index.txt"
        index.write_text("".join(lines))
        (self.dir / "index.txt.attr").write_text("unique_subject = no\n")
        return index

    def publish_crl(self, this_update: dt.datetime, next_update: dt.datetime) -> bytes:
        """Sign a full CRL of the revoked serials, write it to ``crl.der`` and return its DER."""
        if self.algorithm == "gost":
            der = _gost_crl(self, this_update, next_update)
        else:
            builder = (
                x509.CertificateRevocationListBuilder()
                .issuer_name(self.certificate().subject)
                .last_update(this_update)
                .next_update(next_update)
            )
            for serial, when in sorted(self.revoked().items()):
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
                )
            key = _load_key(self.key_pem)
            crl = builder.sign(key, hashes.SHA256())
            der = crl.public_bytes(serialization.Encoding.DER)
        self.crl_path.write_bytes(der)
        return der


def create_ca(
    directory: Path,
    name: str,
    *,
    accredited: bool,
    algorithm: Algorithm = "rsa",
    not_before: dt.datetime,
    not_after: dt.datetime,
    crl_url: str | None = None,
    organization: str = "Демо УЦ",
) -> DemoCa:
    """A self-signed root CA in ``directory`` (created; an existing one is replaced)."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    os.chmod(directory, 0o700)
    state = {
        "name": name,
        "algorithm": algorithm,
        "accredited": accredited,
        "crl_url": crl_url,
        "next_serial": 2,
        "revoked": {},
    }
    (directory / "state.json").write_text(json.dumps(state, ensure_ascii=False, indent=2))
    subject = Subject(common_name=name, organization=organization, inn="7700000000", ogrn="1027700000000")
    if algorithm == "gost":
        _gost_root(directory, subject, not_before, not_after)
    else:
        key = _new_key(algorithm)
        cert = _build(
            subject.x509_name(),
            key.public_key(),
            issuer=None,
            issuer_key=key,
            serial=1,
            not_before=not_before,
            not_after=not_after,
            key_usage=("key_cert_sign", "crl_sign", "digital_signature"),
            is_ca=True,
            crl_url=None,
            ocsp_url=None,
        )
        _write_key(directory / "ca.key", key)
        (directory / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return DemoCa(directory)


def cross_sign(
    signer: DemoCa, subject_ca: DemoCa, *, not_before: dt.datetime, not_after: dt.datetime
) -> Path:
    """A CA certificate for ``subject_ca``'s key and name, issued by ``signer`` (RSA/ECDSA only):
    two CAs cross-signing each other make a chain loop."""
    subject_cert = subject_ca.certificate()
    cert = _build(
        subject_cert.subject,
        subject_cert.public_key(),  # type: ignore[arg-type]
        issuer=signer.certificate(),
        issuer_key=_load_key(signer.key_pem),
        serial=signer._next_serial(),
        not_before=not_before,
        not_after=not_after,
        key_usage=("key_cert_sign", "crl_sign"),
        is_ca=True,
        crl_url=None,
        ocsp_url=None,
    )
    path = subject_ca.dir / f"cross-by-{signer.dir.name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def write_pfx(issued: Issued, ca: DemoCa, path: Path, pin: str) -> Path:
    """A PKCS#12 file with the key, the certificate and the CA certificate, protected by ``pin``."""
    if ca.algorithm == "gost":
        _run(
            [
                "pkcs12",
                "-export",
                "-engine",
                "gost",
                "-inkey",
                str(issued.key_pem),
                "-in",
                str(issued.cert_pem),
                "-certfile",
                str(ca.cert_pem),
                "-out",
                str(path),
                "-passout",
                "env:DEMO_PFX_PIN",
                "-name",
                issued.name,
            ],
            env={**os.environ, "DEMO_PFX_PIN": pin},
        )
        return path
    key = _load_key(issued.key_pem)
    cert = x509.load_pem_x509_certificate(issued.cert_pem.read_bytes())
    data = pkcs12.serialize_key_and_certificates(
        issued.name.encode(),
        key,
        cert,
        [ca.certificate()],
        serialization.BestAvailableEncryption(pin.encode()),
    )
    path.write_bytes(data)
    os.chmod(path, 0o600)
    return path


def sign_challenge(pfx: Path, pin: str, challenge: bytes, *, attached: bool = False) -> bytes:
    """A CMS SignedData over ``challenge`` made by ``openssl cms -sign -binary -outform DER`` with the
    .pfx's key and certificate (detached unless ``attached``): what CryptoPro-style tools produce."""
    env = {**os.environ, "DEMO_PFX_PIN": pin}
    with tempfile.TemporaryDirectory(prefix="pki-sign-") as tmp:
        work = Path(tmp)
        key, cert, data = work / "key.pem", work / "cert.pem", work / "challenge"
        try:
            _run(
                [
                    "pkcs12",
                    "-in",
                    str(pfx),
                    "-passin",
                    "env:DEMO_PFX_PIN",
                    "-clcerts",
                    "-nokeys",
                    "-out",
                    str(cert),
                ],
                env=env,
            )
        except DemoPkiError as exc:
            if "mac verify" in str(exc).lower() or "invalid password" in str(exc).lower():
                raise DemoPkiError("wrong PIN for the .pfx file") from None
            raise
        engine = ["-engine", "gost"] if load_certificate(cert.read_bytes()).is_gost else []
        _run(
            [
                "pkcs12",
                *engine,
                "-in",
                str(pfx),
                "-passin",
                "env:DEMO_PFX_PIN",
                "-nocerts",
                "-nodes",
                "-out",
                str(key),
            ],
            env=env,
        )
        data.write_bytes(challenge)
        args = [
            "cms",
            "-sign",
            *engine,
            "-binary",
            "-outform",
            "DER",
            "-in",
            str(data),
            "-signer",
            str(cert),
            "-inkey",
            str(key),
        ]
        if attached:
            args.append("-nodetach")
        return _run(args)


def _openssl_db_time(moment: dt.datetime) -> str:
    """UTCTime as openssl's CA database writes it (``YYMMDDHHMMSSZ``)."""
    return moment.astimezone(dt.UTC).strftime("%y%m%d%H%M%SZ")


def _der(path: Path) -> bytes:
    """The DER of a PEM certificate file (asn1crypto: reads GOST certificates too)."""
    _type, _headers, der = pem.unarmor(path.read_bytes())
    return bytes(der)


# -- RSA / ECDSA ------------------------------------------------------------------------------------
def _new_key(algorithm: Algorithm) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if algorithm == "ecdsa":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _load_key(path: Path) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    return key


def _write_key(path: Path, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    os.chmod(path, 0o600)


def _build(
    name: x509.Name,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    *,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
    key_usage: tuple[str, ...],
    is_ca: bool,
    crl_url: str | None,
    ocsp_url: str | None,
    ocsp_signing: bool = False,
) -> x509.Certificate:
    usage = {flag: flag in key_usage for flag in KEY_USAGE_NAMES}
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(**usage, encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    if ocsp_url:
        access = x509.AccessDescription(
            x509.oid.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
        )
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
    if ocsp_signing:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False
        ).add_extension(x509.OCSPNoCheck(), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


# -- GOST R 34.10-2012 through openssl's GOST engine ------------------------------------------------
def _days(not_before: dt.datetime, not_after: dt.datetime) -> tuple[str, str]:
    fmt = "%Y%m%d%H%M%SZ"
    return not_before.astimezone(dt.UTC).strftime(fmt), not_after.astimezone(dt.UTC).strftime(fmt)


def _gost_key(path: Path) -> None:
    _run(
        [
            "genpkey",
            "-engine",
            "gost",
            "-algorithm",
            "gost2012_256",
            "-pkeyopt",
            "paramset:A",
            "-out",
            str(path),
        ]
    )
    os.chmod(path, 0o600)


def _extensions(key_usage: tuple[str, ...], is_ca: bool, crl_url: str | None, *, root: bool) -> str:
    lines = [
        f"basicConstraints=critical,CA:{'TRUE' if is_ca else 'FALSE'}",
        "keyUsage=critical," + ",".join(_OPENSSL_KU[k] for k in key_usage),
        "subjectKeyIdentifier=hash",
    ]
    if not root:
        lines.append("authorityKeyIdentifier=keyid")
    if crl_url:
        lines.append(f"crlDistributionPoints=URI:{crl_url}")
    return "\n".join(lines) + "\n"


def _gost_root(directory: Path, subject: Subject, not_before: dt.datetime, not_after: dt.datetime) -> None:
    key = directory / "ca.key"
    _gost_key(key)
    csr, ext = directory / "ca.csr", directory / "ca.ext"
    _run(
        [
            "req",
            "-engine",
            "gost",
            "-new",
            "-key",
            str(key),
            "-md_gost12_256",
            "-utf8",
            "-subj",
            subject.openssl_subj(),
            "-out",
            str(csr),
        ]
    )
    ext.write_text(_extensions(("key_cert_sign", "crl_sign", "digital_signature"), True, None, root=True))
    _x509_sign(csr, ext, directory / "ca.pem", ["-signkey", str(key)], 1, not_before, not_after)
    csr.unlink()
    ext.unlink()


def _x509_sign(
    csr: Path,
    ext: Path,
    out: Path,
    signer: list[str],
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> None:
    start, end = _days(not_before, not_after)
    # openssl 3.0's x509 has no -not_before/-not_after; `openssl ca` does, with a throwaway database
    del start, end
    _run(
        [
            "x509",
            "-engine",
            "gost",
            "-req",
            "-in",
            str(csr),
            *signer,
            "-md_gost12_256",
            "-set_serial",
            str(serial),
            "-extfile",
            str(ext),
            "-days",
            "1",
            "-out",
            str(out),
        ]
    )
    _retime(out, signer, not_before, not_after)


def _retime(out: Path, signer: list[str], not_before: dt.datetime, not_after: dt.datetime) -> None:
    """Set the validity exactly (openssl x509 only counts days from now): rewrite the TBS dates with
    asn1crypto and re-sign the TBS with the GOST engine."""
    cert = asn1_x509.Certificate.load(_der(out))
    tbs = cert["tbs_certificate"]
    tbs["validity"] = asn1_x509.Validity(
        {
            "not_before": asn1_x509.Time({"utc_time": not_before.astimezone(dt.UTC)}),
            "not_after": asn1_x509.Time({"utc_time": not_after.astimezone(dt.UTC)}),
        }
    )
    key = signer[signer.index("-signkey") + 1] if "-signkey" in signer else signer[signer.index("-CAkey") + 1]
    signed = asn1_x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": cert["signature_algorithm"],
            "signature_value": _gost_sign(Path(key), tbs.dump()),
        }
    )
    out.write_bytes(_pem(signed.dump(), "CERTIFICATE"))


def _gost_sign(key: Path, data: bytes) -> bytes:
    with tempfile.TemporaryDirectory(prefix="pki-gost-") as tmp:
        path = Path(tmp) / "tbs"
        path.write_bytes(data)
        return _run(["dgst", "-engine", "gost", "-md_gost12_256", "-sign", str(key), str(path)])


def _pem(der: bytes, kind: str) -> bytes:
    import base64

    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        b"-----BEGIN "
        + kind.encode()
        + b"-----\n"
        + b"\n".join(lines)
        + b"\n-----END "
        + kind.encode()
        + b"-----\n"
    )


def _gost_issue(
    ca: DemoCa,
    subject: Subject,
    serial: int,
    key_path: Path,
    cert_path: Path,
    not_before: dt.datetime,
    not_after: dt.datetime,
    key_usage: tuple[str, ...],
    is_ca: bool,
    crl_url: str | None,
) -> None:
    _gost_key(key_path)
    csr, ext = key_path.with_suffix(".csr"), key_path.with_suffix(".ext")
    _run(
        [
            "req",
            "-engine",
            "gost",
            "-new",
            "-key",
            str(key_path),
            "-md_gost12_256",
            "-utf8",
            "-subj",
            subject.openssl_subj(),
            "-out",
            str(csr),
        ]
    )
    ext.write_text(_extensions(key_usage, is_ca, crl_url, root=False))
    signer = ["-CA", str(ca.cert_pem), "-CAkey", str(ca.key_pem)]
    _x509_sign(csr, ext, cert_path, signer, serial, not_before, not_after)
    csr.unlink()
    ext.unlink()


def _gost_crl(ca: DemoCa, this_update: dt.datetime, next_update: dt.datetime) -> bytes:
    issuer = asn1_x509.Certificate.load(ca.der)
    revoked = [
        {"user_certificate": serial, "revocation_date": asn1_x509.Time({"utc_time": when.astimezone(dt.UTC)})}
        for serial, when in sorted(ca.revoked().items())
    ]
    algorithm = {"algorithm": GOST_SIGNATURE_OID}
    tbs = asn1_crl.TbsCertList(
        {
            "version": "v2",
            "signature": algorithm,
            "issuer": issuer.subject,
            "this_update": asn1_x509.Time({"utc_time": this_update.astimezone(dt.UTC)}),
            "next_update": asn1_x509.Time({"utc_time": next_update.astimezone(dt.UTC)}),
            **({"revoked_certificates": revoked} if revoked else {}),
        }
    )
    crl = asn1_crl.CertificateList(
        {
            "tbs_cert_list": tbs,
            "signature_algorithm": algorithm,
            "signature": _gost_sign(ca.key_pem, tbs.dump()),
        }
    )
    return bytes(crl.dump())
