"""ESIA access tokens as the REST API reads them (ESIA.md §5.1).

The protocol (``te``) issues them; their shape is fixed by the real ESIA: a JWS signed with one of
the idp's keys (RS256 or GOST3410_2012_256), header ``{"alg","kid","typ":"JWT","sbt":"access","ver":1}``,
claims ``nbf iat exp iss client_id jti urn:esia:sid urn:esia:sbj_id scope``. ``scope`` is
space-separated; every person scope but ``openid`` reads ``name?oid=<subject oid>``, organisation
scopes ``name?org_oid=<org oid>``. Client-credentials (system) tokens carry no ``urn:esia:sbj_id``.

:func:`verify_access_token` runs on the event loop (the key store's cached keys, the process's
revocation list) and answers :class:`EsiaAccess` or raises a 401 with ``WWW-Authenticate: Bearer``.
The issuer is not compared: it is per client (``esia_clients.issuer``), and only our key signs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from idp.keys.jose import SignatureError
from idp.keys.service import KeyStore
from idp.tokens.revocations import RevocationList
from shared.tokens import BearerError, InsufficientScopeError, InvalidTokenError

REALM = "esia"
#: seconds of clock skew allowed on ``exp`` and ``nbf``
LEEWAY = 5


class EsiaTokenError(InvalidTokenError):
    """401: no usable token (bad signature, not an ESIA access token, expired, revoked)."""

    code = "invalid_token"


class EsiaScopeError(InsufficientScopeError):
    """403: the token lacks the scope the resource needs (ESIA.md §7.4)."""


class EsiaSubjectError(BearerError):
    """403: the token is about another person (or no person): ``/rs/prns/{oid}`` of someone else."""

    status_code = 403
    code = "access_denied"
    title = "Not the token's subject"
    bearer_error = "insufficient_scope"


@dataclass(frozen=True)
class EsiaAccess:
    #: ``urn:esia:sbj_id``: the person; None for a client-credentials (system) token
    oid: int | None
    client_id: str
    jti: str
    #: person scope names granted about ``oid`` (``openid`` included)
    scopes: frozenset[str]
    #: organisation oid → organisation scope names granted about it
    org_scopes: Mapping[int, frozenset[str]] = field(default_factory=dict)
    sid: str | None = None

    def has_any(self, *names: str) -> bool:
        return any(name in self.scopes for name in names)

    def org(self, org_oid: int) -> frozenset[str]:
        return self.org_scopes.get(org_oid, frozenset())


def parse_scope(scope: str, subject: int | None) -> tuple[frozenset[str], dict[int, frozenset[str]]]:
    """Person scopes about ``subject`` and organisation scopes by org oid. A person scope naming
    another ``oid`` grants nothing (it is not about the token's subject)."""
    person: set[str] = set()
    orgs: dict[int, set[str]] = {}
    for part in scope.split():
        name, _, query = part.partition("?")
        if not name:
            continue
        params = parse_qs(query)
        if "org_oid" in params:
            value = params["org_oid"][0]
            if value.isdigit():
                orgs.setdefault(int(value), set()).add(name)
        elif "oid" in params:
            if subject is not None and params["oid"][0] == str(subject):
                person.add(name)
        elif not query and (name == "openid" or subject is not None):
            person.add(name)  # ``openid``, or a bare name some issuers send: about the subject
    return frozenset(person), {oid: frozenset(names) for oid, names in orgs.items()}


def check_claims(header: Mapping[str, Any], claims: Mapping[str, Any], now: float) -> EsiaAccess:
    """The rules of §5.1 on a token whose signature is ours; :class:`EsiaTokenError` otherwise."""

    def refuse(why: str) -> EsiaTokenError:
        return EsiaTokenError(f"The access token is {why}.", realm=REALM)

    if header.get("sbt") != "access":
        raise refuse("not an ESIA access token")
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, int | float) or isinstance(exp, bool) or exp + LEEWAY < now:
        raise refuse("expired")
    if nbf is not None and (not isinstance(nbf, int | float) or isinstance(nbf, bool) or nbf - LEEWAY > now):
        raise refuse("not valid yet")
    subject = claims.get("urn:esia:sbj_id")
    if subject is not None and (not isinstance(subject, int) or isinstance(subject, bool) or subject < 1):
        raise refuse("malformed (urn:esia:sbj_id must be a number)")
    client_id, jti, scope = claims.get("client_id"), claims.get("jti"), claims.get("scope", "")
    if not isinstance(client_id, str) or not isinstance(jti, str) or not jti or not isinstance(scope, str):
        raise refuse("malformed")
    person, orgs = parse_scope(scope, subject)
    sid = claims.get("urn:esia:sid")
    return EsiaAccess(subject, client_id, jti, person, orgs, sid if isinstance(sid, str) else None)


async def verify_access_token(
    token: str, keys: KeyStore, revocations: RevocationList, clock: Callable[[], float] = time.time
) -> EsiaAccess:
    """Signature (one of our published keys), ``sbt``, expiry, revocation (logout revokes)."""
    await keys.ensure_fresh()
    try:
        header, claims, _ = keys.verify(token)
    except SignatureError:
        raise EsiaTokenError("The access token is invalid.", realm=REALM) from None
    access = check_claims(header, claims, clock())
    if await revocations.is_revoked(access.jti):
        raise EsiaTokenError("The access token was revoked.", realm=REALM)
    return access
