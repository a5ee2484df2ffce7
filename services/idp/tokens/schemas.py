"""The input of the token-issuing core and what it fixes for every token (leaf types)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AuthContext:
    """What a login proved, carried from the session into codes, tokens and refresh tokens."""

    account_id: int
    session_id: int | None
    sid: str | None
    auth_time: dt.datetime
    acr: str
    amr: list[str]
    #: SHA-256 (hex) of the signer certificate of a signature login (None: another login); the
    #: tokens name it as RFC 8705 §3.1 ``cnf`` ``x5t#S256`` (:mod:`idp.tokens.confirmation`)
    cert_thumbprint: str | None = None


@dataclass(frozen=True)
class RefreshPlan:
    """A refresh token to issue with the access token (RFC 6749 §6), in the issuance's family."""

    resource: str | None = None
    claims_request: dict[str, Any] | None = None
    #: the SMART launch context's Patient, kept for the tokens the refresh token will bring
    patient: str | None = None
    #: the family's end; None starts a new family (``now + refresh_token_ttl``). Rotation passes
    #: the old token's, so rotating never extends a family's life.
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class Issuance:
    """The input of the one token-issuing core: who gets which tokens, for whom, proving what.

    Any face builds one (the OAuth grants in :mod:`idp.oauth2.grants`, the ESIA face later) and
    passes it to :meth:`idp.tokens.issuance.TokenIssuer.issue`.
    """

    grant_type: str
    client_id: str
    #: the client's registered signing algorithm (a name in the key store's algorithm table)
    alg: str
    subject: str
    audience: str
    scope: str
    #: what the person's login proved (acr, amr, auth_time, sid); None for a client acting for itself
    person: AuthContext | None = None
    nonce: str | None = None
    #: the token family (code exchange and its refreshes), recorded with the access token
    family_id: str | None = None
    #: issue an ID token (the ``openid`` scope was granted, OIDC Core §3.1.3.3)
    id_token: bool = False
    #: person claims asked for in the ID token (OIDC Core §5.5)
    id_token_claims: Mapping[str, Any] = field(default_factory=dict)
    #: person claims asked for at UserInfo (OIDC Core §5.5), remembered with the access token
    userinfo_claims: tuple[str, ...] | None = None
    refresh: RefreshPlan | None = None
    #: access token lifetime in seconds; None: the configured one
    expires_in: int | None = None
    #: ``iss`` of the tokens; None: the idp's own. The ESIA face passes its client's
    #: (``EsiaClient.issuer``, ESIA.md §5.2: the issuer ESIA clients pin)
    issuer: str | None = None
    #: SMART App Launch v2 launch context: the person's Patient id (access token claim and token
    #: response parameter ``patient``); found by the idp, never chosen by the client
    patient: str | None = None
    #: EGISZ.md §5 "Claims the IdP must put into access tokens": ``roles`` and ``org`` (the
    #: organisation oid) of the person or of an ``mis`` client (docs/organizations.md «Claims»)
    context_claims: Mapping[str, Any] = field(default_factory=dict)
    #: the access token names the person's signature certificate (``cnf``): only for the EGISZ
    #: audience, which reads it as the certificate of the signed write (docs/oidc.md «cnf»)
    confirm_certificate: bool = False


@dataclass(frozen=True)
class Stamp:
    """What the core fixes for one token before the profile lays it out."""

    issuer: str
    issued_at: int
    expires_at: int
    jti: str
