"""The one token-issuing core: an :class:`Issuance` in, signed tokens and their records out.

Every face calls :meth:`TokenIssuer.issue`: the OAuth 2.0 / OpenID Connect grants
(:mod:`idp.oauth2.grants`) today, the ESIA face later with its own :class:`TokenProfile`. The
grants decide *whether* to issue (codes, PKCE, rotation, scopes); this module decides *what* is
issued and writes the records, here and nowhere else:

- an access token, always; for a person it is recorded (``issued_access_tokens``) so that it can be
  revoked with its session, family or client and so that UserInfo knows the claims asked for. A
  client's own token is self-contained and not recorded (the client_credentials hot path touches no
  database);
- a refresh token when the issuance plans one (rotation: RFC 9700 §4.14);
- an ID token when the issuance asks for one, bound to the access token by ``at_hash``.

The caller's session owns the transaction: the records commit or fail with the response.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp.tokens import repository
from idp.tokens.access import AccessTokens
from idp.tokens.id_tokens import IdTokens
from idp.tokens.models import IssuedAccessToken, RefreshToken
from idp.tokens.profiles import OIDC, TokenProfile
from idp.tokens.schemas import Issuance, RefreshPlan, Stamp
from idp.tokens.service import AuthContext, token_hash
from shared.db import utcnow


@dataclass(frozen=True)
class IssuedTokens:
    """What the core handed out; each face renders it in its own response format."""

    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None
    token_type: str = "Bearer"
    #: SMART launch context (``patient`` in the token response)
    patient: str | None = None


class TokenIssuer:
    def __init__(self, access: AccessTokens, id_tokens: IdTokens, refresh_ttl: int) -> None:
        self.access = access
        self.id_tokens = id_tokens
        self.refresh_ttl = refresh_ttl

    def issue(self, session: Session, issuance: Issuance, profile: TokenProfile = OIDC) -> IssuedTokens:
        access_token, stamp = self.access.issue(issuance, profile)
        person = issuance.person
        if person is not None:
            _record_access_token(session, issuance, person, stamp)
        refresh_token = None
        if issuance.refresh is not None:
            if person is None or issuance.family_id is None:
                raise ValueError("a refresh token belongs to a person's grant and its family")
            refresh_token = _issue_refresh_token(
                session, issuance, person, issuance.refresh, self.refresh_ttl
            )
        id_token = self.id_tokens.issue(issuance, access_token, profile) if issuance.id_token else None
        return IssuedTokens(
            access_token=access_token,
            expires_in=stamp.expires_at - stamp.issued_at,
            scope=issuance.scope,
            refresh_token=refresh_token,
            id_token=id_token,
            patient=issuance.patient,
        )


def _record_access_token(session: Session, issuance: Issuance, person: AuthContext, stamp: Stamp) -> None:
    repository.add(
        session,
        IssuedAccessToken(
            jti=stamp.jti,
            client_id=issuance.client_id,
            account_id=person.account_id,
            family_id=issuance.family_id,
            session_id=person.session_id,
            expires_at=dt.datetime.fromtimestamp(stamp.expires_at, dt.UTC),
            userinfo_claims=list(issuance.userinfo_claims) if issuance.userinfo_claims else None,
        ),
    )


def _issue_refresh_token(
    session: Session, issuance: Issuance, person: AuthContext, plan: RefreshPlan, ttl: int
) -> str:
    value = secrets.token_urlsafe(32)  # stored only as its SHA-256
    now = utcnow()
    repository.add(
        session,
        RefreshToken(
            token_hash=token_hash(value),
            family_id=str(issuance.family_id),
            client_id=issuance.client_id,
            account_id=person.account_id,
            session_id=person.session_id,
            sid=person.sid,
            scope=issuance.scope,
            resource=plan.resource,
            claims_request=plan.claims_request,
            patient_id=plan.patient,
            auth_time=person.auth_time,
            acr=person.acr,
            amr=list(person.amr),
            cert_thumbprint=person.cert_thumbprint,
            issued_at=now,
            expires_at=plan.expires_at or now + dt.timedelta(seconds=ttl),
        ),
    )
    return value
