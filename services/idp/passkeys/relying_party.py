"""The WebAuthn relying party (WebAuthn Level 3 §7), over the maintained ``webauthn`` library
(py_webauthn). No database here: options to send, and responses checked against what was sent.

A response is checked in this order, each check one named reason (the page explains it, the
security log records it):

1. ``malformed``: the JSON is not a PublicKeyCredential of the expected shape (§5.1);
2. ``wrong_type``: ``clientDataJSON.type`` is not ``webauthn.create`` / ``webauthn.get``
   (§7.1 step 7, §7.2 step 11);
3. ``wrong_challenge``: not the challenge this ceremony sent (§7.1 step 8, §7.2 step 12);
4. ``wrong_origin``: not the idp's origin, or made inside a cross-origin frame (§7.1 step 9-10,
   §7.2 step 13-14);
5. ``wrong_rp_id``: ``rpIdHash`` is not SHA-256 of the RP ID, the issuer's host (§7.1 step 13,
   §7.2 step 15);
6. ``not_verified``: the UV flag is not set; the idp requires user verification (§7.1 step 15);
7. the library's own verification (the attestation statement, or the assertion's signature over
   ``authenticatorData || SHA-256(clientDataJSON)``): ``attestation_refused`` / ``bad_signature``.

The signature counter is judged by the caller against the stored one (``service``), after the
signature proved the assertion is the credential's own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import webauthn
from webauthn.helpers import (
    bytes_to_base64url,
    options_to_json_dict,
    parse_attestation_object,
    parse_authentication_credential_json,
    parse_authenticator_data,
    parse_cbor,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AttestationFormat,
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    ClientDataType,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

#: a PublicKeyCredential as JSON is a few KB; anything bigger is refused before parsing
MAX_RESPONSE_CHARS = 16_384


class RejectedError(Exception):
    """The response failed the check named by ``reason`` (module docstring)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RelyingParty:
    """WebAuthn §5.4.2: the RP ID is the issuer's host (a registrable domain, never an IP address
    in a browser), the origin the issuer's scheme, host and port."""

    id: str
    origin: str
    name: str
    attestation: str = "none"
    roots_pem: bytes | None = None
    trusted_aaguids: tuple[str, ...] = ()


def relying_party(
    issuer: str,
    name: str,
    *,
    attestation: str = "none",
    roots_file: str | None = None,
    trusted_aaguids: list[str] | tuple[str, ...] = (),
) -> RelyingParty:
    parts = urlsplit(issuer)
    roots = Path(roots_file).read_bytes() if roots_file else None
    return RelyingParty(
        id=parts.hostname or "localhost",
        origin=f"{parts.scheme}://{parts.netloc}",
        name=name,
        attestation=attestation,
        roots_pem=roots,
        trusted_aaguids=tuple(a.lower() for a in trusted_aaguids),
    )


def _descriptors(credentials: list[tuple[str, list[str]]]) -> list[PublicKeyCredentialDescriptor]:
    out = []
    for credential_id, transports in credentials:
        known = [
            AuthenticatorTransport(t) for t in transports if t in AuthenticatorTransport._value2member_map_
        ]
        out.append(
            PublicKeyCredentialDescriptor(
                id=webauthn.base64url_to_bytes(credential_id), transports=known or None
            )
        )
    return out


def creation_options(
    rp: RelyingParty,
    *,
    challenge: bytes,
    user_handle: bytes,
    user_name: str,
    display_name: str,
    exclude: list[tuple[str, list[str]]],
    timeout_ms: int,
) -> dict[str, Any]:
    """PublicKeyCredentialCreationOptions (§5.4) as JSON: a discoverable credential (resident key
    required, §5.4.6), user verification required, attestation ``none`` unless the operator
    requires trusted authenticators (``direct``)."""
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle,
        user_name=user_name,
        user_display_name=display_name,
        challenge=challenge,
        timeout=timeout_ms,
        attestation=AttestationConveyancePreference(rp.attestation),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(exclude),
    )
    return options_to_json_dict(options)


def request_options(
    rp: RelyingParty, *, challenge: bytes, allow: list[tuple[str, list[str]]], timeout_ms: int
) -> dict[str, Any]:
    """PublicKeyCredentialRequestOptions (§5.5): ``allow`` empty for a discoverable-credential
    (passwordless) login, the account's credentials for a second factor; UV required."""
    options = webauthn.generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=timeout_ms,
        allow_credentials=_descriptors(allow),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json_dict(options)


