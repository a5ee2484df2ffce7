"""The signed ``client_secret`` and ``timestamp`` of every ``ac`` and ``te`` call (ESIA.md §3.2-§3.3,
§4.1-§4.3), checked with :mod:`idp.pki.client_secrets` against the client's registered certificates.

The checks, in order: ``timestamp`` present and within the client's window (ESIA-007015); the secret
present (ESIA-007014); then

- v1 (``ac``, ``te``): a CMS over ``scope + timestamp + client_id + state`` whose signer certificate
  is registered for the client (ESIA-007002 otherwise) and that verifies (ESIA-007053);
- v2/v3 (``v2/ac``, ``v3/te``): ``client_certificate_hash`` present (ESIA-007014), 64 hex digits and
  the Streebog-256 hash of a registered certificate (ESIA-007053), and a raw GOST signature over
  ``client_id + scope + scope_org + timestamp + state + redirect_uri`` (``+ code`` at ``v3/te``).

Where the sources disagree (refresh, §4.2) every candidate string is tried, in either mode. A client
in ``lenient`` mode (ESIA.md §14) also gets every other variant tried, a v1 CMS accepted on a v2/v3
endpoint, and an empty secret accepted at ``te`` (passport-esia sends none).

Every refusal is an :class:`~idp.esia.errors.EsiaError` whose diagnosis says what was expected and
what was found (strings, certificates, algorithm, skew) and what to change; never a private key,
never a person's data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509

from idp.esia.errors import EsiaError
from idp.esia.models import EsiaClient, EsiaClientCertificate
from idp.pki import client_secrets as cs
from idp.pki import gost
from idp.pki.algorithms import SignatureError
from idp.pki.cms import decode_base64, decode_signature

WRONG_SECRET = "ESIA-007053"
MISSING = "ESIA-007014"
BAD_TIME = "ESIA-007015"
CERTIFICATE_NOT_REGISTERED = "ESIA-007002"
#: a diagnosis quotes at most this much of a string found inside a CMS
_QUOTE = 500


@dataclass(frozen=True)
class SignedRequest:
    """The signed parameters of one ``ac``/``te`` call, as sent (missing ones are empty)."""

    #: 1 (``ac``, ``te``) or 2 (``v2/ac``, ``v3/te``)
    version: int
    client_id: str
    scope: str
    scope_org: str
    timestamp: str
    state: str
    redirect_uri: str
    secret: str
    certificate_hash: str = ""
    #: at ``te``: the grant and what it exchanges
    grant_type: str = ""
    code: str = ""
    refresh_token: str = ""


@dataclass(frozen=True)
class VerifiedSecret:
    #: the registered certificate that verified it; None for an empty secret accepted leniently
    certificate: EsiaClientCertificate | None
    #: which signed string matched (``v1``, ``v2``, ``v3``, ``v3-refresh-token`` …)
    message: str


def check_client_secret(
    request: SignedRequest,
    client: EsiaClient,
    certificates: Sequence[EsiaClientCertificate],
    now: dt.datetime,
    verifier: gost.GostVerifier | None = None,
) -> VerifiedSecret:
    lenient = client.mode == "lenient"
    check_timestamp(request, client, now)
    at_te = bool(request.grant_type)
    if not request.secret:
        if lenient and at_te:
            return VerifiedSecret(None, "empty (lenient)")  # passport-esia (ESIA.md §12)
        raise missing("client_secret")
    candidates = messages(request, lenient=lenient)
    if request.version == 1:
        return _check_cms(request, candidates, certificates, verifier)
    if lenient and _looks_like_cms(request.secret):
        # fr05t1k/esia 3.x signs v1 strings with CMS even on v2/v3 (ESIA.md §12)
        v1 = messages(SignedRequest(**{**request.__dict__, "version": 1}), lenient=True)
        return _check_cms(request, v1 + candidates, certificates, verifier)
    return _check_raw_gost(request, candidates, certificates, verifier)


# --- timestamp ------------------------------------------------------------------------------------
def check_timestamp(request: SignedRequest, client: EsiaClient, now: dt.datetime) -> dt.datetime:
    """ESIA.md §3.3: ``yyyy.MM.dd HH:mm:ss ±hhmm``, its own offset, within the client's window."""
    if not request.timestamp:
        raise missing("timestamp")
    window = dt.timedelta(seconds=client.timestamp_window)
    try:
        moment = cs.parse_timestamp(request.timestamp)
    except cs.BadTimestampError as exc:
        raise EsiaError(
            BAD_TIME,
            diagnosis={
                "problem": exc.detail,
                "timestamp_found": request.timestamp[:64],
                "expected_format": "yyyy.MM.dd HH:mm:ss ±hhmm, e.g. 2025.09.02 13:00:29 +0300",
                "advice": "Send the time in this form with its numeric offset; URL-encode the '+'.",
            },
        ) from None
    skew = (moment - now).total_seconds()
    if abs(skew) > window.total_seconds():
        raise EsiaError(
            BAD_TIME,
            diagnosis={
                "problem": "The request time differs from the server's by more than the window.",
                "timestamp_found": request.timestamp,
                "server_time_utc": now.astimezone(dt.UTC).strftime("%Y.%m.%d %H:%M:%S +0000"),
                "skew_seconds": int(skew),
                "window_seconds": client.timestamp_window,
                "advice": "Synchronise the client's clock (NTP) and check the offset it writes.",
            },
        )
    return moment


