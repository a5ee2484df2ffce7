"""Access tokens: signed JWTs (RFC 9068) laid out by a token profile, and the idp's own service token."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from idp.keys.service import KeyStore
from idp.tokens.profiles import OIDC, Shaped, TokenProfile
from idp.tokens.schemas import Issuance, Stamp


class AccessTokens:
    """Signs access tokens: the core stamps issuer, times and ``jti``; the profile lays out claims."""

    def __init__(self, keys: KeyStore, issuer: str, ttl: int, clock: Callable[[], float] = time.time) -> None:
        self.keys = keys
        self.issuer = issuer
        self.ttl = ttl
        self.clock = clock

    def issue(self, issuance: Issuance, profile: TokenProfile = OIDC) -> tuple[str, Stamp]:
        """The signed token and its stamp (``jti`` and ``exp`` go into the record)."""
        now = int(self.clock())
        stamp = Stamp(
            issuer=issuance.issuer or self.issuer,
            issued_at=now,
            expires_at=now + (issuance.expires_in or self.ttl),
            jti=secrets.token_urlsafe(16),
        )
        shaped = profile.access_token(issuance, stamp)
        return self.keys.sign(shaped.claims, issuance.alg, shaped.header), stamp


class ServiceTokenSource:
    """The idp's own bearer token for calling another service (audience = that service).

    The idp is the issuer, so it signs the token itself instead of asking itself for one; the
    token is reused until a minute before it expires.
    """

    def __init__(self, tokens: AccessTokens, *, audience: str, scope: str, ttl: int = 300) -> None:
        self._tokens = tokens
        self._issuance = Issuance(
            grant_type="client_credentials",
            client_id="idp",
            alg="RS256",
            subject="idp",
            audience=audience,
            scope=scope,
            expires_in=ttl,
        )
        self._token: str | None = None
        self._expires = 0.0

    def __call__(self) -> str:
        now = self._tokens.clock()
        if self._token is None or now > self._expires - 60:
            self._token, stamp = self._tokens.issue(self._issuance)
            self._expires = stamp.expires_at
        return self._token


class _PersonLookupProfile:
    """An RFC 9068 access token that also names the person's SNILS and the ``patient`` role, the
    claims egisz_api maps a patient's token to their Patient by (EGISZ.md §5 "Claims")."""

    def __init__(self, snils: str) -> None:
        self.snils = snils

    def access_token(self, issuance: Issuance, stamp: Stamp) -> Shaped:
        shaped = OIDC.access_token(issuance, stamp)
        return Shaped({**shaped.claims, "snils": self.snils, "roles": ["patient"]}, shaped.header)

    def id_token(self, issuance: Issuance, stamp: Stamp, at_hash: str | None) -> Shaped:
        raise ValueError("a lookup token has no ID token")


class PersonLookupTokens:
    """The person's own short-lived token for finding *their* Patient at the FHIR server while they
    authorize a SMART app (idp.smart.client): subject = the person, ``snils`` and ``roles=patient``,
    scope ``patient/Patient.rs`` only, client ``idp``. A lookup as the patient themselves is the
    patient reaching their own record, which a withdrawn consent never blocks (EGISZ.md §5 row 32);
    a system token stays refused. Never handed out, never reused: one per lookup."""

    def __init__(self, tokens: AccessTokens, *, audience: str, scope: str, ttl: int = 60) -> None:
        self._tokens = tokens
        self._audience = audience
        self._scope = scope
        self._ttl = ttl

    def __call__(self, subject: str, snils_digits: str) -> str:
        issuance = Issuance(
            grant_type="urn:idp:smart-launch-lookup",
            client_id="idp",
            alg="RS256",
            subject=subject,
            audience=self._audience,
            scope=self._scope,
            expires_in=self._ttl,
        )
        token, _ = self._tokens.issue(issuance, _PersonLookupProfile(snils_digits))
        return token
