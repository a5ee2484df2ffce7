"""Token shapes: what claims and JOSE header a face's access and ID tokens carry.

The issuing core (:mod:`idp.tokens.issuance`) decides everything that must hold for every face:
who gets a token, its lifetime, its ``jti``, the signing key, the records. A :class:`TokenProfile`
only lays out the claims. The OpenID Connect face uses :data:`OIDC` (RFC 9068 access tokens,
OIDC Core §2 ID tokens); the ESIA face will pass its own profile (ESIA.md §5: ``sbt``/``ver`` in
the header, ``urn:esia:sbj_id`` instead of ``sub``, no ``aud`` in the access token) to the same core.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from idp.tokens.confirmation import confirmation
from idp.tokens.schemas import Issuance, Stamp


@dataclass(frozen=True)
class Shaped:
    """A token's claims and the JOSE header parameters beside ``alg`` and ``kid``."""

    claims: dict[str, Any]
    header: dict[str, Any]


class TokenProfile(Protocol):
    """How one face's tokens look. Pure functions of their input: no I/O, no clock."""

    def access_token(self, issuance: Issuance, stamp: Stamp) -> Shaped: ...

    def id_token(self, issuance: Issuance, stamp: Stamp, at_hash: str | None) -> Shaped: ...


class OidcProfile:
    """RFC 9068 JWT access tokens and OpenID Connect Core §2 ID tokens."""

    def access_token(self, issuance: Issuance, stamp: Stamp) -> Shaped:
        claims: dict[str, Any] = {
            "iss": stamp.issuer,
            "sub": issuance.subject,
            "aud": issuance.audience,
            "exp": stamp.expires_at,
            "iat": stamp.issued_at,
            "nbf": stamp.issued_at,
            "jti": stamp.jti,
            "client_id": issuance.client_id,
            "scope": issuance.scope,
        }
        person = issuance.person
        if person is not None:
            # RFC 9068 §2.2.1: the authentication information of the person
            claims.update(acr=person.acr, amr=list(person.amr), auth_time=_epoch(person.auth_time))
            if person.sid:
                claims["sid"] = person.sid
            if person.cert_thumbprint and issuance.confirm_certificate:
                claims["cnf"] = confirmation(person.cert_thumbprint)  # idp.tokens.confirmation
        if issuance.patient:
            # SMART App Launch v2: the resource server bounds the token to this Patient
            claims["patient"] = issuance.patient
        for name, value in issuance.context_claims.items():
            claims.setdefault(name, value)  # EGISZ.md §5 ``roles``/``org``: never over a protocol claim
        return Shaped(claims, {"typ": "at+jwt"})  # RFC 9068 §2.1

    def id_token(self, issuance: Issuance, stamp: Stamp, at_hash: str | None) -> Shaped:
        person = issuance.person
        if person is None:
            raise ValueError("an ID token is about a person")
        claims: dict[str, Any] = {
            "iss": stamp.issuer,
            "sub": issuance.subject,
            "aud": issuance.client_id,
            "exp": stamp.expires_at,
            "iat": stamp.issued_at,
            "auth_time": _epoch(person.auth_time),
            "acr": person.acr,
            "amr": list(person.amr),
        }
        if person.sid:
            claims["sid"] = person.sid  # OIDC Front-/Back-Channel Logout §3
        if person.cert_thumbprint:
            claims["cnf"] = confirmation(person.cert_thumbprint)  # the signature login's certificate
        if issuance.nonce:
            claims["nonce"] = issuance.nonce
        if at_hash:
            claims["at_hash"] = at_hash
        for name, value in issuance.id_token_claims.items():
            claims.setdefault(name, value)  # a requested claim never overrides a protocol one
        return Shaped(claims, {"typ": "JWT"})


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


OIDC = OidcProfile()