# --- the strings that may be signed ---------------------------------------------------------------
def messages(request: SignedRequest, *, lenient: bool) -> list[tuple[str, bytes]]:
    """The candidate signed strings for this call, the one ESIA documents first."""
    r = request
    v1 = ("v1", cs.v1_message(scope=r.scope, timestamp=r.timestamp, client_id=r.client_id, state=r.state))
    v2 = (
        "v2",
        cs.v2_message(
            client_id=r.client_id, scope=r.scope, scope_org=r.scope_org, timestamp=r.timestamp,
            state=r.state, redirect_uri=r.redirect_uri,
        ),
    )  # fmt: skip
    if r.version == 1:
        return [v1]
    found: list[tuple[str, bytes]] = []
    if r.grant_type == "authorization_code":
        found.append(("v3", v2[1] + r.code.encode()))
        if lenient:
            found.append(v2)
    elif r.grant_type == "refresh_token":
        # ESIA.md §4.2: ilimurzin 4.x signs the v2 string; AISGorod 2.x this one
        aisgorod = r.client_id + r.scope + r.timestamp + r.state + r.refresh_token
        found += [v2, ("v3-refresh-token", aisgorod.encode())]
    else:
        found.append(v2)  # v2/ac, and client_credentials at v3/te (§4.3)
    if lenient:
        found.append(v1)
    return found


# --- v1: CMS --------------------------------------------------------------------------------------
def _check_cms(
    request: SignedRequest,
    candidates: list[tuple[str, bytes]],
    certificates: Sequence[EsiaClientCertificate],
    verifier: gost.GostVerifier | None,
) -> VerifiedSecret:
    registered = [c.der for c in certificates]
    if not registered:
        raise EsiaError(
            CERTIFICATE_NOT_REGISTERED,
            diagnosis={
                "problem": "No certificate is registered for this client.",
                **_cms_facts(request),
                "advice": "Register the certificate the client signs with (docs/esia.md).",
            },
        )
    problems: list[dict[str, str]] = []
    for label, message in candidates:
        try:
            verified = cs.verify_v1(request.secret, message, registered, gost_verifier=verifier)
        except cs.WrongClientSecretError as exc:
            if exc.reason == "certificate_not_registered":
                raise EsiaError(
                    CERTIFICATE_NOT_REGISTERED,
                    diagnosis={
                        "problem": "The CMS is signed with a certificate not registered for the client.",
                        **_cms_facts(request),
                        "registered_certificates": [describe(c) for c in certificates],
                        "advice": "Sign with a registered certificate or register this one.",
                    },
                ) from None
            problems.append({"message": label, "reason": exc.reason, "detail": exc.detail})
            continue
        certificate = next(c for c in certificates if c.der == verified.certificate)
        return VerifiedSecret(certificate, label)
    raise EsiaError(
        WRONG_SECRET,
        diagnosis={
            "problem": "The client_secret is not a valid CMS signature over the expected string.",
            "expected_strings": [_text(m, request) for _, m in candidates],
            "checks": problems,
            **_cms_facts(request),
            "advice": _advice(problems),
        },
    )