def _check_client_data(raw: bytes, kind: ClientDataType, rp: RelyingParty, challenge: bytes) -> None:
    try:
        data = parse_client_data_json(raw)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise RejectedError("malformed") from exc
    if data.type != kind:
        raise RejectedError("wrong_type")
    if not hmac.compare_digest(data.challenge, challenge):
        raise RejectedError("wrong_challenge")
    if data.origin != rp.origin or data.cross_origin:
        raise RejectedError("wrong_origin")


def _check_authenticator_data(raw: bytes, rp: RelyingParty) -> None:
    try:
        parsed = parse_authenticator_data(raw)
    except (WebAuthnException, ValueError, IndexError) as exc:
        raise RejectedError("malformed") from exc
    if not hmac.compare_digest(parsed.rp_id_hash, hashlib.sha256(rp.id.encode("idna")).digest()):
        raise RejectedError("wrong_rp_id")
    if not parsed.flags.uv:
        raise RejectedError("not_verified")


def _parse(raw: str, parser: Any) -> Any:
    if not raw or len(raw) > MAX_RESPONSE_CHARS:
        raise RejectedError("malformed")
    try:
        json.loads(raw)
        return parser(raw)
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RejectedError("malformed") from exc


@dataclass(frozen=True)
class NewCredential:
    credential_id: str
    public_key: bytes
    sign_count: int
    transports: list[str]
    backup_eligible: bool
    backed_up: bool
    aaguid: str
    attestation_format: str


def verify_registration(rp: RelyingParty, response_json: str, *, challenge: bytes) -> NewCredential:
    """A registration response (§7.1); raises :class:`RejectedError`."""
    credential: RegistrationCredential = _parse(response_json, parse_registration_credential_json)
    _check_client_data(credential.response.client_data_json, ClientDataType.WEBAUTHN_CREATE, rp, challenge)
    try:
        attestation = parse_attestation_object(credential.response.attestation_object)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise RejectedError("malformed") from exc
    _check_authenticator_data(_auth_data_bytes(credential.response.attestation_object), rp)
    if rp.attestation == "direct" and attestation.fmt == AttestationFormat.NONE:
        raise RejectedError("attestation_refused")
    roots: dict[AttestationFormat, list[bytes]] | None = None
    if rp.attestation == "direct" and rp.roots_pem:
        roots = {fmt: [rp.roots_pem] for fmt in AttestationFormat if fmt != AttestationFormat.NONE}
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
            pem_root_certs_bytes_by_fmt=roots,
        )
    except WebAuthnException as exc:
        raise RejectedError("attestation_refused") from exc
    if (
        rp.attestation == "direct"
        and rp.trusted_aaguids
        and verified.aaguid.lower() not in rp.trusted_aaguids
    ):
        raise RejectedError("attestation_refused")
    return NewCredential(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[str(getattr(t, "value", t)) for t in credential.response.transports or []],
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backed_up=verified.credential_backed_up,
        aaguid=verified.aaguid,
        attestation_format=str(getattr(verified.fmt, "value", verified.fmt)),
    )


def _auth_data_bytes(attestation_object: bytes) -> bytes:
    try:
        decoded = parse_cbor(attestation_object)
        return bytes(decoded["authData"])
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise RejectedError("malformed") from exc


@dataclass(frozen=True)
class Assertion:
    """A parsed assertion, before the stored credential is known."""

    credential: AuthenticationCredential

    @property
    def credential_id(self) -> str:
        return bytes_to_base64url(self.credential.raw_id)

    @property
    def user_handle(self) -> str | None:
        handle = self.credential.response.user_handle
        return bytes_to_base64url(handle) if handle else None


def parse_assertion(response_json: str) -> Assertion:
    return Assertion(_parse(response_json, parse_authentication_credential_json))


@dataclass(frozen=True)
class Verified:
    sign_count: int
    backup_eligible: bool
    backed_up: bool


def verify_assertion(
    rp: RelyingParty, assertion: Assertion, *, challenge: bytes, public_key: bytes
) -> Verified:
    """An authentication assertion (§7.2) by the stored ``public_key``; raises :class:`RejectedError`.
    The counter is the caller's to judge: the library is given 0 so that it never refuses on it."""
    response = assertion.credential.response
    _check_client_data(response.client_data_json, ClientDataType.WEBAUTHN_GET, rp, challenge)
    _check_authenticator_data(response.authenticator_data, rp)
    try:
        verified = webauthn.verify_authentication_response(
            credential=assertion.credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=public_key,
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except WebAuthnException as exc:
        raise RejectedError("bad_signature") from exc
    return Verified(
        sign_count=verified.new_sign_count,
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backed_up=verified.credential_backed_up,
    )
