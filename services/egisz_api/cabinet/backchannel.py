"""Receiving the idp's back-channel logout (OpenID Connect Back-Channel Logout 1.0 §2.6) for EGISZ:
the person logged out at the idp (or the idp session ended), so the cabinet sessions of that idp
session end too.

The checks, in the order of §2.6:
1. the JWS verifies with one of the idp's keys (its JWKS), ``typ: logout+jwt`` (§2.4), ``alg`` RS256 or
   ES256 — :class:`shared.tokens.JwtVerifier` — with ``iss`` the idp and ``aud`` our mnemonic ``EGISZ``,
   ``iat``/``exp`` present and ``exp`` not past;
2. ``events`` holds ``http://schemas.openid.net/event/backchannel-logout`` as an object;
3. ``sid`` or ``sub`` is present;
4. no ``nonce`` (§2.4: a logout token must not be mistaken for an id_token);
5. its ``jti`` was not seen before (kept until the token expires): a replay is refused.
Then every open cabinet session of that idp session (``sid``, what ``urn:esia:sid`` named at login)
ends; with ``sub`` alone, every session of that subject.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.cabinet import repository, service
from egisz_api.cabinet.errors import LogoutTokenError
from egisz_api.cabinet.models import CabinetLogoutToken
from shared.tokens import InvalidTokenError, JwtVerifier

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def _claims(verifier: JwtVerifier, token: str) -> dict[str, Any]:
    try:
        claims = verifier.verify(token)
    except InvalidTokenError as exc:
        raise LogoutTokenError(f"the logout token does not verify: {exc.detail}") from exc
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise LogoutTokenError("the logout token has no back-channel logout event")
    if not claims.get("sid") and not claims.get("sub"):
        raise LogoutTokenError("the logout token names neither sid nor sub")
    if "nonce" in claims:
        raise LogoutTokenError("a logout token must not carry a nonce")
    if not isinstance(claims.get("jti"), str) or not claims["jti"] or not isinstance(claims.get("iat"), int):
        raise LogoutTokenError("the logout token has no jti or iat")
    return claims


def receive(db: Session, verifier: JwtVerifier, token: str, *, now: dt.datetime) -> int:
    """Verify the logout token and end the sessions it names; the number ended."""
    claims = _claims(verifier, token)
    jti = str(claims["jti"])[:256]
    repository.purge_logout_tokens(db, now=now)
    if repository.logout_token_seen(db, jti):
        raise LogoutTokenError("the logout token was already used")
    expires = dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC) + dt.timedelta(minutes=5)
    repository.add(db, CabinetLogoutToken(jti=jti, expires_at=max(expires, now + dt.timedelta(minutes=5))))
    sid = claims.get("sid")
    sub = claims.get("sub")
    return service.end_idp_session(
        db, idp_sid=str(sid) if sid else None, oid=str(sub) if sub else None, now=now
    )