def _looks_like_cms(secret: str) -> bool:
    try:
        der = decode_signature(secret, max_bytes=cs.MAX_SECRET_BYTES)
    except SignatureError:
        return False
    return len(der) > 128 and der[:1] == b"\x30"


def _cms_facts(request: SignedRequest) -> dict[str, Any]:
    """What the CMS holds, for a diagnosis: shape, the string found inside an attached one, its
    certificates. Anything unreadable is said so; never raises."""
    secret = request.secret
    try:
        der = decode_signature(secret, max_bytes=cs.MAX_SECRET_BYTES)
    except SignatureError as exc:
        return {"secret_problem": exc.detail, "secret_length": len(secret)}
    try:
        info = asn1_cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            return {"secret_problem": "The secret is not a CMS SignedData."}
        signed = info["content"]
        content = signed["encap_content_info"]["content"]
        facts: dict[str, Any] = {"cms_shape": "detached" if content.native is None else "attached"}
        if content.native is not None:
            facts["string_found_in_cms"] = _text(bytes(content.native), request)
        facts["certificates_in_cms"] = [
            describe_der(c.chosen.dump()) for c in signed["certificates"] or [] if c.name == "certificate"
        ]
        facts["digest_algorithms"] = [a["algorithm"].native for a in signed["digest_algorithms"]]
        return facts
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        return {"secret_problem": "The secret decodes but is not a readable CMS structure."}


# --- v2/v3: raw GOST ------------------------------------------------------------------------------
def _check_raw_gost(
    request: SignedRequest,
    candidates: list[tuple[str, bytes]],
    certificates: Sequence[EsiaClientCertificate],
    verifier: gost.GostVerifier | None,
) -> VerifiedSecret:
    wanted = request.certificate_hash.strip()
    if not wanted:
        raise missing("client_certificate_hash")
    registered = [describe(c) for c in certificates]
    if len(wanted) != 64 or any(ch not in "0123456789abcdefABCDEF" for ch in wanted):
        why = (
            "40 hex digits is a SHA-1 thumbprint"
            if len(wanted) == 40
            else f"{len(wanted)} characters, not 64 hex digits"
        )
        raise EsiaError(
            WRONG_SECRET,
            diagnosis={
                "problem": f"client_certificate_hash is not a Streebog-256 hash: {why}.",
                "client_certificate_hash_found": wanted[:130],
                "registered_certificates": registered,
                "advice": "Send the GOST R 34.11-2012 (256) hash of the DER certificate: "
                "openssl dgst -engine gost -md_gost12_256 cert.der (64 hex digits).",
            },
        )
    certificate = next((c for c in certificates if gost.same_certificate_hash(c.gost_hash, wanted)), None)
    if certificate is None:
        raise EsiaError(
            WRONG_SECRET,
            diagnosis={
                "problem": "No certificate registered for the client has this client_certificate_hash.",
                "client_certificate_hash_found": wanted,
                "registered_certificates": registered,
                "advice": "Hash the DER form of a registered certificate (not its PEM text), or "
                "register the certificate you sign with.",
            },
        )
    try:
        signature = decode_base64(request.secret, max_bytes=cs.MAX_SECRET_BYTES)
    except SignatureError as exc:
        raise EsiaError(
            WRONG_SECRET,
            diagnosis={
                "problem": f"client_secret is not base64url: {exc.detail}",
                "secret_length": len(request.secret),
                "advice": "Send the 64-byte raw signature in base64url (either alphabet, any padding).",
            },
        ) from None
    problems: list[dict[str, str]] = []
    try:
        # cs.verify_v2's steps, with the certificate found by its stored hash: hashing every
        # registered DER again (pure-Python Streebog) cost ~10 ms a request
        key = gost.public_key_from_certificate(certificate.der)
    except SignatureError as exc:
        raise EsiaError(
            WRONG_SECRET,
            diagnosis={
                "problem": f"The registered certificate is not a usable GOST R 34.10-2012 one: {exc.detail}",
                "certificate": describe(certificate),
            },
        ) from None
    for label, message in candidates:
        if len(signature) != key.bits // 4:
            detail = f"A raw GOST {key.bits}-bit signature is {key.bits // 4} bytes long."
            problems.append({"message": label, "reason": "signature_wrong", "detail": detail})
            continue
        try:
            gost.verify_gost(key, message, signature, verifier)
        except SignatureError as exc:
            problems.append({"message": label, "reason": exc.code, "detail": exc.detail})
            continue
        return VerifiedSecret(certificate, label)
    raise EsiaError(
        WRONG_SECRET,
        diagnosis={
            "problem": "The raw GOST signature does not verify over the expected string(s).",
            "expected_strings": [_text(m, request) for _, m in candidates],
            "signature_bytes": len(signature),
            "certificate": describe(certificate),
            "algorithm": "GOST R 34.10-2012 256 over Streebog-256, OpenSSL byte order",
            "checks": problems,
            "advice": "Sign exactly the first expected string (no separators, scope as sent, "
            "the timestamp as sent); a CryptoPro signature must be byte-reversed first.",
        },
    )


# --- shared ---------------------------------------------------------------------------------------
def missing(name: str) -> EsiaError:
    """ESIA-007014 with the parameter's name (ESIA.md §3.4)."""
    return EsiaError(
        MISSING,
        detail=f"[{name}]",
        diagnosis={"missing_parameter": name, "advice": f"Send the {name} parameter."},
    )


def describe(row: EsiaClientCertificate) -> dict[str, str]:
    return {
        "sha1": row.sha1,
        "sha256": row.sha256,
        "gost_hash": row.gost_hash,
        "subject": row.subject,
        "algorithm": row.algorithm,
    }


def describe_der(der: bytes) -> dict[str, str]:
    found = {
        "sha1": hashlib.sha1(der, usedforsecurity=False).hexdigest(),
        "sha256": hashlib.sha256(der).hexdigest(),
        "gost_hash": gost.certificate_hash(der),
    }
    try:
        found["subject"] = asn1_x509.Certificate.load(der).subject.human_friendly
    except (ValueError, TypeError, KeyError):
        found["subject"] = "(unreadable)"
    return found


def _text(message: bytes, request: SignedRequest) -> str:
    """A signed string as a diagnosis shows it: the authorization code and refresh token it holds
    appear as ``<code>`` and ``<refresh_token>`` (a diagnosis never keeps a credential)."""
    text = message.decode("utf-8", "replace")
    for value, name in ((request.code, "<code>"), (request.refresh_token, "<refresh_token>")):
        if value:
            text = text.replace(value, name)
    return text[:_QUOTE]


def _advice(problems: list[dict[str, str]]) -> str:
    reasons = {p["reason"] for p in problems}
    if "content_mismatch" in reasons:
        return "The attached CMS holds another string than expected: sign exactly the expected one."
    if reasons & {"digest_mismatch", "signature_wrong"}:
        return "Sign exactly the expected string (no separators; scope and timestamp as sent)."
    return "Send a DER CMS SignedData in base64url signed with a registered certificate."
